from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.rules import MANAGERS
from services.grants.decisions import service
from services.grants.decisions.models import Appeal, Decision, DecisionLine, Letter, Notice
from services.grants.decisions.schemas import (
    AppealChange,
    AppealIn,
    AppealOut,
    ApplicationDecisionOut,
    DecisionIn,
    DecisionLineOut,
    DecisionOut,
    NoticeOut,
    NoticesReadIn,
    NoticesReadOut,
    UnreadNoticesOut,
)
from shared.auth import ROLES, Principal, require_roles
from shared.storage import ObjectStore
from shared.versioning import IF_MATCH, etag, expected_version

INVOLVED = ("applicant", "partner", *MANAGERS)


def decision_out(decision: Decision, lines: list[DecisionLine]) -> DecisionOut:
    awarded = [line for line in lines if line.outcome == "awarded"]
    return DecisionOut(
        id=decision.id, call_id=decision.call_id, proposal_id=decision.proposal_id, reference=decision.reference,
        decided_on=decision.decided_on, decided_by=decision.decided_by, created_at=decision.created_at,
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
        decided_on=decision.decided_on, outcome=line.outcome, amount_cents=line.amount_cents, rank=line.rank,
        total=None if line.total is None else str(line.total), reasons=list(line.reasons),
        appeal_days=appeal_days, appeal_last_day=last_day, appeal_open=appeal_open)


def letter_response(found: Letter, pdf: bytes, headers: Mapping[str, str] | None = None) -> Response[bytes]:
    """The decision letter as a PDF download named after the application (the API's and the page's)."""
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="beslissing-{found.application_id}.pdf"',
        "ETag": f'"{found.sha256}"', **(headers or {})})


class DecisionController(Controller):
    path = "/{tenant:str}/calls/{call_id:uuid}/decision"
    tags = ["decisions"]
    guards = [require_roles(*MANAGERS)]

    @post("/")
    async def decide(self, call_id: uuid.UUID, data: DecisionIn, session: AsyncSession, principal: Principal,
                     store: ObjectStore) -> DecisionOut:
        """Awards and rejects every application from the fixed proposal, writes the letters, notifies."""
        return decision_out(*await service.decide(session, principal, store, call_id, data))

    @get("/")
    async def decision(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> DecisionOut:
        return decision_out(*await service.decision_of_call(session, principal.tenant, call_id))


class ApplicationDecisionController(Controller):
    path = "/{tenant:str}/applications/{application_id:uuid}"
    tags = ["decisions"]

    @get("/decision", guards=[require_roles(*INVOLVED)])
    async def application_decision(self, application_id: uuid.UUID, session: AsyncSession,
                                   principal: Principal) -> ApplicationDecisionOut:
        """The outcome for this application, the decision's reference and date, and the appeal period."""
        return application_decision_out(application_id, *await service.decision_of_application(
            session, principal, application_id))

    @get("/letter", guards=[require_roles(*INVOLVED)])
    async def letter(self, application_id: uuid.UUID, session: AsyncSession, principal: Principal,
                     store: ObjectStore) -> Response[bytes]:
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
                            if_match: str | None = IF_MATCH) -> Response[AppealOut]:
        """received → under-review → upheld | dismissed, with reasons."""
        appeal, last_day = await service.handle_appeal(session, principal, application_id, appeal_id, data,
                                                       expected_version(if_match))
        return Response(appeal_out(appeal, last_day), headers={"ETag": etag(appeal.version)})


def notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut(id=notice.id, title=notice.title, body=notice.body, link=notice.link,
                     created_at=notice.created_at, read_at=notice.read_at)


class NoticeController(Controller):
    """The logged-in person's notices. Read state: one row per recipient, so an organisation's notice read by
    one of its people is read for all of them (the person's own copy stays theirs)."""

    path = "/{tenant:str}/notices"
    tags = ["notices"]
    guards = [require_roles(*ROLES)]

    @get("/")
    async def notices(self, session: AsyncSession, principal: Principal,
                      limit: int = Parameter(default=50, ge=1, le=200),
                      unread: bool = Parameter(default=False)) -> list[NoticeOut]:
        """The logged-in person's notices (and their organisation's), newest first; `unread=true`: only those
        not read yet. The count is at `unread-count` (the list stays a bare list)."""
        return [notice_out(n) for n in await service.notices(session, principal, limit, unread)]

    @get("/unread-count")
    async def unread_count(self, session: AsyncSession, principal: Principal) -> UnreadNoticesOut:
        """How many notices are unread: one cheap query, for the portal's header on every page."""
        return UnreadNoticesOut(unread=await service.unread_notices(session, principal))

    @post("/{notice_id:uuid}/read", status_code=200)
    async def mark_read(self, notice_id: uuid.UUID, session: AsyncSession, principal: Principal) -> NoticeOut:
        """Marks one notice read (idempotent: a second call keeps the first read time). Only its recipient
        may: anyone else's notice is not found."""
        return notice_out(await service.mark_notice_read(session, principal, notice_id))

    @post("/read", status_code=200)
    async def mark_all_read(self, session: AsyncSession, principal: Principal,
                            data: NoticesReadIn | None = None) -> NoticesReadOut:
        """Marks all of the person's notices read, or only those created at or before `before`."""
        marked, unread = await service.mark_notices_read(session, principal, data.before if data else None)
        return NoticesReadOut(marked=marked, unread=unread)
