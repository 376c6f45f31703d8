"""Realisations' use cases: a partner of the plan (or a coordinator) enters a value and a narrative per entered
indicator and year, with evidence in object storage; a coordinator approves it or sends it back with reasons; a
sent-back one is corrected and submitted again. Counted indicators answer their value from the stored facts.
Every submission, correction and review is audited. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.events.published import NoticeRaisedV1
from services.partners.facts import counting
from services.partners.organisations import service as organisation_service
from services.partners.organisations.models import Organisation
from services.partners.organisations.repository import OrganisationRepository
from services.partners.plans.models import Indicator, Plan
from services.partners.plans.repository import PlanRepository
from services.partners.portal import COORDINATORS, PARTNERS
from services.partners.realisations import rules
from services.partners.realisations.models import Evidence, Realisation
from services.partners.realisations.repository import RealisationRepository
from services.partners.realisations.rules import RealisationStatus
from services.partners.realisations.schemas import CorrectionIn, RealisationIn
from shared.audit import record
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.i18n import N_, _
from shared.ids import uuid7
from shared.notices.kinds import NoticeKind, RecipientKind
from shared.notices.service import in_every_language, raise_notice
from shared.problems import Forbidden, Invalid, NotFound
from shared.storage import DOCUMENTS, ObjectStore, ObjectStream
from shared.versioning import check_version

WHAT = N_("deze realisatie")


@dataclass(frozen=True)
class Entry:
    """A realisation with what a reader needs beside it: its indicator and its evidence."""

    realisation: Realisation
    indicator: Indicator
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class CountedValue:
    plan: Plan
    indicator: Indicator
    rule: counting.CountingRule
    year: int
    counted: counting.Counted


# --- who may ----------------------------------------------------------------------------------------------


def is_coordinator(principal: Principal) -> bool:
    return principal.has_any(COORDINATORS)


async def organisation_of(session: AsyncSession, principal: Principal) -> Organisation | None:
    """The partner's own organisation (the token's enterprise number), if registered."""
    if not principal.has_any(PARTNERS):
        return None
    return await organisation_service.own_organisation(session, principal)


async def party(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> Organisation | None:
    """Who acts on the plan's realisations: a coordinator (None), or a partner whose organisation is a party to
    the plan (that organisation). Anyone else: 403."""
    if is_coordinator(principal):
        return None
    organisation = await organisation_of(session, principal)
    if organisation is not None and await PlanRepository(session, principal.tenant).is_party(plan_id, organisation.id):
        return organisation
    raise Forbidden(_("uw organisatie is geen partij bij deze overeenkomst"))


async def _indicator_and_plan(session: AsyncSession, tenant: str, indicator_id: uuid.UUID) -> tuple[Indicator, Plan]:
    plans = PlanRepository(session, tenant)
    indicator = await plans.indicator(indicator_id)
    plan = await plans.get(indicator.plan_id) if indicator is not None else None
    if indicator is None or plan is None:
        raise NotFound(_("deze indicator bestaat niet"))
    return indicator, plan


async def _readable(session: AsyncSession, principal: Principal, realisation_id: uuid.UUID, *,
                    locked: bool = False) -> Realisation:
    repository = RealisationRepository(session, principal.tenant)
    realisation = await (repository.lock(realisation_id) if locked else repository.get(realisation_id))
    if realisation is None:
        raise NotFound(_("deze realisatie bestaat niet"))
    await party(session, principal, realisation.plan_id)
    return realisation


def state_of(realisation: Realisation) -> dict[str, Any]:
    return {"year": realisation.year, "value": str(realisation.value), "narrative": realisation.narrative,
            "status": realisation.status.value}


async def entries(session: AsyncSession, tenant: str, realisations: list[Realisation]) -> list[Entry]:
    """Each realisation with its indicator and evidence: two queries for the whole list."""
    indicators = await PlanRepository(session, tenant).indicators_with_ids({r.indicator_id for r in realisations})
    evidence = await RealisationRepository(session, tenant).evidence_of([r.id for r in realisations])
    return [Entry(r, indicators[r.indicator_id], evidence[r.id]) for r in realisations if r.indicator_id in indicators]


async def entry(session: AsyncSession, tenant: str, realisation: Realisation) -> Entry:
    return (await entries(session, tenant, [realisation]))[0]


# --- reading ----------------------------------------------------------------------------------------------


async def get(session: AsyncSession, principal: Principal, realisation_id: uuid.UUID) -> Entry:
    return await entry(session, principal.tenant, await _readable(session, principal, realisation_id))


async def of_indicator(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID) -> list[Entry]:
    indicator, plan = await _indicator_and_plan(session, principal.tenant, indicator_id)
    await party(session, principal, plan.id)
    found = await RealisationRepository(session, principal.tenant).of_indicator(indicator.id)
    return await entries(session, principal.tenant, found)


async def page(session: AsyncSession, principal: Principal, *, status: RealisationStatus | None,
               plan_id: uuid.UUID | None, year: int | None, after: uuid.UUID | None, limit: int) -> list[Entry]:
    """A coordinator's list (every plan, e.g. those to review: status=submitted); a partner's: the plans its
    organisation is party to."""
    plan_ids: set[uuid.UUID] | None = None
    if plan_id is not None:
        await party(session, principal, plan_id)
        plan_ids = {plan_id}
    elif not is_coordinator(principal):
        organisation = await organisation_of(session, principal)
        plans = ([] if organisation is None else
                 await PlanRepository(session, principal.tenant).plans_of_organisation(organisation.id))
        plan_ids = {p.id for p in plans}
    found = await RealisationRepository(session, principal.tenant).page(
        status=status, plan_ids=plan_ids, year=year, after=after, limit=limit)
    return await entries(session, principal.tenant, found)


async def counted_value(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID,
                        year: int | None) -> CountedValue:
    """A counted indicator's value for a Brussels calendar year (default: this one), from the stored facts."""
    indicator, plan = await _indicator_and_plan(session, principal.tenant, indicator_id)
    await party(session, principal, plan.id)
    rule = counting.rule_of(indicator)
    if rule is None:
        raise Invalid(_("deze indicator wordt niet geteld uit gebeurtenissen: zijn waarde komt uit de realisaties"),
                      field="indicator")
    if year is None:
        year = (await PlanRepository(session, principal.tenant).brussels_today()).year
    elif not 1900 <= year <= 9998:
        raise Invalid(_("%(year)s is geen geldig jaar") % {"year": year}, field="year")
    values = await counting.counted(session, principal.tenant, plan, [indicator], year)
    return CountedValue(plan, indicator, rule, year, values[indicator.id])


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of a plan as its realisations page shows it."""

    indicator: Indicator
    action_code: str
    entries: list[Entry]
    counted: counting.Counted | None
    """The value for the year shown, when the indicator is counted."""
    free_years: list[int]
    """Years of the plan with no realisation yet (entered indicators)."""


@dataclass(frozen=True)
class PlanRealisations:
    plan: Plan
    year: int
    years: list[int]
    rows: list[IndicatorRow]
    organisation: Organisation | None


async def plan_realisations(session: AsyncSession, principal: Principal, plan_id: uuid.UUID,
                            year: int | None) -> PlanRealisations:
    """A plan's indicators in framework order, each with its realisations (entered) or its value for `year`
    (counted, default this year or the plan's nearest year), for the plan's partners and coordinators."""
    plans = PlanRepository(session, principal.tenant)
    if await plans.get(plan_id) is None:
        raise NotFound(_("deze overeenkomst bestaat niet"))
    organisation = await party(session, principal, plan_id)
    framework = await plans.framework(plan_id)
    plan = framework.plan
    years = list(range(plan.starts_on.year, plan.ends_on.year + 1))
    if year is None or year not in years:
        today = (await plans.brussels_today()).year
        year = min(max(today, years[0]), years[-1])
    found = await entries(session, principal.tenant,
                          await RealisationRepository(session, principal.tenant).of_plan(plan_id))
    values = await counting.counted(session, principal.tenant, plan, framework.indicators, year)
    codes = {a.id: a.code for a in framework.actions}
    rows = []
    for indicator in framework.indicators:
        mine = [e for e in found if e.realisation.indicator_id == indicator.id]
        taken = {e.realisation.year for e in mine}
        rows.append(IndicatorRow(indicator, codes.get(indicator.action_id, ""), mine, values.get(indicator.id),
                                 [y for y in years if y not in taken]))
    return PlanRealisations(plan, year, years, rows, organisation)


async def my_plans(session: AsyncSession, principal: Principal) -> tuple[Organisation | None, list[Plan]]:
    """The partner's organisation and the plans it is party to."""
    organisation = await organisation_of(session, principal)
    if organisation is None:
        return None, []
    return organisation, await PlanRepository(session, principal.tenant).plans_of_organisation(organisation.id)


async def plans_named(session: AsyncSession, tenant: str, plan_ids: set[uuid.UUID]) -> dict[uuid.UUID, Plan]:
    """The plans a list of realisations belongs to, by id (to name them on a page)."""
    plans = PlanRepository(session, tenant)
    found = {plan_id: await plans.get(plan_id) for plan_id in sorted(plan_ids)}
    return {plan_id: plan for plan_id, plan in found.items() if plan is not None}


# --- entering and correcting ------------------------------------------------------------------------------


async def submit(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID,
                 command: RealisationIn) -> Entry:
    indicator, plan = await _indicator_and_plan(session, principal.tenant, indicator_id)
    organisation = await party(session, principal, plan.id)
    rules.check_entered(indicator.feed)
    rules.check_year(command.year, plan.starts_on, plan.ends_on)
    value = rules.parse_value(command.value)
    rules.check_plan_open(plan.status)
    repository = RealisationRepository(session, principal.tenant)
    existing = await repository.of_indicator_in(indicator.id, command.year)
    rules.check_new(existing.status if existing is not None else None)
    realisation = Realisation(
        id=uuid7(), tenant=principal.tenant, plan_id=plan.id, indicator_id=indicator.id,
        year=command.year, value=value, narrative=command.narrative.strip(), status=RealisationStatus.SUBMITTED,
        organisation_id=organisation.id if organisation else None, submitted_by=principal.username,
        submitted_at=datetime.now(UTC), reasons="")
    repository.add(realisation)
    await session.flush()
    record(session, principal.tenant, principal.username, "realisation.submitted", "realisation", realisation.id,
           None, {**state_of(realisation), "indicator_id": str(indicator.id), "plan_id": str(plan.id)})
    await session.flush()
    return Entry(realisation, indicator, [])


async def correct(session: AsyncSession, principal: Principal, realisation_id: uuid.UUID, command: CorrectionIn,
                  expected: int | None) -> Entry:
    """A new value and narrative, submitted again (a sent-back one goes back to review)."""
    realisation = await _readable(session, principal, realisation_id, locked=True)
    check_version(realisation.version, expected, _(WHAT))
    rules.check_correctable(realisation.status)
    value = rules.parse_value(command.value)
    plan = await PlanRepository(session, principal.tenant).get(realisation.plan_id)
    assert plan is not None  # the realisation's foreign key
    rules.check_plan_open(plan.status)
    before = state_of(realisation)
    realisation.value, realisation.narrative = value, command.narrative.strip()
    realisation.status, realisation.reasons = RealisationStatus.SUBMITTED, ""
    realisation.submitted_by, realisation.submitted_at = principal.username, datetime.now(UTC)
    realisation.decided_by, realisation.decided_at = None, None
    record(session, principal.tenant, principal.username, "realisation.submitted", "realisation", realisation.id,
           before, state_of(realisation))
    await session.flush()
    return await entry(session, principal.tenant, realisation)


# --- review -----------------------------------------------------------------------------------------------


async def approve(session: AsyncSession, principal: Principal, realisation_id: uuid.UUID,
                  expected: int | None) -> Entry:
    return await _decide(session, principal, realisation_id, expected, RealisationStatus.APPROVED, "")


async def send_back(session: AsyncSession, principal: Principal, realisation_id: uuid.UUID, reasons: str,
                    expected: int | None) -> Entry:
    return await _decide(session, principal, realisation_id, expected, RealisationStatus.SENT_BACK,
                         rules.check_reasons(reasons))


async def _decide(session: AsyncSession, principal: Principal, realisation_id: uuid.UUID, expected: int | None,
                  outcome: RealisationStatus, reasons: str) -> Entry:
    if not is_coordinator(principal):
        raise Forbidden(_("enkel een coördinator beoordeelt realisaties"))
    realisation = await _readable(session, principal, realisation_id, locked=True)
    check_version(realisation.version, expected, _(WHAT))
    rules.check_decidable(realisation.status)
    before = state_of(realisation)
    realisation.status, realisation.reasons = outcome, reasons
    realisation.decided_by, realisation.decided_at = principal.username, datetime.now(UTC)
    action = "realisation.approved" if outcome == RealisationStatus.APPROVED else "realisation.sent-back"
    record(session, principal.tenant, principal.username, action, "realisation", realisation.id, before,
           state_of(realisation), reasons)
    await session.flush()
    decided = await entry(session, principal.tenant, realisation)
    await _tell_partner(session, principal.tenant, decided)
    return decided


async def _tell_partner(session: AsyncSession, tenant: str, decided: Entry) -> None:
    """The notice of a review, for the person who entered the realisation and their organisation."""
    realisation, indicator = decided.realisation, decided.indicator
    plan = await PlanRepository(session, tenant).get(realisation.plan_id)
    organisation = (await OrganisationRepository(session, tenant).get(realisation.organisation_id)
                    if realisation.organisation_id else None)
    approved = realisation.status == RealisationStatus.APPROVED
    values = {"indicator": indicator.name, "year": realisation.year, "plan": plan.title if plan else "",
              "reasons": realisation.reasons}

    def text() -> tuple[str, str]:
        if approved:
            return (_("Uw realisatie voor «%(indicator)s» (%(year)s) is goedgekeurd") % values,
                    _("De coördinator keurde uw realisatie voor «%(indicator)s» in %(year)s goed, in de "
                      "overeenkomst «%(plan)s». Ze telt nu mee in het rapport.") % values)
        return (_("Uw realisatie voor «%(indicator)s» (%(year)s) is teruggestuurd") % values,
                _("De coördinator stuurde uw realisatie voor «%(indicator)s» in %(year)s terug, in de overeenkomst "
                  "«%(plan)s», met deze reden:\n\n%(reasons)s\n\nVerbeter ze en dien ze opnieuw in.") % values)

    raise_notice(session, tenant, NoticeRaisedV1,
                 kind=NoticeKind.REALISATION_APPROVED if approved else NoticeKind.REALISATION_SENT_BACK,
                 recipients=[(RecipientKind.USER, realisation.submitted_by),
                             *([(RecipientKind.ORGANISATION, organisation.enterprise_number)] if organisation else [])],
                 texts=in_every_language(text), link=f"/{tenant}/partner/plannen/{realisation.plan_id}")


# --- evidence ---------------------------------------------------------------------------------------------


async def _attachable(session: AsyncSession, principal: Principal, realisation_id: uuid.UUID, *,
                      locked: bool) -> Realisation:
    realisation = await _readable(session, principal, realisation_id, locked=locked)
    rules.check_correctable(realisation.status)
    return realisation


async def upload_evidence(units: UnitOfWork, principal: Principal, store: ObjectStore, realisation_id: uuid.UUID,
                          *, filename: str, content_type: str, chunks: AsyncIterable[bytes]) -> Evidence:
    """Three steps, so a slow client holds no row lock and no connection while its bytes arrive: a short read
    judges whether it may; the bytes go to object storage (size, type and SHA-256 checked) with no unit of work
    open; a short write records the evidence on the locked realisation, judged again (it may have been approved
    meanwhile), and removes the object when that is refused."""
    name = filename.strip()
    if not name:
        raise Invalid(_("geef de bestandsnaam"), field="filename")
    async with units() as session:
        await _attachable(session, principal, realisation_id, locked=False)
    stored = await store.upload(chunks, tenant=principal.tenant, aggregate="realisation",
                                aggregate_id=str(realisation_id), filename=name[:255], claimed_type=content_type,
                                accepted=DOCUMENTS)
    async with store.removed_unless_kept(stored.key) as upload:
        async with units() as session:
            realisation = await _attachable(session, principal, realisation_id, locked=True)
            evidence = Evidence(
                id=uuid.UUID(stored.key.rsplit("/", 1)[1]), tenant=principal.tenant, realisation_id=realisation.id,
                file_name=stored.filename, content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                object_key=stored.key, uploaded_by=principal.username, uploaded_at=datetime.now(UTC))
            session.add(evidence)
            record(session, principal.tenant, principal.username, "realisation.evidence.added", "realisation",
                   realisation.id, None, {"evidence_id": str(evidence.id), "file_name": evidence.file_name,
                                          "sha256": evidence.sha256, "size": evidence.size})
            await session.flush()
            upload.kept = True
    return evidence


async def evidence_list(session: AsyncSession, principal: Principal, realisation_id: uuid.UUID) -> list[Evidence]:
    realisation = await _readable(session, principal, realisation_id)
    return (await RealisationRepository(session, principal.tenant).evidence_of([realisation.id]))[realisation.id]


async def read_evidence(session: AsyncSession, principal: Principal, store: ObjectStore, realisation_id: uuid.UUID,
                        evidence_id: uuid.UUID) -> tuple[Evidence, ObjectStream]:
    realisation = await _readable(session, principal, realisation_id)
    evidence = await RealisationRepository(session, principal.tenant).evidence(realisation.id, evidence_id)
    if evidence is None:
        raise NotFound(_("dit bewijsstuk bestaat niet"))
    return evidence, await store.stream(evidence.object_key, principal.tenant)
