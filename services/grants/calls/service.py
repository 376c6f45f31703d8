"""Use cases on calls: repository → rules → audit → stage the event. Never commits.

For the decisions capability: `mark_decided(session, call, decided_at, actor=…)` moves a call that is in
review to decided (the lifecycle check included); call it in the transaction that records the decision."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from services.grants.applications.repository import ApplicationRepository
from services.grants.calls import rules
from services.grants.calls.models import Call, Criterion
from services.grants.calls.repository import CallRepository, read_call
from services.grants.calls.rules import CallStatus
from services.grants.calls.schemas import CallChanges, DraftCall, Eligibility, RequiredAttachment
from services.grants.events.published import CallClosedV1, CallPublishedV1
from shared.audit import record
from shared.auth import Principal
from shared.events.outbox import stage
from shared.i18n import _
from shared.ids import uuid7
from shared.portal import formats
from shared.problems import Conflict, Invalid, NotFound, PreconditionFailed
from shared.reads import Row, TenantReads
from shared.storage import DOCUMENTS
from shared.versioning import check_version

SCALAR_FIELDS = ("title", "rules_text", "legal_basis", "aim", "total_budget_cents", "max_per_project_cents",
                 "cofinancing_rate_bp", "opens_at", "closes_at", "appeal_days", "partial_funding",
                 "partial_funding_min_bp", "spread_limit", "jurors_per_application", "tie_break")


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def eligibility_of(call: Call | Row) -> Eligibility:
    return msgspec.convert(call.eligibility or {}, Eligibility)


def attachments_of(call: Call | Row) -> list[RequiredAttachment]:
    return msgspec.convert(call.required_attachments or [], list[RequiredAttachment])


def terms_of(call: Call) -> rules.CallTerms:
    return rules.CallTerms(
        title=call.title, total_budget_cents=call.total_budget_cents,
        max_per_project_cents=call.max_per_project_cents, cofinancing_rate_bp=call.cofinancing_rate_bp,
        opens_at=call.opens_at, closes_at=call.closes_at, appeal_days=call.appeal_days,
        partial_funding_min_bp=call.partial_funding_min_bp, jurors_per_application=call.jurors_per_application,
        tie_break=list(call.tie_break or []), min_coapplicants=eligibility_of(call).min_coapplicants,
        rules_text=call.rules_text, legal_basis=call.legal_basis, aim=call.aim,
        criteria=[rules.CriterionTerms(position=c.position, name=c.name, weight=c.weight, max_score=c.max_score,
                                       min_threshold=c.min_threshold) for c in call.criteria],
        attachments=[rules.AttachmentTerms(code=a.code, label=a.label, types=tuple(a.types), max_bytes=a.max_bytes)
                     for a in attachments_of(call)],
    )


def _apply(call: Call, command: DraftCall | CallChanges) -> bool:
    """Copies the given fields onto the call; True when the criteria were given (they replace the old)."""
    for name in SCALAR_FIELDS:
        value = getattr(command, name)
        if value is not msgspec.UNSET:
            setattr(call, name, value.strip() if name == "title" else value)
    if command.eligibility is not msgspec.UNSET:
        call.eligibility = msgspec.to_builtins(command.eligibility)
    if command.required_attachments is not msgspec.UNSET:
        call.required_attachments = msgspec.to_builtins(command.required_attachments)
    return command.criteria is not msgspec.UNSET


def _criteria(call: Call, command: DraftCall | CallChanges) -> list[Criterion]:
    assert command.criteria is not msgspec.UNSET
    return [Criterion(id=uuid7(), tenant=call.tenant, call_id=call.id, position=position, name=c.name.strip(),
                      description=c.description, weight=c.weight, max_score=c.max_score,
                      min_threshold=c.min_threshold)
            for position, c in enumerate(command.criteria, start=1)]


def _refuse_problems(problems: list[str]) -> None:
    if problems:
        raise Invalid("; ".join(problems), problems=problems)


async def draft(session: AsyncSession, principal: Principal, command: DraftCall) -> Call:
    call = Call(id=uuid7(), tenant=principal.tenant, status=CallStatus.DRAFT, created_by=principal.subject,
                eligibility={}, required_attachments=[], tie_break=[])
    _apply(call, command)
    call.criteria = _criteria(call, command)
    _refuse_problems(rules.draft_problems(terms_of(call), DOCUMENTS))
    CallRepository(session, principal.tenant).add(call)
    await session.flush()
    await session.refresh(call)
    return call


async def visible(session: AsyncSession, principal: Principal, limit: int) -> list[Call]:
    """The calls this person may see: drafts are the call managers' work in progress; everyone else sees
    calls once published."""
    statuses = None if principal.has_any(rules.MANAGERS) else rules.VISIBLE_TO_EVERYONE
    return await CallRepository(session, principal.tenant).list_with_status_in(statuses, limit)


async def get_visible(session: AsyncSession, principal: Principal, call_id: uuid.UUID) -> Call:
    return may_see(principal, await CallRepository(session, principal.tenant).get(call_id))


async def read_visible(reads: TenantReads, principal: Principal, call_id: uuid.UUID) -> Row:
    """`get_visible` as the API's hot read: the call with its criteria in one round trip."""
    return may_see(principal, await read_call(reads, principal.tenant, call_id))


Found = TypeVar("Found", Call, Row)


def may_see(principal: Principal, call: Found | None) -> Found:
    """The call, when the person may see it: a draft only its managers."""
    if call is None or (call.status == CallStatus.DRAFT and not principal.has_any(rules.MANAGERS)):
        raise NotFound(_("deze oproep bestaat niet (of is nog niet gepubliceerd)"))
    return call


async def get_public(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> Call:
    call = await CallRepository(session, tenant).get(call_id)
    if call is None or call.status not in rules.VISIBLE_TO_EVERYONE:
        raise NotFound(_("deze oproep bestaat niet (of is nog niet gepubliceerd)"))
    return call


async def _flush_versioned(session: AsyncSession, what: str) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(_("%(what)s werd intussen door iemand anders gewijzigd; laad opnieuw")
                                 % {"what": what}) from exc


async def update(session: AsyncSession, principal: Principal, call_id: uuid.UUID, changes: CallChanges,
                 expected: int | None) -> Call:
    call = await get_visible(session, principal, call_id)
    check_version(call.version, expected, _("de oproep"))
    if call.status != CallStatus.DRAFT:
        raise Conflict(_("de oproep is %(status)s; alleen een oproep in voorbereiding kan nog gewijzigd worden")
                       % {"status": _(rules.STATUS_LABELS[call.status])}, status_now=call.status)
    if _apply(call, changes):
        call.criteria.clear()
        await _flush_versioned(session, _("de oproep"))
        call.criteria.extend(_criteria(call, changes))
    _refuse_problems(rules.draft_problems(terms_of(call), DOCUMENTS))
    flag_modified(call, "title")  # a new version even when only the criteria changed
    await _flush_versioned(session, _("de oproep"))
    await session.refresh(call)
    return call


def _transitioned(session: AsyncSession, call: Call, target: CallStatus, actor: str, reasons: str = "") -> None:
    before = call.status
    rules.check_transition(before, target)
    call.status = target
    record(session, tenant=call.tenant, actor=actor, action=f"call.{target}", entity="call", entity_id=call.id,
           before={"status": before}, after={"status": target}, reasons=reasons)


async def _locked(session: AsyncSession, principal: Principal, call_id: uuid.UUID, expected: int | None) -> Call:
    call = await CallRepository(session, principal.tenant).lock(call_id)
    if call is None:
        raise NotFound(_("deze oproep bestaat niet"))
    check_version(call.version, expected, _("de oproep"))
    return call


async def publish(session: AsyncSession, principal: Principal, call_id: uuid.UUID, expected: int | None) -> Call:
    call = await _locked(session, principal, call_id, expected)
    rules.check_transition(call.status, CallStatus.PUBLISHED)
    now = await CallRepository(session, principal.tenant).database_clock()
    _refuse_problems(rules.publication_problems(terms_of(call), now, DOCUMENTS))
    _transitioned(session, call, CallStatus.PUBLISHED, principal.username)
    call.published_at = now
    assert call.opens_at is not None and call.closes_at is not None
    stage(session, CallPublishedV1(call_id=str(call.id), title=call.title,
                                   total_budget_cents=call.total_budget_cents, opens_at=utc_iso(call.opens_at),
                                   closes_at=utc_iso(call.closes_at)),
          tenant=call.tenant, subject=str(call.id))
    await _flush_versioned(session, _("de oproep"))
    await session.refresh(call)
    return call


async def close(session: AsyncSession, call: Call, *, actor: str) -> int:
    """Closes a published call whose deadline passed (the caller holds its row lock); returns how many
    applications were submitted."""
    repository = CallRepository(session, call.tenant)
    submitted = await ApplicationRepository(session, call.tenant).count_submitted_of_call(call.id)
    _transitioned(session, call, CallStatus.CLOSED, actor,
                  reasons=f"sluitingsdatum bereikt; {submitted} ingediende aanvragen")
    call.closed_at = await repository.database_clock()
    stage(session, CallClosedV1(call_id=str(call.id), submitted_applications=submitted),
          tenant=call.tenant, subject=str(call.id))
    await session.flush()
    return submitted


async def close_due(session: AsyncSession, tenant: str, limit: int = 20) -> list[uuid.UUID]:
    """The scheduler's round for one tenant: closes every call whose deadline passed."""
    closed = []
    for call in await CallRepository(session, tenant).lock_due_for_closing(limit):
        await close(session, call, actor="system")
        closed.append(call.id)
    return closed


async def close_after_deadline(session: AsyncSession, principal: Principal, call_id: uuid.UUID) -> Call:
    """What the scheduler does, asked for by a call manager (idempotent: a closed call stays as it is)."""
    call = await _locked(session, principal, call_id, None)
    if call.status == CallStatus.CLOSED:
        return call
    rules.check_transition(call.status, CallStatus.CLOSED)
    now = await CallRepository(session, principal.tenant).database_clock()
    assert call.closes_at is not None
    if now < call.closes_at:
        raise Conflict(_("de oproep sluit pas op %(moment)s") % {"moment": formats.deadline(call.closes_at)},
                       status_now=call.status)
    await close(session, call, actor=principal.username)
    await session.refresh(call)
    return call


async def move(session: AsyncSession, principal: Principal, call_id: uuid.UUID, target: CallStatus,
               expected: int | None) -> Call:
    """start-review (closed → in-review) and archive (decided → archived)."""
    call = await _locked(session, principal, call_id, expected)
    _transitioned(session, call, target, principal.username)
    if target == CallStatus.ARCHIVED:
        call.archived_at = await CallRepository(session, principal.tenant).database_clock()
    await _flush_versioned(session, _("de oproep"))
    await session.refresh(call)
    return call


async def mark_decided(session: AsyncSession, call: Call, decided_at: datetime, *, actor: str) -> None:
    """in-review → decided, for the decisions capability, in the transaction that records the decision."""
    _transitioned(session, call, CallStatus.DECIDED, actor)
    call.decided_at = decided_at
    await session.flush()
