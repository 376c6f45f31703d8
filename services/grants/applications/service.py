"""Use cases on applications: repository → rules → audit → stage the event. Never commits.

Who may do what is in `policy` (`can_read_application`, which the jury extends for assigned jurors)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from services.grants.applications import rules
from services.grants.applications.models import Application, Attachment, CoApplicant
from services.grants.applications.policy import can_read_application, is_co_applicant, is_lead_applicant
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.rules import ApplicationStatus
from services.grants.applications.schemas import AddCoApplicant, ApplicationChanges, DraftApplication
from services.grants.calls.models import Call
from services.grants.calls.repository import CallRepository
from services.grants.calls.rules import MANAGERS, CallStatus
from services.grants.calls.rules import STATUS_LABELS as CALL_STATUS_LABELS
from services.grants.calls.service import attachments_of
from services.grants.events.published import ApplicationSubmittedV1, ApplicationWithdrawnV1
from services.grants.notices import service as notices
from services.grants.registry.repository import KnownOrganisationRepository
from services.grants.screening.service import screen_automatically
from shared import enterprise_number
from shared.audit import record
from shared.auth import Principal
from shared.db import UnitOfWork, insert_added
from shared.events.outbox import stage
from shared.i18n import N_, _
from shared.ids import uuid7
from shared.notices.kinds import NoticeKind
from shared.portal import formats
from shared.problems import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from shared.storage import DOCUMENTS, ObjectStore, ObjectStream
from shared.versioning import check_version

NOT_FOUND = N_("deze aanvraag bestaat niet of u hebt er geen toegang toe")


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def content_of(application: Application) -> dict[str, Any]:
    return {"title": application.title, "summary": application.summary,
            "requested_cents": application.requested_cents, "total_cost_cents": application.total_cost_cents,
            "duration_months": application.duration_months, "budget_lines": list(application.budget_lines or [])}


def _refuse(problems: list[str]) -> None:
    if problems:
        raise Invalid("; ".join(problems), problems=problems)


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(_("de aanvraag werd intussen door iemand anders gewijzigd; laad opnieuw")) from exc


async def _name_of(session: AsyncSession, tenant: str, number: str, given: str | None, what: str) -> str:
    known = await KnownOrganisationRepository(session, tenant).get_by_enterprise_number(number)
    if known is not None:
        return known.name
    name = (given or "").strip()
    if not name:
        raise Invalid(_("%(what)s %(number)s is niet gekend in het partnerregister: geef de naam")
                      % {"what": what, "number": enterprise_number.formatted(number)}, field="name")
    return name


async def create(session: AsyncSession, principal: Principal, call_id: uuid.UUID,
                 command: DraftApplication) -> Application:
    if principal.enterprise_number is None:
        raise Forbidden(_("uw account is niet aan een onderneming gekoppeld; u kunt geen aanvraag indienen"))
    call = await CallRepository(session, principal.tenant).get(call_id)
    if call is None or call.status == CallStatus.DRAFT:
        raise NotFound(_("deze oproep bestaat niet (of is nog niet gepubliceerd)"))
    if call.status != CallStatus.PUBLISHED:
        raise Conflict(_("de oproep is %(status)s; u kunt geen aanvraag meer starten")
                       % {"status": _(CALL_STATUS_LABELS[call.status])},
                       status_now=call.status)
    lines = msgspec.to_builtins(command.budget_lines)
    _refuse(rules.draft_problems(title=command.title, requested_cents=command.requested_cents,
                                 total_cost_cents=command.total_cost_cents,
                                 duration_months=command.duration_months, budget_lines=lines))
    number = enterprise_number.normalise(principal.enterprise_number)
    application = Application(
        id=uuid7(), tenant=principal.tenant, call_id=call.id, applicant_sub=principal.subject,
        applicant_username=principal.username, applicant_email=principal.email,
        applicant_enterprise_number=number,
        applicant_name=await _name_of(session, principal.tenant, number, command.applicant_name, _("uw organisatie")),
        title=command.title.strip(), summary=command.summary, requested_cents=command.requested_cents,
        total_cost_cents=command.total_cost_cents, duration_months=command.duration_months, budget_lines=lines,
        status=ApplicationStatus.DRAFT, co_applicants=[], attachments=[], withdrawal_reason="")
    ApplicationRepository(session, principal.tenant).add(application)
    await session.flush()
    await session.refresh(application)
    return application


async def visible_page(session: AsyncSession, principal: Principal, *, call_id: uuid.UUID | None,
                       statuses: list[str] | None, after: uuid.UUID | None, limit: int) -> list[Application]:
    """My organisation's applications; for call managers every submitted one (drafts stay the applicant's)."""
    return await ApplicationRepository(session, principal.tenant).page_visible_to(
        enterprise_number=principal.enterprise_number if principal.has_any(("applicant",)) else None,
        all_but_drafts=principal.has_any(MANAGERS), call_id=call_id, statuses=statuses, after=after, limit=limit)


async def co_application_page(session: AsyncSession, principal: Principal, after: uuid.UUID | None,
                              limit: int) -> list[Application]:
    """Applications my organisation is co-applicant of: what to confirm, and what was submitted."""
    if principal.enterprise_number is None:
        return []
    return await ApplicationRepository(session, principal.tenant).page_with_co_applicant(
        principal.enterprise_number, after, limit)


async def get_readable(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> Application:
    application = await ApplicationRepository(session, principal.tenant).get(application_id)
    if application is None or not await can_read_application(session, principal, application):
        raise NotFound(_(NOT_FOUND))
    return application


async def _own_draft(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                     expected: int | None) -> Application:
    """The lead applicant's draft, locked for the change."""
    application = await ApplicationRepository(session, principal.tenant).lock(application_id)
    if application is None or not await can_read_application(session, principal, application):
        raise NotFound(_(NOT_FOUND))
    if not is_lead_applicant(principal, application):
        raise Forbidden(_("alleen de aanvragende organisatie kan haar aanvraag wijzigen"))
    check_version(application.version, expected, _("de aanvraag"))
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(_("de aanvraag is %(status)s en kan niet meer gewijzigd worden")
                       % {"status": _(rules.STATUS_LABELS[application.status])}, status_now=application.status)
    return application


def _enterprise_number(raw: str) -> str:
    try:
        return enterprise_number.normalise(raw)
    except ValueError as exc:
        raise Invalid(str(exc), field="enterprise_number") from exc


async def _saved(session: AsyncSession, application: Application) -> Application:
    """Flushes a change of the application or of its parts as a new version of the application."""
    flag_modified(application, "title")
    await _flush(session)
    await session.refresh(application)
    return application


def _reset_confirmations(application: Application) -> None:
    for co_applicant in application.co_applicants:
        co_applicant.confirmed_at = None
        co_applicant.confirmed_by = None


async def update(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                 changes: ApplicationChanges, expected: int | None) -> Application:
    application = await _own_draft(session, principal, application_id, expected)
    before = content_of(application)
    for name in rules.AGREED_FIELDS:
        value = getattr(changes, name)
        if value is not msgspec.UNSET:
            setattr(application, name, msgspec.to_builtins(value) if name == "budget_lines" else value)
    after = content_of(application)
    _refuse(rules.draft_problems(**{k: after[k] for k in ("title", "requested_cents", "total_cost_cents",
                                                           "duration_months", "budget_lines")}))
    if rules.agreed_terms_changed(before, after):
        _reset_confirmations(application)
    return await _saved(session, application)


async def add_co_applicant(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                           command: AddCoApplicant, expected: int | None) -> Application:
    application = await _own_draft(session, principal, application_id, expected)
    number = _enterprise_number(command.enterprise_number)
    if command.role not in rules.CO_APPLICANT_ROLES:
        raise Invalid(_("onbekende rol %(role)r") % {"role": command.role}, field="role",
                      allowed=sorted(rules.CO_APPLICANT_ROLES))
    if number == application.applicant_enterprise_number:
        raise Invalid(_("de aanvragende organisatie kan niet haar eigen mede-aanvrager zijn"),
                      field="enterprise_number")
    if any(c.enterprise_number == number for c in application.co_applicants):
        raise Conflict(_("%(number)s is al mede-aanvrager") % {"number": enterprise_number.formatted(number)})
    name = await _name_of(session, principal.tenant, number, command.name, _("de organisatie"))
    _reset_confirmations(application)  # the partnership each partner agreed to has changed
    application.co_applicants.append(CoApplicant(id=uuid7(), tenant=principal.tenant, application_id=application.id,
                                                 enterprise_number=number, name=name,
                                                 role=rules.CoApplicantRole(command.role)))
    return await _saved(session, application)


async def remove_co_applicant(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                              number: str, expected: int | None) -> Application:
    application = await _own_draft(session, principal, application_id, expected)
    number = _enterprise_number(number)
    co_applicant = next((c for c in application.co_applicants if c.enterprise_number == number), None)
    if co_applicant is None:
        raise NotFound(_("%(number)s is geen mede-aanvrager van deze aanvraag")
                       % {"number": enterprise_number.formatted(number)})
    application.co_applicants.remove(co_applicant)
    _reset_confirmations(application)
    return await _saved(session, application)


async def confirm(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                  number: str, expected: int | None) -> Application:
    """A person of the co-applicant organisation confirms its participation in the draft as they saw it
    (`expected`, its version): a draft changed since is refused (412), and a change of what was agreed to
    has cleared every confirmation. A confirmation is no new version of the draft: co-applicants confirming
    the same version at once all succeed, and the lead's view of the draft stays current."""
    application = await ApplicationRepository(session, principal.tenant).lock(application_id)
    if application is None or not await can_read_application(session, principal, application):
        raise NotFound(_(NOT_FOUND))
    number = _enterprise_number(number)
    if not is_co_applicant(principal, application) or principal.enterprise_number != number:
        raise Forbidden(_("alleen iemand van die organisatie kan haar deelname bevestigen"))
    co_applicant = next(c for c in application.co_applicants if c.enterprise_number == number)
    if co_applicant.confirmed_at is not None:
        return application
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(_("de aanvraag is %(status)s") % {"status": _(rules.STATUS_LABELS[application.status])},
                       status_now=application.status)
    check_version(application.version, expected, _("de aanvraag"))
    co_applicant.confirmed_at = await CallRepository(session, principal.tenant).database_clock()
    co_applicant.confirmed_by = principal.username
    record(session, tenant=principal.tenant, actor=principal.username, action="co_applicant.confirmed",
           entity="application", entity_id=application.id, after={"enterprise_number": number,
                                                                 "version": application.version,
                                                                 "terms": content_of(application)})
    await _flush(session)
    await session.refresh(application)
    return application


async def _call_of(session: AsyncSession, application: Application) -> Call:
    call = await CallRepository(session, application.tenant).get(application.call_id)
    assert call is not None
    return call


@dataclass(frozen=True)
class UploadTerms:
    """What an upload may be, judged before any byte is read: the clean file name and the accepted types."""

    filename: str
    accepted: frozenset[str]
    max_bytes: int | None


async def _upload_terms(session: AsyncSession, principal: Principal, application: Application, code: str,
                        filename: str) -> UploadTerms:
    if not is_lead_applicant(principal, application):
        raise Forbidden(_("alleen de aanvragende organisatie kan haar aanvraag wijzigen"))
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(_("de aanvraag is %(status)s en kan niet meer gewijzigd worden")
                       % {"status": _(rules.STATUS_LABELS[application.status])}, status_now=application.status)
    filename = filename.strip().replace("/", "_").replace("\\", "_")
    if not filename:
        raise Invalid(_("geef de bestandsnaam (?filename=…)"), field="filename")
    required = {a.code: a for a in attachments_of(await _call_of(session, application))}
    if code == rules.OTHER_ATTACHMENTS:
        return UploadTerms(filename, DOCUMENTS, None)
    if code in required:
        return UploadTerms(filename, frozenset(required[code].types) & DOCUMENTS, required[code].max_bytes)
    raise Invalid(_("onbekende bijlagecode %(code)r") % {"code": code}, field="code",
                  allowed=[*required, rules.OTHER_ATTACHMENTS])


async def upload_attachment(units: UnitOfWork, principal: Principal, store: ObjectStore,
                            application_id: uuid.UUID, *, code: str, filename: str, content_type: str,
                            chunks: AsyncIterable[bytes], idempotency_key: str | None) -> tuple[Attachment, bool]:
    """Streams the file through the checks into object storage; (attachment, created). A retry with the same
    Idempotency-Key returns the first upload.

    Three steps, so that a slow client holds neither a row lock nor a database connection while its bytes come
    in: a short read judges whether and what may be uploaded; the bytes go to object storage with no unit of
    work open; a short write records the attachment on the locked draft, judged again (the draft may have been
    submitted meanwhile). When that record is refused the stored object is removed."""
    earlier: Attachment | None = None
    async with units() as session:
        application = await get_readable(session, principal, application_id)
        if idempotency_key:
            repository = ApplicationRepository(session, principal.tenant)
            earlier = await repository.attachment_by_idempotency_key(application.id, idempotency_key)
        if earlier is None:
            terms = await _upload_terms(session, principal, application, code, filename)
    if earlier is not None:
        return await _retried_upload(earlier, code, filename, chunks), False
    stored = await store.upload(chunks, tenant=principal.tenant, aggregate="applications",
                                aggregate_id=str(application_id), filename=terms.filename,
                                claimed_type=content_type, accepted=terms.accepted, max_bytes=terms.max_bytes)
    async with store.removed_unless_kept(stored.key) as upload:
        async with units() as session:
            application = await _own_draft(session, principal, application_id, None)
            if idempotency_key:  # a retry that raced this one may have recorded its upload first
                repository = ApplicationRepository(session, principal.tenant)
                earlier = await repository.attachment_by_idempotency_key(application.id, idempotency_key)
                if earlier is not None:
                    _same_upload(earlier, code, stored.filename, stored.sha256)
                    return earlier, False
            attachment = Attachment(
                id=uuid7(), tenant=principal.tenant, application_id=application.id, code=code,
                filename=stored.filename, content_type=stored.content_type, size_bytes=stored.size,
                sha256=stored.sha256, object_key=stored.key, uploaded_by=principal.username,
                idempotency_key=idempotency_key or None)
            application.attachments.append(attachment)
            await _saved(session, application)
            await session.refresh(attachment)
            upload.kept = True
    return attachment, True


def _same_upload(earlier: Attachment, code: str, filename: str, sha256: str) -> None:
    """A retry with an upload's Idempotency-Key must be that upload again: the same code, file name and bytes
    (the attachment keeps the key, the SHA-256 of the body and what it answered). Anything else is 422."""
    if (earlier.code, earlier.filename, earlier.sha256) != (code, filename, sha256):
        raise Invalid(_("deze Idempotency-Key werd al gebruikt voor een andere upload (een ander bestand, een andere "
                      "naam of bijlagecode); gebruik een nieuwe sleutel voor een nieuwe upload"),
                      field="Idempotency-Key", attachment_id=str(earlier.id))


async def _retried_upload(earlier: Attachment, code: str, filename: str, chunks: AsyncIterable[bytes]) -> Attachment:
    """The first upload again, once the retried body proves to be the same bytes (read and hashed, not stored;
    no unit of work is open meanwhile)."""
    digest = hashlib.sha256()
    async for chunk in chunks:
        digest.update(chunk)
    _same_upload(earlier, code, filename.strip().replace("/", "_").replace("\\", "_"), digest.hexdigest())
    return earlier


async def remove_attachment(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                            attachment_id: uuid.UUID) -> Application:
    application = await _own_draft(session, principal, application_id, None)
    attachment = next((a for a in application.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(_("deze bijlage bestaat niet"))
    application.attachments.remove(attachment)  # the object stays: storage is append-only, the row decides
    return await _saved(session, application)


async def read_attachment(session: AsyncSession, principal: Principal, store: ObjectStore,
                          application_id: uuid.UUID, attachment_id: uuid.UUID) -> tuple[Attachment, ObjectStream]:
    application = await get_readable(session, principal, application_id)
    attachment = next((a for a in application.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(_("deze bijlage bestaat niet"))
    return attachment, await store.stream(attachment.object_key, principal.tenant)


def freeze(application: Application) -> tuple[dict[str, Any], str]:
    snapshot = rules.snapshot(
        application={"application_id": str(application.id), "call_id": str(application.call_id),
                     "applicant": {"enterprise_number": application.applicant_enterprise_number,
                                   "name": application.applicant_name},
                     **content_of(application)},
        co_applicants=[{"enterprise_number": c.enterprise_number, "name": c.name, "role": c.role,
                        "confirmed_at": iso(c.confirmed_at), "confirmed_by": c.confirmed_by}
                       for c in application.co_applicants],
        attachments=[{"id": str(a.id), "code": a.code, "filename": a.filename, "content_type": a.content_type,
                      "size_bytes": a.size_bytes, "sha256": a.sha256} for a in application.attachments])
    return snapshot, rules.content_hash(snapshot)


async def submit(session: AsyncSession, principal: Principal, application_id: uuid.UUID, expected: int | None,
                 idempotency_key: str | None) -> tuple[Application, list[str]]:
    """Freezes the application as the lead saw it (`expected`, its version; 412 when it changed since) if the
    call is open by the database clock; (application, warnings). Submitting again returns the same snapshot
    and stages no second event."""
    repository = ApplicationRepository(session, principal.tenant)
    # The application FOR UPDATE (concurrent submits of it queue here), its call FOR SHARE: closing the call
    # waits until this submission has committed or failed, and its status and period cannot change before the
    # submission is judged against them.
    locked = await repository.lock_for_submission(application_id)
    if locked is None or not await can_read_application(session, principal, locked[0]):
        raise NotFound(_(NOT_FOUND))
    application, call = locked
    if not is_lead_applicant(principal, application):
        raise Forbidden(_("alleen de aanvragende organisatie kan haar aanvraag indienen"))
    if application.snapshot is not None:
        return application, []
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(_("de aanvraag is %(status)s") % {"status": _(rules.STATUS_LABELS[application.status])},
                       status_now=application.status)
    check_version(application.version, expected, _("de aanvraag"))
    waiting = rules.unconfirmed([{"name": c.name, "confirmed_at": c.confirmed_at} for c in application.co_applicants])
    if waiting:
        raise Conflict(_("nog niet elke mede-aanvrager heeft bevestigd: %(names)s") % {"names": ", ".join(waiting)},
                       unconfirmed=waiting)
    snapshot, content_hash = freeze(application)
    submitted_at = None
    if call.status == CallStatus.PUBLISHED and call.opens_at is not None and call.closes_at is not None:
        submitted_at = await repository.mark_submitted_within(
            application, call.opens_at, call.closes_at, snapshot=snapshot, content_hash=content_hash,
            idempotency_key=idempotency_key)
    if submitted_at is None:
        now = await CallRepository(session, principal.tenant).database_clock()
        assert call.opens_at is not None and call.closes_at is not None
        if call.status == CallStatus.PUBLISHED and now < call.opens_at:
            raise Conflict(_("de oproep opent pas op %(moment)s") % {"moment": formats.deadline(call.opens_at)},
                           opens_at=iso(call.opens_at))
        raise Conflict(_("de indieningstermijn is verstreken: de oproep sloot op %(moment)s")
                       % {"moment": formats.deadline(call.closes_at)},
                       closes_at=iso(call.closes_at), refused_at=iso(now))
    stage(session, ApplicationSubmittedV1(
        application_id=str(application.id), call_id=str(call.id),
        applicant_enterprise_number=application.applicant_enterprise_number,
        co_applicant_enterprise_numbers=sorted(c.enterprise_number for c in application.co_applicants),
        requested_cents=application.requested_cents, content_hash=content_hash),
        tenant=principal.tenant, subject=str(application.id))
    record(session, tenant=principal.tenant, actor=principal.username, action="application.submitted",
           entity="application", entity_id=application.id, before={"status": ApplicationStatus.DRAFT},
           after={"status": ApplicationStatus.SUBMITTED, "content_hash": content_hash,
                  "submitted_at": iso(submitted_at)})
    _tell_submitted(session, principal.tenant, call, application)
    checks = await screen_automatically(session, call, application)
    await insert_added(session)  # the screening, audit entries and events: one round trip
    return application, [c.reason for c in checks if not c.passed]


def _tell_submitted(session: AsyncSession, tenant: str, call: Call, application: Application) -> None:
    """The receipt: a notice for the applicant and their organisation, with the fingerprint of what was sent."""
    values = {"title": application.title, "call": call.title, "hash": (application.content_hash or "")[:12]}

    def text() -> tuple[str, str]:
        return (_("Uw aanvraag «%(title)s» is ingediend") % values,
                _("Wij ontvingen uw aanvraag «%(title)s» voor de oproep «%(call)s». Wat u indiende, ligt vast "
                  "(kenmerk %(hash)s); u kunt ze nog intrekken zolang er niet over beslist is.\n\nU hoort van ons "
                  "na de screening.") % values)

    notices.tell_applicant(session, tenant, application, kind=NoticeKind.APPLICATION_SUBMITTED, render=text)


async def withdraw(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                   reason: str) -> Application:
    repository = ApplicationRepository(session, principal.tenant)
    application = await repository.lock(application_id)
    if application is None or not await can_read_application(session, principal, application):
        raise NotFound(_(NOT_FOUND))
    if not is_lead_applicant(principal, application):
        raise Forbidden(_("alleen de aanvragende organisatie kan haar aanvraag intrekken"))
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    if application.status not in rules.WITHDRAWABLE:
        raise Conflict(_("de aanvraag is %(status)s: na een besluit kan ze niet meer ingetrokken worden")
                       % {"status": _(rules.STATUS_LABELS[application.status])}, status_now=application.status)
    before = application.status
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = await CallRepository(session, principal.tenant).database_clock()
    application.withdrawal_reason = reason.strip()
    if application.submitted_at is not None:  # nobody outside heard of a draft
        stage(session, ApplicationWithdrawnV1(application_id=str(application.id), call_id=str(application.call_id)),
              tenant=principal.tenant, subject=str(application.id))
    record(session, tenant=principal.tenant, actor=principal.username, action="application.withdrawn",
           entity="application", entity_id=application.id, before={"status": before},
           after={"status": ApplicationStatus.WITHDRAWN}, reasons=application.withdrawal_reason)
    await _flush(session)
    await session.refresh(application)
    return application
