from __future__ import annotations

import uuid
from datetime import datetime

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls import rules, service
from services.grants.calls.models import Call
from services.grants.calls.rules import MANAGERS, CallStatus
from services.grants.calls.schemas import (
    CallChanges,
    CallOut,
    CriterionOut,
    DraftCall,
    LocalTime,
    PublicAttachment,
    PublicCall,
    PublicCriterion,
)
from shared.auth import ROLES, Principal, require_roles
from shared.hot_reads import HotRead
from shared.portal import formats
from shared.reads import Row, TenantReads
from shared.versioning import IfMatch, etag, expected_version


def to_out(call: Call | Row) -> CallOut:
    return CallOut(
        id=call.id, title=call.title, status=call.status, status_label=rules.STATUS_LABELS[call.status],
        rules_text=call.rules_text, legal_basis=call.legal_basis, aim=call.aim,
        total_budget_cents=call.total_budget_cents, max_per_project_cents=call.max_per_project_cents,
        cofinancing_rate_bp=call.cofinancing_rate_bp, opens_at=call.opens_at, closes_at=call.closes_at,
        appeal_days=call.appeal_days, partial_funding=call.partial_funding,
        partial_funding_min_bp=call.partial_funding_min_bp, spread_limit=call.spread_limit,
        jurors_per_application=call.jurors_per_application, tie_break=list(call.tie_break or []),
        eligibility=service.eligibility_of(call), required_attachments=service.attachments_of(call),
        criteria=[CriterionOut(id=c.id, position=c.position, name=c.name, description=c.description,
                               weight=c.weight, max_score=c.max_score, min_threshold=c.min_threshold)
                  for c in call.criteria],
        published_at=call.published_at, closed_at=call.closed_at, decided_at=call.decided_at,
        archived_at=call.archived_at, created_at=call.created_at, version=call.version)


def with_etag(call: Call | Row, status_code: int = 200) -> Response[CallOut]:
    return Response(to_out(call), status_code=status_code, headers={"ETag": etag(call.version)})


def local_time(moment: datetime | None) -> LocalTime:
    """A public call always has both moments: publication refuses a call without them."""
    assert moment is not None
    return LocalTime(utc=moment, local=formats.brussels(moment).isoformat(),
                     text=formats.deadline(moment))


def to_public(call: Call) -> PublicCall:
    terms = service.terms_of(call)
    eligibility = service.eligibility_of(call)
    return PublicCall(
        id=call.id, title=call.title, status=call.status, status_label=rules.STATUS_LABELS[call.status],
        aim=call.aim, rules_text=call.rules_text, legal_basis=call.legal_basis,
        opens=local_time(call.opens_at), closes=local_time(call.closes_at),
        total_budget_cents=call.total_budget_cents, total_budget_text=formats.euros(call.total_budget_cents),
        max_per_project_cents=call.max_per_project_cents,
        max_per_project_text=formats.euros(call.max_per_project_cents),
        cofinancing_rate_bp=call.cofinancing_rate_bp, cofinancing_text=formats.percentage(call.cofinancing_rate_bp),
        partial_funding=call.partial_funding,
        criteria=[PublicCriterion(position=c.position, name=c.name, description=c.description, weight=c.weight,
                                  max_score=c.max_score, min_threshold=c.min_threshold) for c in call.criteria],
        required_attachments=[PublicAttachment(code=a.code, label=a.label, types=a.types, max_bytes=a.max_bytes)
                              for a in service.attachments_of(call)],
        eligibility_rules=rules.eligibility_text(
            social_economy_coapplicant=eligibility.social_economy_coapplicant,
            min_coapplicants=eligibility.min_coapplicants, max_per_project_cents=call.max_per_project_cents,
            cofinancing_rate_bp=call.cofinancing_rate_bp, attachments=terms.attachments,
            extra_rules=eligibility.rules),
        tie_break=list(call.tie_break or []), tie_break_rules=rules.tie_break_text(terms.tie_break, terms.criteria),
        appeal_days=call.appeal_days, appeal_text=rules.appeal_text(call.appeal_days))


async def read_one(reads: TenantReads, principal: Principal, call_id: uuid.UUID) -> tuple[CallOut, dict[str, str]]:
    """One call as the API gives it, with its ETag: the hot read (shared/reads.py: one statement, no unit of
    work), answered by the handler below and, on its happy path, in front of Litestar (`HOT_READS`)."""
    call = await service.read_visible(reads, principal, call_id)
    return to_out(call), {"ETag": etag(call.version)}


class CallController(Controller):
    path = "/{tenant:str}/calls"
    tags = ["calls"]

    @post("/", guards=[require_roles(*MANAGERS)])
    async def draft_call(self, data: DraftCall, session: AsyncSession, principal: Principal) -> Response[CallOut]:
        return with_etag(await service.draft(session, principal, data), 201)

    @get("/", guards=[require_roles(*ROLES)])
    async def list_calls(self, session: AsyncSession, principal: Principal,
                         limit: int = Parameter(default=50, ge=1, le=200)) -> list[CallOut]:
        return [to_out(c) for c in await service.visible(session, principal, limit)]

    @get("/{call_id:uuid}", guards=[require_roles(*ROLES)])
    async def get_call(self, call_id: uuid.UUID, reads: TenantReads, principal: Principal) -> Response[CallOut]:
        body, headers = await read_one(reads, principal, call_id)
        return Response(body, headers=headers)

    @patch("/{call_id:uuid}", guards=[require_roles(*MANAGERS)])
    async def change_draft(self, call_id: uuid.UUID, data: CallChanges, session: AsyncSession,
                           principal: Principal, if_match: IfMatch = None) -> Response[CallOut]:
        return with_etag(await service.update(session, principal, call_id, data, expected_version(if_match)))

    @post("/{call_id:uuid}/publish", guards=[require_roles(*MANAGERS)], status_code=200)
    async def publish(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal,
                      if_match: IfMatch = None) -> Response[CallOut]:
        return with_etag(await service.publish(session, principal, call_id, expected_version(if_match)))

    @post("/{call_id:uuid}/close", guards=[require_roles(*MANAGERS)], status_code=200)
    async def close(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> Response[CallOut]:
        return with_etag(await service.close_after_deadline(session, principal, call_id))

    @post("/{call_id:uuid}/start-review", guards=[require_roles(*MANAGERS)], status_code=200)
    async def start_review(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal,
                           if_match: IfMatch = None) -> Response[CallOut]:
        return with_etag(await service.move(session, principal, call_id, CallStatus.IN_REVIEW,
                                            expected_version(if_match)))

    @post("/{call_id:uuid}/archive", guards=[require_roles(*MANAGERS)], status_code=200)
    async def archive(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal,
                      if_match: IfMatch = None) -> Response[CallOut]:
        return with_etag(await service.move(session, principal, call_id, CallStatus.ARCHIVED,
                                            expected_version(if_match)))


class PublicCallController(Controller):
    """The call's public page data: no login (the tenant comes from the URL)."""

    path = "/{tenant:str}/public/calls"
    tags = ["public"]

    @get("/{call_id:uuid}")
    async def public_call(self, call_id: uuid.UUID, public_session: AsyncSession, tenant: str) -> PublicCall:
        return to_public(await service.get_public(public_session, tenant, call_id))


HOT_READS = [HotRead("/{tenant}/calls/{call_id}", ROLES, read_one)]
"""CallController.get_call's route, answered in front of Litestar on its happy path (shared/hot_reads.py)."""
