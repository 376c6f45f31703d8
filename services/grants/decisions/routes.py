from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from litestar import Controller, Response, get, patch, post
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.rules import MANAGERS
from services.grants.decisions import service
from services.grants.decisions.models import Appeal, Decision, DecisionLine, Letter
from services.grants.decisions.rules import Outcome
from services.grants.decisions.schemas import (
    AppealChange,
    AppealIn,
    AppealOut,
    ApplicationDecisionOut,
    DecisionIn,
    DecisionLineOut,
    DecisionOut,
)
from shared.auth import Principal, require_roles
from shared.downloads import stored_file
from shared.storage import ObjectStore, ObjectStream
from shared.versioning import IfMatch, etag, expected_version

INVOLVED = ("applicant", "partner", *MANAGERS)


def decision_out(decision: Decision, lines: list[DecisionLine]) -> DecisionOut:
    awarded = [line for line in lines if line.outcome == Outcome.AWARDED]
    return DecisionOut(
        id=decision.id, call_id=decision.call_id, proposal_id=decision.proposal_id, reference=decision.reference,
        decided_on=decision.decided_on, notified_on=decision.notified_on, decided_by=decision.decided_by,
        created_at=decision.created_at,
        awarded=len(awarded), rejected=len(lines) - len(awarded), awarded_cents=sum(a.amount_cents for a in awarded),
        lines=[DecisionLineOut(application_id=line.application_id, outcome=line.outcome,
                               amount_cents=line.amount_cents, rank=line.rank,
                               total=None if line.total is None else str(line.total), reasons=line.reasons)
               for line in lines])


def appeal_out(appeal: Appeal, last_day: date) -> AppealOut:
    return AppealOut(id=appeal.id, application_id=appeal.application_id, decision_id=appeal.decision_id,
                     grounds=appeal.grounds, status=appeal.status, lodged_by=appeal.lodged_by,
                     lodged_at=appeal.lodged_at, last_day=last_day, outcome_reasons=appeal.outcome_reasons,
                     handled_by=appeal.handled_by, handled_at=appeal.handled_at, version=appeal.version)


def application_decision_out(application_id: uuid.UUID, line: DecisionLine, decision: Decision, appeal_days: int,
                             last_day: date, appeal_open: bool) -> ApplicationDecisionOut:
    return ApplicationDecisionOut(
        application_id=application_id, decision_id=decision.id, reference=decision.reference,
        decided_on=decision.decided_on, notified_on=decision.notified_on, outcome=line.outcome,
        amount_cents=line.amount_cents, rank=line.rank,
        total=None if line.total is None else str(line.total), reasons=list(line.reasons),
        appeal_days=appeal_days, appeal_last_day=last_day, appeal_open=appeal_open)


def letter_response(found: Letter, pdf: ObjectStream, headers: Mapping[str, str] | None = None) -> Stream:
    """The decision letter as a PDF download named after the application (the API's and the page's), in pieces
    from object storage."""
    return stored_file(pdf, media_type="application/pdf", file_name=f"beslissing-{found.application_id}.pdf",
                       sha256=found.sha256, headers=headers)


class DecisionController(Controller):
    path = "/{tenant:str}/calls/{call_id:uuid}/decision"
    tags = ["decisions"]
    guards = [require_roles(*MANAGERS)]

    @post("/")
    async def decide(self, call_id: uuid.UUID, data: DecisionIn, session: AsyncSession, principal: Principal,
                     store: ObjectStore, if_match: IfMatch = None) -> Response[DecisionOut]:
        """Awards and rejects every application from the proposal named by `proposal_id` and If-Match (its
        version: 428 without, 412 when another), writes the letters, notifies: 201. A retry of the decision
        taken (same reference and proposal) answers 200 with it and changes nothing."""
        decided = await service.decide(session, principal, store, call_id, data, expected_version(if_match))
        return Response(decision_out(decided.decision, decided.lines), status_code=201 if decided.created else 200)

    @get("/")
    async def decision(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> DecisionOut:
        return decision_out(*await service.decision_of_call(session, principal.tenant, call_id))


class CallAppealsController(Controller):
    path = "/{tenant:str}/calls/{call_id:uuid}/appeals"
    tags = ["decisions"]
    guards = [require_roles(*MANAGERS)]

    @get("/")
    async def appeals(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> list[AppealOut]:
        """Every appeal against the call's decision, oldest first (empty before a decision)."""
        return [appeal_out(a, last) for a, last in await service.appeals_of_call(session, principal, call_id)]


class ApplicationDecisionController(Controller):
    path = "/{tenant:str}/applications/{application_id:uuid}"
    tags = ["decisions"]

    @get("/decision", guards=[require_roles(*INVOLVED)])
    async def application_decision(self, application_id: uuid.UUID, session: AsyncSession,
                                   principal: Principal) -> ApplicationDecisionOut:
        """The outcome for this application, the decision's reference and date, and the appeal period."""
        return application_decision_out(application_id, *await service.decision_of_application(
            session, principal, application_id))

    @get("/letter", guards=[require_roles(*INVOLVED)], media_type="application/pdf")
    async def letter(self, application_id: uuid.UUID, session: AsyncSession, principal: Principal,
                     store: ObjectStore) -> Stream:
        """The decision letter (PDF) for the applicant organisation, its co-applicants and call managers."""
        return letter_response(*await service.letter(session, principal, store, application_id))

    @post("/appeals", guards=[require_roles("applicant")])
    async def lodge_appeal(self, application_id: uuid.UUID, data: AppealIn, session: AsyncSession,
                           principal: Principal) -> Response[AppealOut]:
        appeal, last_day = await service.lodge_appeal(session, principal, application_id, data)
        return Response(appeal_out(appeal, last_day), status_code=201, headers={"ETag": etag(appeal.version)})

    @get("/appeals", guards=[require_roles(*INVOLVED)])
    async def appeals(self, application_id: uuid.UUID, session: AsyncSession,
                      principal: Principal) -> list[AppealOut]:
        return [appeal_out(a, last) for a, last in await service.appeals(session, principal, application_id)]

    @patch("/appeals/{appeal_id:uuid}", guards=[require_roles(*MANAGERS)])
    async def handle_appeal(self, application_id: uuid.UUID, appeal_id: uuid.UUID, data: AppealChange,
                            session: AsyncSession, principal: Principal,
                            if_match: IfMatch = None) -> Response[AppealOut]:
        """received → under-review → upheld | dismissed, with reasons."""
        appeal, last_day = await service.handle_appeal(session, principal, application_id, appeal_id, data,
                                                       expected_version(if_match))
        return Response(appeal_out(appeal, last_day), headers={"ETag": etag(appeal.version)})
