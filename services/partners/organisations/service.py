"""Use cases on organisations: repository → rules → stage the event. Never commits.

A coordinator registers and edits any entry. A partner edits only its own (the token's enterprise number): what
does not touch its recognitions or kind applies at once; a change of those waits, as one OrganisationChange with
the entry's recognitions before and after, until a coordinator approves it (applied then) or refuses it with
reasons. Every input is checked before anything changes: bad input changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.partners.events.published import (
    OrganisationRecognitionChangedV1,
    OrganisationRegisteredV1,
    OrganisationUpdatedV1,
    RecognitionV1,
)
from services.partners.organisations import rules
from services.partners.organisations.models import (
    Offering,
    Organisation,
    OrganisationChange,
    Recognition,
    StaffFigure,
)
from services.partners.organisations.repository import OrganisationRepository, read_organisation
from services.partners.organisations.rules import ChangeStatus, RecognitionTerms, StaffTerms
from services.partners.organisations.schemas import (
    ContactIn,
    OfferingIn,
    OrganisationChanges,
    RecognitionIn,
    RegisterOrganisation,
    StaffIn,
)
from shared import enterprise_number
from shared.audit import record
from shared.auth import Principal
from shared.events.outbox import stage
from shared.i18n import _
from shared.ids import uuid7
from shared.municipalities import Municipality, find, name_of, of_province
from shared.portal.formats import BRUSSELS
from shared.problems import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from shared.reads import Row, TenantReads
from shared.versioning import check_version

COORDINATING = frozenset({"coordinator", "province-admin"})
"""Who edits any entry directly and decides the changes waiting for approval."""
READERS = frozenset({*COORDINATING, "call-manager"})
"""Who reads any entry (a call manager checks an applicant's recognitions); a partner reads its own."""


def today() -> date:
    """Recognitions are valid by the calendar day in Brussels."""
    return datetime.now(BRUSSELS).date()


def recognition_terms(organisation: Organisation | Row) -> list[RecognitionTerms]:
    return [RecognitionTerms(kind=r.kind, valid_from=r.valid_from, valid_until=r.valid_until, reference=r.reference)
            for r in organisation.recognitions]


def is_social_economy(organisation: Organisation | Row, day: date | None = None) -> bool:
    return rules.is_social_economy(organisation.kind, recognition_terms(organisation), day or today())


def snapshot(kind: str, recognitions: Sequence[RecognitionTerms]) -> dict[str, Any]:
    """What a change waiting for approval shows before and after: the kind and the recognitions, as JSON."""
    return {"kind": kind, "recognitions": [
        {"kind": r.kind, "valid_from": r.valid_from.isoformat(),
         "valid_until": r.valid_until.isoformat() if r.valid_until else None, "reference": r.reference}
        for r in sorted(recognitions, key=lambda r: (r.valid_from, r.kind, r.valid_until or date.max))]}


def terms_of_snapshot(values: dict[str, Any]) -> tuple[str, list[RecognitionTerms]]:
    return values["kind"], [
        RecognitionTerms(kind=r["kind"], valid_from=date.fromisoformat(r["valid_from"]),
                         valid_until=date.fromisoformat(r["valid_until"]) if r["valid_until"] else None,
                         reference=r.get("reference", "")) for r in values["recognitions"]]


# -- checking what was typed --------------------------------------------------------------------------------------

@dataclass
class Checked:
    """The parts of a command that were given, checked and normalised (None: not given)."""

    name: str | None = None
    kind: str | None = None
    municipality: Municipality | None = None
    description: str | None = None
    contact: ContactIn | None = None
    recognitions: list[RecognitionTerms] | None = None
    offerings: list[tuple[str, str, str]] | None = None
    staff: list[StaffTerms] | None = None


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise Invalid("; ".join(reason for _field, reason in problems), field=problems[0][0],
                      errors=[{"key": f, "message": reason} for f, reason in problems])


def municipality_problem(text: str) -> tuple[str, str] | None:
    if find(text) is None:
        return ("municipality", _("%(municipality)s is geen Vlaamse gemeente; geef de naam of de NIS-code van een "
                                  "van de 285 Vlaamse gemeenten (bv. Gent of 44021)")
                % {"municipality": repr(text.strip())})
    return None


def check(*, name: str | None = None, kind: str | None = None, municipality: str | None = None,
          description: str | None = None, contact: ContactIn | None = None,
          recognitions: list[RecognitionIn] | None = None, offerings: list[OfferingIn] | None = None,
          staff: list[StaffIn] | None = None) -> Checked:
    """Every field given checked at once, so the answer names all that is wrong (422), and nothing changes."""
    problems: list[tuple[str, str]] = []
    checked = Checked(description=description.strip() if description is not None else None, contact=contact)
    if name is not None:
        checked.name = name.strip()
        if not checked.name:
            problems.append(("name", _("de naam is verplicht")))
        elif len(checked.name) > 300:
            problems.append(("name", _("de naam is langer dan 300 tekens")))
    if kind is not None:
        if kind not in rules.KINDS:
            problems.append(("kind", _("onbekend soort organisatie %(kind)s; geldig zijn: %(valid)s")
                             % {"kind": repr(kind), "valid": ", ".join(rules.KINDS)}))
        checked.kind = kind
    if municipality is not None:
        if (problem := municipality_problem(municipality)) is not None:
            problems.append(problem)
        checked.municipality = find(municipality)
    if contact is not None:
        postcode = contact.postcode.strip()
        if postcode and not (len(postcode) == 4 and postcode.isdigit()):
            problems.append(("contact.postcode", _("%(postcode)s is geen Belgische postcode (vier cijfers)")
                             % {"postcode": repr(postcode)}))
        if contact.email.strip() and "@" not in contact.email:
            problems.append(("contact.email", _("%(email)s is geen e-mailadres") % {"email": repr(contact.email)}))
        for field, value, limit in (("street", contact.street, 200), ("email", contact.email, 200),
                                    ("phone", contact.phone, 40), ("website", contact.website, 300)):
            if len(value.strip()) > limit:
                problems.append((f"contact.{field}", _("langer dan %(limit)s tekens") % {"limit": limit}))
        checked.contact = ContactIn(street=contact.street.strip(), postcode=postcode, email=contact.email.strip(),
                                    phone=contact.phone.strip(), website=contact.website.strip())
    if recognitions is not None:
        checked.recognitions = [RecognitionTerms(kind=r.kind, valid_from=r.valid_from, valid_until=r.valid_until,
                                                 reference=r.reference.strip()[:120]) for r in recognitions]
        problems += rules.recognition_problems(checked.recognitions)
    if offerings is not None:
        checked.offerings = [(o.rubric, o.kind, o.description.strip()) for o in offerings]
        problems += rules.offering_problems(checked.offerings)
    if staff is not None:
        checked.staff = [StaffTerms(year=s.year, target_group_workers=s.target_group_workers,
                                    supervising_staff=s.supervising_staff, fte=s.fte) for s in staff]
        problems += rules.staff_problems(checked.staff, today().year)
    _refuse(problems)
    return checked


# -- writing ------------------------------------------------------------------------------------------------------

def _replace_recognitions(organisation: Organisation, recognitions: list[RecognitionTerms]) -> None:
    organisation.recognitions = [
        Recognition(id=uuid7(), tenant=organisation.tenant, kind=r.kind, valid_from=r.valid_from,
                    valid_until=r.valid_until, reference=r.reference) for r in recognitions]


def _replace_offerings(organisation: Organisation, offerings: list[tuple[str, str, str]]) -> None:
    organisation.offerings = [
        Offering(id=uuid7(), tenant=organisation.tenant, rubric=rubric, kind=kind, description=description,
                 position=position) for position, (rubric, kind, description) in enumerate(offerings, start=1)]


def _new_staff(organisation: Organisation, staff: list[StaffTerms]) -> list[StaffFigure]:
    return [StaffFigure(id=uuid7(), tenant=organisation.tenant, year=s.year,
                        target_group_workers=s.target_group_workers, supervising_staff=s.supervising_staff,
                        fte=s.fte) for s in sorted(staff, key=lambda s: s.year)]


def refresh_search_document(organisation: Organisation) -> None:
    organisation.search_document = rules.search_document(
        organisation.name, organisation.description, name_of(organisation.municipality),
        [(o.rubric, o.description) for o in organisation.offerings])


def _stage_updated(session: AsyncSession, organisation: Organisation, changed: list[str]) -> None:
    organisation.social_economy_announced = is_social_economy(organisation)
    stage(session, OrganisationUpdatedV1(
        organisation_id=str(organisation.id), enterprise_number=organisation.enterprise_number,
        name=organisation.name, kind=organisation.kind, municipality=organisation.municipality,
        municipality_name=name_of(organisation.municipality), social_economy=is_social_economy(organisation),
        changed=changed, version=organisation.version,
    ), tenant=organisation.tenant, subject=str(organisation.id))


def _stage_recognition_changed(session: AsyncSession, organisation: Organisation,
                               change_id: uuid.UUID | None, day: date | None = None) -> None:
    day = day or today()
    organisation.social_economy_announced = is_social_economy(organisation, day)
    stage(session, OrganisationRecognitionChangedV1(
        organisation_id=str(organisation.id), enterprise_number=organisation.enterprise_number,
        name=organisation.name, kind=organisation.kind,
        recognitions=[RecognitionV1(kind=r.kind, valid_from=r.valid_from.isoformat(),
                                    valid_until=r.valid_until.isoformat() if r.valid_until else None)
                      for r in rules.valid_on(recognition_terms(organisation), day)],
        social_economy=is_social_economy(organisation, day), change_id=str(change_id) if change_id else None,
        version=organisation.version,
    ), tenant=organisation.tenant, subject=str(organisation.id))


async def _flush_versioned(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(_("de organisatie werd intussen door iemand anders gewijzigd; laad opnieuw")) from exc


async def register(session: AsyncSession, principal: Principal, command: RegisterOrganisation) -> Organisation:
    try:
        number = enterprise_number.normalise(command.enterprise_number)
    except ValueError as exc:
        raise Invalid(str(exc), field="enterprise_number") from exc
    checked = check(name=command.name, kind=command.kind, municipality=command.municipality,
                    description=command.description, contact=command.contact, recognitions=command.recognitions,
                    offerings=command.offerings, staff=command.staff)
    repository = OrganisationRepository(session, principal.tenant)
    if await repository.get_by_enterprise_number(number) is not None:
        raise Conflict(_("organisatie %(number)s is al geregistreerd")
                       % {"number": enterprise_number.formatted(number)},
                       field="enterprise_number")
    assert checked.name is not None and checked.kind is not None and checked.municipality is not None
    contact = checked.contact or ContactIn()
    organisation = Organisation(
        id=uuid7(), tenant=principal.tenant, enterprise_number=number, name=checked.name, kind=checked.kind,
        municipality=checked.municipality.code, description=checked.description or "", street=contact.street,
        postcode=contact.postcode, email=contact.email, phone=contact.phone, website=contact.website)
    _replace_recognitions(organisation, checked.recognitions or [])
    _replace_offerings(organisation, checked.offerings or [])
    organisation.staff = _new_staff(organisation, checked.staff or [])
    refresh_search_document(organisation)
    repository.add(organisation)
    if organisation.recognitions:
        record(session, principal.tenant, principal.username or principal.subject, "recognition.registered",
               "organisation", organisation.id, None, snapshot(organisation.kind, recognition_terms(organisation)))
    organisation.social_economy_announced = is_social_economy(organisation)
    stage(session, OrganisationRegisteredV1(
        organisation_id=str(organisation.id), enterprise_number=number, name=organisation.name,
        kind=organisation.kind, municipality=organisation.municipality,
        municipality_name=checked.municipality.name, social_economy=is_social_economy(organisation),
    ), tenant=principal.tenant, subject=str(organisation.id))
    await session.flush()
    return organisation


def _apply_direct(organisation: Organisation, checked: Checked) -> list[str]:
    """Applies the fields given that differ from the entry; the names of those that changed."""
    changed: list[str] = []
    if checked.name is not None and checked.name != organisation.name:
        organisation.name = checked.name
        changed.append("name")
    if checked.kind is not None and checked.kind != organisation.kind:
        organisation.kind = checked.kind
        changed.append("kind")
    if checked.municipality is not None and checked.municipality.code != organisation.municipality:
        organisation.municipality = checked.municipality.code
        changed.append("municipality")
    if checked.description is not None and checked.description != organisation.description:
        organisation.description = checked.description
        changed.append("description")
    if checked.contact is not None:
        contact = msgspec.structs.asdict(checked.contact)
        if any(getattr(organisation, k) != v for k, v in contact.items()):
            for k, v in contact.items():
                setattr(organisation, k, v)
            changed.append("contact")
    if checked.recognitions is not None and (
            snapshot(organisation.kind, checked.recognitions)["recognitions"]
            != snapshot(organisation.kind, recognition_terms(organisation))["recognitions"]):
        _replace_recognitions(organisation, checked.recognitions)
        changed.append("recognitions")
    if checked.offerings is not None and checked.offerings != [
            (o.rubric, o.kind, o.description) for o in organisation.offerings]:
        _replace_offerings(organisation, checked.offerings)
        changed.append("offerings")
    if checked.staff is not None and sorted(checked.staff, key=lambda s: s.year) != [
            StaffTerms(s.year, s.target_group_workers, s.supervising_staff, s.fte) for s in organisation.staff]:
        # A year kept is updated in place: deleted and inserted again it would meet itself in the unique index.
        by_year = {s.year: s for s in checked.staff}
        for row in list(organisation.staff):
            if (figures := by_year.pop(row.year, None)) is None:
                organisation.staff.remove(row)
            else:
                row.target_group_workers, row.supervising_staff, row.fte = (
                    figures.target_group_workers, figures.supervising_staff, figures.fte)
        organisation.staff.extend(_new_staff(organisation, list(by_year.values())))
        organisation.staff.sort(key=lambda s: s.year)
        changed.append("staff")
    return changed


async def _commit_changes(session: AsyncSession, principal: Principal, organisation: Organisation,
                          changed: list[str], before: dict[str, Any], change_id: uuid.UUID | None = None) -> None:
    """A new version of the entry, its search text, the audit entry of a recognition change, and the events."""
    if not changed:
        return
    organisation.updated_at = datetime.now(UTC)
    refresh_search_document(organisation)
    await _flush_versioned(session)
    if "recognitions" in changed or "kind" in changed:
        record(session, organisation.tenant, principal.username or principal.subject,
               "recognition.approved" if change_id else "recognition.changed", "organisation", organisation.id,
               before, snapshot(organisation.kind, recognition_terms(organisation)))
        _stage_recognition_changed(session, organisation, change_id)
    _stage_updated(session, organisation, changed)


async def remove_contact(session: AsyncSession, organisation: Organisation) -> None:
    """The entry's e-mail address and phone cleared: they were a person's, who asked for their erasure
    (shared.privacy). A new version, announced like any change of its contact."""
    organisation.email, organisation.phone = "", ""
    organisation.updated_at = datetime.now(UTC)
    await _flush_versioned(session)
    _stage_updated(session, organisation, ["contact"])


async def _own_or_coordinated(repository: OrganisationRepository, principal: Principal,
                              organisation_id: uuid.UUID) -> Organisation:
    organisation = await repository.lock(organisation_id)
    if organisation is None:
        raise NotFound(_("deze organisatie bestaat niet"))
    if not principal.has_any(COORDINATING) and organisation.enterprise_number != principal.enterprise_number:
        raise Forbidden(_("u kunt alleen de fiche van uw eigen organisatie wijzigen"))
    return organisation


async def update(session: AsyncSession, principal: Principal, organisation_id: uuid.UUID,
                 changes: OrganisationChanges, expected: int | None) -> tuple[Organisation, OrganisationChange | None]:
    """The entry after the edit, and the change that waits for approval (a partner's edit of its recognitions or
    kind), if any."""
    given = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not msgspec.UNSET}
    checked = check(**given)
    repository = OrganisationRepository(session, principal.tenant)
    organisation = await _own_or_coordinated(repository, principal, organisation_id)
    check_version(organisation.version, expected, _("de organisatie"))
    before = snapshot(organisation.kind, recognition_terms(organisation))
    waiting: dict[str, Any] | None = None
    if not principal.has_any(COORDINATING):
        proposed = snapshot(checked.kind if checked.kind is not None else organisation.kind,
                            checked.recognitions if checked.recognitions is not None
                            else recognition_terms(organisation))
        if proposed != before:
            waiting = proposed
        checked.kind = checked.recognitions = None
        if waiting is not None and await repository.pending_change_of(organisation.id) is not None:
            raise Conflict(_("er wacht al een wijziging van uw erkenningen op goedkeuring; wacht op de beslissing "
                             "van de coördinator voor u een nieuwe indient"))
    changed = _apply_direct(organisation, checked)
    await _commit_changes(session, principal, organisation, changed, before)
    change = None
    if waiting is not None:
        change = OrganisationChange(id=uuid7(), tenant=organisation.tenant, organisation_id=organisation.id,
                                    status=ChangeStatus.PENDING, requested_by=principal.username or principal.subject,
                                    before=before, after=waiting)
        repository.add(change)
        record(session, organisation.tenant, principal.username or principal.subject, "recognition.requested",
               "organisation", organisation.id, before, waiting)
        await session.flush()
    await session.refresh(organisation)
    return organisation, change


async def decide(session: AsyncSession, principal: Principal, change_id: uuid.UUID, expected: int | None, *,
                 approve: bool, reasons: str = "") -> OrganisationChange:
    """Approves (the entry takes the change's recognitions and kind, if it still has those the change was made
    against) or refuses (reasons required) a change waiting for approval."""
    reasons = reasons.strip()
    if not approve and not reasons:
        raise Invalid(_("geef de redenen van de weigering"), field="reasons")
    repository = OrganisationRepository(session, principal.tenant)
    change = await repository.lock_change(change_id)
    if change is None:
        raise NotFound(_("deze wijziging bestaat niet"))
    check_version(change.version, expected, _("de wijziging"))
    if change.status != ChangeStatus.PENDING:
        raise Conflict(_("deze wijziging is al %(status)s") % {"status": _(rules.CHANGE_STATUSES[change.status])},
                       status_now=change.status)
    organisation = await repository.lock(change.organisation_id)
    assert organisation is not None  # the foreign key cascades
    actor = principal.username or principal.subject
    if approve:
        before = snapshot(organisation.kind, recognition_terms(organisation))
        if before != change.before:
            raise Conflict(_("de erkenningen van deze organisatie werden intussen gewijzigd; de aanvraag geldt een "
                             "vroegere toestand: weiger ze, en laat de partner ze opnieuw indienen"))
        kind, recognitions = terms_of_snapshot(change.after)
        changed = _apply_direct(organisation, Checked(kind=kind, recognitions=recognitions))
        await _commit_changes(session, principal, organisation, changed, before, change_id=change.id)
    else:
        record(session, organisation.tenant, actor, "recognition.refused", "organisation", organisation.id,
               change.before, change.after, reasons)
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REFUSED
    change.decided_by = actor
    change.decided_at = datetime.now(UTC)
    change.reasons = reasons
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(_("de wijziging werd intussen door iemand anders beslist; laad opnieuw")) from exc
    await session.refresh(change)
    return change


# -- reading ------------------------------------------------------------------------------------------------------

async def get(session: AsyncSession, principal: Principal, organisation_id: uuid.UUID) -> Organisation:
    return may_read(principal, await OrganisationRepository(session, principal.tenant).get(organisation_id))


async def read(reads: TenantReads, principal: Principal, organisation_id: uuid.UUID) -> Row:
    """`get` as the API's hot read: the entry with its related rows and pending change, in one round trip."""
    return may_read(principal, await read_organisation(reads, principal.tenant, organisation_id))


Entry = TypeVar("Entry", Organisation, Row)


def may_read(principal: Principal, organisation: Entry | None) -> Entry:
    """The entry, when the person may see it: the province's readers every one, a partner only its own."""
    if organisation is None:
        raise NotFound(_("deze organisatie bestaat niet"))
    if not principal.has_any(READERS) and organisation.enterprise_number != principal.enterprise_number:
        raise Forbidden(_("u kunt alleen de fiche van uw eigen organisatie zien"))
    return organisation


async def announce_day(session: AsyncSession, tenant: str, day: date) -> list[Organisation]:
    """The organisations whose social-economy status changed with the passing of the days up to `day` (a
    recognition that started or ended), each announced as organisation.recognition.changed, once: the one place
    grants' eligibility learns what no write told it. Locked rows of another replica are left to it."""
    changed = []
    for organisation in await OrganisationRepository(session, tenant).status_may_differ(day):
        if is_social_economy(organisation, day) != organisation.social_economy_announced:
            _stage_recognition_changed(session, organisation, None, day)
            changed.append(organisation)
    await session.flush()
    return changed


async def own_organisation(session: AsyncSession, principal: Principal) -> Organisation | None:
    """The organisation the person acts for: the registered one with its token's enterprise number (None when the
    token carries none, or the organisation is not registered in this province). The one place that link is made."""
    if not principal.enterprise_number:
        return None
    return await OrganisationRepository(session, principal.tenant).get_by_enterprise_number(
        principal.enterprise_number)


async def mine(session: AsyncSession, principal: Principal) -> Organisation:
    """The partner's own organisation, by the enterprise number in its token."""
    if not principal.enterprise_number:
        raise NotFound(_("uw account is aan geen onderneming gekoppeld"))
    organisation = await own_organisation(session, principal)
    if organisation is None:
        raise NotFound(_("onderneming %(number)s staat nog niet in het register van deze provincie; vraag de "
                         "coördinator ze te registreren")
                       % {"number": enterprise_number.formatted(principal.enterprise_number)})
    return organisation


async def get_change(session: AsyncSession, principal: Principal, change_id: uuid.UUID) -> OrganisationChange:
    change = await OrganisationRepository(session, principal.tenant).get_change(change_id)
    if change is None:
        raise NotFound(_("deze wijziging bestaat niet"))
    if not principal.has_any(COORDINATING):
        organisation = await OrganisationRepository(session, principal.tenant).get(change.organisation_id)
        if organisation is None or organisation.enterprise_number != principal.enterprise_number:
            raise Forbidden(_("u kunt alleen de wijzigingen van uw eigen organisatie zien"))
    return change


def municipality_choices(tenant: str) -> list[Municipality]:
    return list(of_province(tenant))
