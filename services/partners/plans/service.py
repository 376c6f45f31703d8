"""Use cases on plans: repository → rules → audit → stage the event. Never commits: the request's unit of work
does (bad input raises before or after writing and the whole unit rolls back, so it changes nothing).

Who may do what: coordinators and the province's administrator write; call managers read every plan; a
partner reads only the plans its organisation (found by the token's enterprise number) is party to."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from services.partners.events.published import PlanStatusChangedV1
from services.partners.organisations import service as organisation_service
from services.partners.organisations.repository import OrganisationRepository
from services.partners.plans import rules
from services.partners.plans.models import Action, Indicator, Objective, Plan, PlanDocument, PlanParty, Target
from services.partners.plans.repository import Framework, PlanRepository
from services.partners.plans.rules import Feed, ObjectiveLevel, PlanKind, PlanStatus
from services.partners.plans.schemas import (
    ActionIn,
    DraftPlan,
    FrameworkIn,
    IndicatorChanges,
    IndicatorIn,
    ObjectiveIn,
    PartyIn,
    PlanChanges,
)
from shared.audit import record
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.events.outbox import stage
from shared.i18n import N_, _
from shared.ids import uuid7
from shared.municipalities import find as find_municipality
from shared.problems import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from shared.storage import DOCUMENTS, ObjectStore, ObjectStream
from shared.versioning import check_version

NOT_FOUND = N_("dit plan bestaat niet (of u hebt er geen toegang toe)")

log = logging.getLogger("regie.partners.plans")


# --- reading ------------------------------------------------------------------------------------------------

async def organisation_of(session: AsyncSession, principal: Principal) -> uuid.UUID | None:
    """The registered organisation of a partner, by its token's enterprise number (None if unregistered)."""
    organisation = await organisation_service.own_organisation(session, principal)
    return organisation.id if organisation is not None else None


def reads_every_plan(principal: Principal) -> bool:
    return principal.has_any(rules.READERS)


async def get_readable(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> Plan:
    """The plan, if the principal may read it (404 otherwise: a partner does not learn what others agreed)."""
    repository = PlanRepository(session, principal.tenant)
    plan = await repository.get(plan_id)
    if plan is None:
        raise NotFound(_(NOT_FOUND))
    if not reads_every_plan(principal):
        organisation = await organisation_of(session, principal)
        if organisation is None or not await repository.is_party(plan.id, organisation):
            raise NotFound(_(NOT_FOUND))
    return plan


async def framework(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> Framework:
    plan = await get_readable(session, principal, plan_id)
    return await PlanRepository(session, principal.tenant).framework(plan.id)


async def page(session: AsyncSession, principal: Principal, *, status: str | None, kind: str | None,
               municipality: str | None, after: uuid.UUID | None, limit: int) -> list[Plan]:
    """A page of the plans the principal may read (limit + 1 rows: the caller sees whether more follow)."""
    if status is not None and status not in rules.STATUSES:
        raise Invalid(_("onbekende status %(status)s") % {"status": repr(status)}, field="status",
                      allowed=list(PlanStatus))
    if kind is not None and kind not in rules.PLAN_KINDS:
        raise Invalid(_("onbekende soort plan %(kind)s") % {"kind": repr(kind)}, field="kind", allowed=list(PlanKind))
    code = None
    if municipality is not None:
        found = find_municipality(municipality)
        if found is None:
            raise Invalid(_("onbekende gemeente %(municipality)s") % {"municipality": repr(municipality)},
                              field="municipality")
        code = found.code
    organisation = None
    if not reads_every_plan(principal):
        organisation = await organisation_of(session, principal)
        if organisation is None:
            return []
    return await PlanRepository(session, principal.tenant).page(
        statuses=[status] if status else None, kind=kind, municipality=code, organisation_id=organisation,
        after=after, limit=limit + 1)


# --- the plan itself ----------------------------------------------------------------------------------------

def municipality_codes(texts: Sequence[str]) -> list[str]:
    """NIS codes of names or codes, in the order given, each once; 422 naming the first one unknown."""
    codes: list[str] = []
    for position, text in enumerate(texts):
        found = find_municipality(text)
        if found is None:
            raise Invalid(_("onbekende gemeente %(municipality)s: geef een Vlaamse gemeente (naam of NIS-code)")
                          % {"municipality": repr(text)}, field=f"municipalities[{position}]")
        if found.code not in codes:
            codes.append(found.code)
    return codes


async def _parties(session: AsyncSession, tenant: str, plan_id: uuid.UUID,
                   parties: Sequence[PartyIn]) -> list[PlanParty]:
    organisations = OrganisationRepository(session, tenant)
    rows = []
    for position, party in enumerate(parties, start=1):
        name = party.name.strip()
        if party.organisation_id is not None:
            organisation = await organisations.get(party.organisation_id)
            if organisation is None:
                raise Invalid(_("partij %(position)s: organisatie %(organisation)s is niet geregistreerd in deze "
                                "provincie") % {"position": position, "organisation": party.organisation_id},
                              field=f"parties[{position - 1}].organisation_id")
            name = name or organisation.name
        if not name:
            raise Invalid(_("partij %(position)s: geef een naam of een geregistreerde organisatie")
                          % {"position": position}, field=f"parties[{position - 1}].name")
        rows.append(PlanParty(id=uuid7(), tenant=tenant, plan_id=plan_id, organisation_id=party.organisation_id,
                              name=name[:300], role=party.role.strip()[:120], position=position))
    return rows


def _check_period(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise Invalid(_("de einddatum ligt vóór de begindatum"), field="ends_on")


def _title(text: str) -> str:
    title = text.strip()
    if not title:
        raise Invalid(_("de titel is verplicht"), field="title")
    if len(title) > 300:
        raise Invalid(_("de titel is langer dan 300 tekens"), field="title")
    return title


async def create(session: AsyncSession, principal: Principal, command: DraftPlan) -> Plan:
    if command.kind not in rules.PLAN_KINDS:
        raise Invalid(_("onbekende soort plan %(kind)s: 'agreement' (samenwerkingsovereenkomst) of "
                        "'multi-year-plan' (meerjarenplan)") % {"kind": repr(command.kind)}, field="kind",
                      allowed=list(PlanKind))
    _check_period(command.starts_on, command.ends_on)
    plan = Plan(id=uuid7(), tenant=principal.tenant, kind=PlanKind(command.kind), title=_title(command.title),
                summary=command.summary.strip(), status=PlanStatus.DRAFT, starts_on=command.starts_on,
                ends_on=command.ends_on, municipalities=municipality_codes(command.municipalities),
                created_by=principal.username)
    parties = await _parties(session, principal.tenant, plan.id, command.parties)
    repository = PlanRepository(session, principal.tenant)
    repository.add(plan)
    await session.flush()
    repository.add(*parties)
    record(session, principal.tenant, principal.username, "plan.created", "plan", plan.id, None,
           {"kind": plan.kind, "title": plan.title, "status": plan.status, "starts_on": plan.starts_on,
            "ends_on": plan.ends_on, "municipalities": plan.municipalities,
            "parties": [p.name for p in parties]})
    await session.flush()
    await session.refresh(plan)
    return plan


async def _locked(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> Plan:
    plan = await PlanRepository(session, principal.tenant).lock(plan_id)
    if plan is None:
        raise NotFound(_(NOT_FOUND))
    return plan


def _not_ended(plan: Plan, what: str) -> None:
    if plan.status == PlanStatus.ENDED:
        raise Conflict(_("het plan is %(status)s: %(what)s kan niet meer")
                       % {"status": _(rules.STATUSES[plan.status]), "what": what}, status_now=plan.status)


async def _flush_versioned(session: AsyncSession, what: str) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(_("%(what)s werd intussen door iemand anders gewijzigd; laad opnieuw")
                                 % {"what": what}) from exc


async def update(session: AsyncSession, principal: Principal, plan_id: uuid.UUID, changes: PlanChanges,
                 expected: int | None) -> Plan:
    plan = await _locked(session, principal, plan_id)
    check_version(plan.version, expected, _("het plan"))
    _not_ended(plan, _("wijzigen"))
    terms_changed = [name for name in ("starts_on", "ends_on", "municipalities", "parties")
                     if getattr(changes, name) is not msgspec.UNSET]
    if terms_changed and plan.status not in rules.OPEN_TERMS:
        raise Conflict(_("het plan is %(status)s: partijen, looptijd en gemeenten liggen vast zodra het ondertekend "
                         "is") % {"status": _(rules.STATUSES[plan.status])}, status_now=plan.status,
                       fields=terms_changed)
    repository = PlanRepository(session, principal.tenant)
    before = _terms(plan, await repository.parties_of(plan.id))
    if changes.title is not msgspec.UNSET:
        plan.title = _title(changes.title)
    if changes.summary is not msgspec.UNSET:
        plan.summary = changes.summary.strip()
    starts_on = plan.starts_on if changes.starts_on is msgspec.UNSET else changes.starts_on
    ends_on = plan.ends_on if changes.ends_on is msgspec.UNSET else changes.ends_on
    _check_period(starts_on, ends_on)
    if (starts_on, ends_on) != (plan.starts_on, plan.ends_on):
        targets = (await repository.framework(plan.id)).targets
        outside = sorted({t.year for t in targets} - set(rules.years_of(starts_on.year, ends_on.year)))
        if outside:
            raise Invalid(_("er zijn streefwaarden voor %(years)s, buiten de nieuwe looptijd (%(start)s–%(end)s); "
                            "pas die eerst aan") % {"years": ", ".join(map(str, outside)), "start": starts_on.year,
                                                    "end": ends_on.year}, field="starts_on")
        plan.starts_on, plan.ends_on = starts_on, ends_on
    if changes.municipalities is not msgspec.UNSET:
        plan.municipalities = municipality_codes(changes.municipalities)
    parties = None
    if changes.parties is not msgspec.UNSET:
        parties = await _parties(session, principal.tenant, plan.id, changes.parties)
        for old in await repository.parties_of(plan.id):
            await session.delete(old)
        await session.flush()
        repository.add(*parties)
    flag_modified(plan, "title")  # a new version even when only the parties changed
    await _flush_versioned(session, _("het plan"))
    after = _terms(plan, parties if parties is not None else await repository.parties_of(plan.id))
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        record(session, principal.tenant, principal.username, "plan.changed", "plan", plan.id,
               {k: before[k] for k in sorted(changed)}, {k: after[k] for k in sorted(changed)})
        await session.flush()
    await session.refresh(plan)
    return plan


def _terms(plan: Plan, parties: Sequence[PlanParty]) -> dict[str, Any]:
    return {"title": plan.title, "summary": plan.summary, "starts_on": plan.starts_on.isoformat(),
            "ends_on": plan.ends_on.isoformat(), "municipalities": list(plan.municipalities),
            "parties": [{"name": p.name, "role": p.role,
                         "organisation_id": str(p.organisation_id) if p.organisation_id else None}
                        for p in parties]}


async def change_status(session: AsyncSession, principal: Principal, plan_id: uuid.UUID, to: str, reasons: str,
                        expected: int | None) -> Plan:
    """One move of the lifecycle, judged on the locked row: two moves with the same If-Match are serialised and
    the second is refused 412 (it read a version that is gone)."""
    try:
        target = PlanStatus(to)
    except ValueError:
        raise Invalid(_("onbekende status %(status)s") % {"status": repr(to)}, field="to",
                      allowed=list(PlanStatus)) from None
    plan = await _locked(session, principal, plan_id)
    check_version(plan.version, expected, _("het plan"))
    problem = rules.transition_problem(plan.status, target)
    if problem is not None:
        raise Conflict(problem, status_now=plan.status, allowed=[m.value for m in rules.allowed_moves(plan.status)])
    repository = PlanRepository(session, principal.tenant)
    if target == PlanStatus.SIGNED and not await repository.has_signed_document(plan.id):
        raise Conflict(_("een plan wordt pas ondertekend met minstens één ondertekend document: laad eerst de "
                         "ondertekende overeenkomst op (soort 'signed')"), status_now=plan.status)
    before = plan.status
    plan.status = target
    reasons = reasons.strip()
    record(session, principal.tenant, principal.username, "plan.status.changed", "plan", plan.id,
           {"status": before}, {"status": target}, reasons)
    parties = await repository.parties_of(plan.id)
    stage(session, PlanStatusChangedV1(
        plan_id=str(plan.id), kind=plan.kind, title=plan.title, from_status=before, to_status=target,
        reasons=reasons, starts_on=plan.starts_on.isoformat(), ends_on=plan.ends_on.isoformat(),
        municipalities=list(plan.municipalities),
        organisation_ids=[str(p.organisation_id) for p in parties if p.organisation_id is not None],
        changed_by=principal.username), tenant=plan.tenant, subject=str(plan.id))
    await _flush_versioned(session, _("het plan"))
    await session.refresh(plan)
    return plan


# --- the results framework ----------------------------------------------------------------------------------

@dataclass
class Builder:
    """Adds objectives, actions, indicators and targets to one locked plan through the same rules, one by one
    or a whole framework at once. Positions run through the plan (so one ORDER BY gives the framework's order);
    codes left out are made from the parent's code and the item's place."""

    session: AsyncSession
    principal: Principal
    plan: Plan
    existing: Framework

    def __post_init__(self) -> None:
        self.repository = PlanRepository(self.session, self.principal.tenant)
        self.positions = {
            "objective": max((o.position for o in self.existing.objectives), default=0),
            "action": max((a.position for a in self.existing.actions), default=0),
            "indicator": max((i.position for i in self.existing.indicators), default=0),
        }
        self.new: dict[type[Any], list[Any]] = {Objective: [], Action: [], Indicator: [], Target: []}

    async def save(self) -> None:
        """Writes what was built, table by table (the models carry no relationships, so the unit of work would
        not know that an action's objective must be written first); objectives in the order made, parents
        first."""
        for model in (Objective, Action, Indicator, Target):
            if self.new[model]:
                self.repository.add(*self.new[model])
                await self.session.flush()
            self.new[model] = []

    def _next(self, what: str) -> int:
        self.positions[what] += 1
        return self.positions[what]

    def objective(self, command: ObjectiveIn, parent: Objective | None, place: int, where: str) -> Objective:
        kind = self.plan.kind
        try:
            level = ObjectiveLevel(command.level) if command.level else rules.default_level(kind, parent is not None)
        except ValueError:
            raise Invalid(_("onbekend niveau %(level)s") % {"level": repr(command.level)}, field=f"{where}.level",
                          allowed=list(ObjectiveLevel)) from None
        try:
            rules.check_objective_level(kind, level, parent.level if parent is not None else None)
        except rules.ObjectiveLevelError as exc:
            raise Invalid(str(exc), field=f"{where}.level") from None
        title = command.title.strip()
        if not title:
            raise Invalid(_("de titel van een doelstelling is verplicht"), field=f"{where}.title")
        if command.actions and not rules.carries_actions(kind, level):
            raise Invalid(_("acties horen niet onder een %(level)s; in een meerjarenplan staan ze onder een "
                            "operationele doelstelling") % {"level": _(rules.OBJECTIVE_LEVELS[level])},
                          field=f"{where}.actions")
        objective = Objective(
            id=uuid7(), tenant=self.plan.tenant, plan_id=self.plan.id, parent_id=parent.id if parent else None,
            level=level, code=(command.code or "").strip()[:20] or rules.child_code(parent.code if parent else None,
                                                                                  place),
            title=title, remarks=command.remarks.strip(), position=self._next("objective"))
        self.new[Objective].append(objective)
        for index, child in enumerate(command.objectives, start=1):
            self.objective(child, objective, index, f"{where}.objectives[{index - 1}]")
        for index, action in enumerate(command.actions, start=1):
            self.action(action, objective, index, f"{where}.actions[{index - 1}]")
        return objective

    def action(self, command: ActionIn, objective: Objective, place: int, where: str) -> Action:
        if not rules.carries_actions(self.plan.kind, objective.level):
            raise Invalid(_("acties horen niet onder een %(level)s; in een meerjarenplan staan ze onder een "
                            "operationele doelstelling") % {"level": _(rules.OBJECTIVE_LEVELS[objective.level])},
                          field=f"{where}")
        title = command.title.strip()
        if not title:
            raise Invalid(_("de titel van een actie is verplicht"), field=f"{where}.title")
        action = Action(id=uuid7(), tenant=self.plan.tenant, plan_id=self.plan.id, objective_id=objective.id,
                        code=(command.code or "").strip()[:20] or rules.child_code(objective.code, place),
                        title=title, position=self._next("action"))
        self.new[Action].append(action)
        for index, indicator in enumerate(command.indicators, start=1):
            self.indicator(indicator, action, f"{where}.indicators[{index - 1}]")
        return action

    def indicator(self, command: IndicatorIn, action: Action, where: str) -> Indicator:
        name, unit = command.name.strip(), command.unit.strip()
        if not name:
            raise Invalid(_("de naam van een indicator is verplicht"), field=f"{where}.name")
        if not unit or len(unit) > 60:
            raise Invalid(_("geef de eenheid van de indicator (bv. 'plaatsen', 'cliënten', 'ton'; hoogstens 60 "
                            "tekens)"), field=f"{where}.unit")
        feed, rule = checked_feed(command.feed, command.rule, where)
        indicator = Indicator(id=uuid7(), tenant=self.plan.tenant, plan_id=self.plan.id, action_id=action.id,
                              name=name, unit=unit, feed=feed, rule=rule,
                              baseline=None if command.baseline is None else stored_decimal(command.baseline,
                                                                                            f"{where}.baseline"),
                              position=self._next("indicator"))
        self.new[Indicator].append(indicator)
        for year, value in sorted(command.targets.items()):
            self.target(indicator, year, value, f"{where}.targets.{year}", None)
        return indicator

    def target(self, indicator: Indicator, year: int, value: Decimal, where: str, existing: Target | None) -> Target:
        _not_ended(self.plan, _("een streefwaarde vastleggen"))
        problem = rules.year_problem(year, self.plan.starts_on.year, self.plan.ends_on.year)
        if problem is not None:
            raise Invalid(problem, field=where)
        if value < 0:
            raise Invalid(_("een streefwaarde is niet negatief"), field=where)
        value = stored_decimal(value, where)
        before = None
        if existing is None:
            target = Target(id=uuid7(), tenant=self.plan.tenant, indicator_id=indicator.id, year=year, value=value)
            self.new[Target].append(target)
        else:
            target, before = existing, {"year": year, "value": existing.value}
            target.value = value
        record(self.session, self.plan.tenant, self.principal.username, "target.set", "indicator", indicator.id,
               before, {"year": year, "value": value, "plan_id": self.plan.id, "indicator": indicator.name})
        return target


def stored_decimal(value: Decimal, where: str) -> Decimal:
    """The value as stored (three decimals), so that what is answered now is what is read later."""
    if not value.is_finite() or abs(value) >= Decimal("1e13"):
        raise Invalid(_("geef een eindig getal van hoogstens 13 cijfers vóór de komma"), field=where)
    return value.quantize(Decimal("0.001"))


def checked_feed(feed: str, rule: str | None, where: str) -> tuple[Feed, str | None]:
    try:
        checked = Feed(feed)
    except ValueError:
        raise Invalid(_("onbekende voeding %(feed)s: 'entered' (ingevoerd) of 'counted' (geteld)")
                      % {"feed": repr(feed)}, field=f"{where}.feed", allowed=list(Feed)) from None
    try:
        counted = rules.check_feed(checked, rule)
    except rules.IndicatorFeedError as exc:
        raise Invalid(str(exc), field=f"{where}.rule") from None
    return checked, counted.value if counted is not None else None


async def _builder(session: AsyncSession, principal: Principal, plan_id: uuid.UUID, what: str) -> Builder:
    plan = await _locked(session, principal, plan_id)
    _not_ended(plan, what)
    return Builder(session, principal, plan, await PlanRepository(session, principal.tenant).framework(plan.id))


async def add_framework(session: AsyncSession, principal: Principal, plan_id: uuid.UUID,
                        command: FrameworkIn) -> Framework:
    """A whole framework in one request, added after what is there; all of it or (on any problem) nothing."""
    builder = await _builder(session, principal, plan_id, _("het resultatenkader aanvullen"))
    top = len(builder.existing.children_of(None))
    for index, objective in enumerate(command.objectives, start=1):
        if objective.parent_id is not None:
            raise Invalid(_("in een volledig kader staan operationele doelstellingen onder hun strategische (in "
                            "'objectives'), niet met parent_id"), field=f"objectives[{index - 1}].parent_id")
        builder.objective(objective, None, top + index, f"objectives[{index - 1}]")
    await builder.save()
    return await PlanRepository(session, principal.tenant).framework(builder.plan.id)


async def add_objective(session: AsyncSession, principal: Principal, plan_id: uuid.UUID,
                        command: ObjectiveIn) -> Objective:
    builder = await _builder(session, principal, plan_id, _("een doelstelling toevoegen"))
    parent = None
    if command.parent_id is not None:
        parent = next((o for o in builder.existing.objectives if o.id == command.parent_id), None)
        if parent is None:
            raise Invalid(_("de bovenliggende doelstelling hoort niet bij dit plan"), field="parent_id")
    place = len(builder.existing.children_of(parent.id if parent else None)) + 1
    objective = builder.objective(command, parent, place, "objective")
    await builder.save()
    return objective


async def add_action(session: AsyncSession, principal: Principal, objective_id: uuid.UUID,
                     command: ActionIn) -> Action:
    objective = await PlanRepository(session, principal.tenant).objective(objective_id)
    if objective is None:
        raise NotFound(_("deze doelstelling bestaat niet"))
    builder = await _builder(session, principal, objective.plan_id, _("een actie toevoegen"))
    action = builder.action(command, objective, len(builder.existing.actions_of(objective.id)) + 1, "action")
    await builder.save()
    return action


async def add_indicator(session: AsyncSession, principal: Principal, action_id: uuid.UUID,
                        command: IndicatorIn) -> Indicator:
    action = await PlanRepository(session, principal.tenant).action(action_id)
    if action is None:
        raise NotFound(_("deze actie bestaat niet"))
    builder = await _builder(session, principal, action.plan_id, _("een indicator toevoegen"))
    indicator = builder.indicator(command, action, "indicator")
    await builder.save()
    await session.refresh(indicator)
    return indicator


async def get_indicator(session: AsyncSession, principal: Principal,
                        indicator_id: uuid.UUID) -> tuple[Indicator, list[Target]]:
    repository = PlanRepository(session, principal.tenant)
    indicator = await repository.indicator(indicator_id)
    if indicator is None:
        raise NotFound(_("deze indicator bestaat niet"))
    await get_readable(session, principal, indicator.plan_id)
    return indicator, await repository.targets_of(indicator.id)


async def _locked_indicator(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID,
                            what: str) -> tuple[Builder, Indicator]:
    repository = PlanRepository(session, principal.tenant)
    found = await repository.indicator(indicator_id)
    if found is None:
        raise NotFound(_("deze indicator bestaat niet"))
    builder = await _builder(session, principal, found.plan_id, what)
    indicator = next(i for i in builder.existing.indicators if i.id == indicator_id)
    await session.refresh(indicator)  # read afresh under the plan's lock: its version is the one to match
    return builder, indicator


async def change_indicator(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID,
                           changes: IndicatorChanges, expected: int | None) -> tuple[Indicator, list[Target]]:
    """Edits an indicator; a changed feed or counting rule is audited (the counted value is computed from the
    stored events whenever it is read, so a new rule needs no recomputation here)."""
    builder, indicator = await _locked_indicator(session, principal, indicator_id, _("een indicator wijzigen"))
    check_version(indicator.version, expected, _("de indicator"))
    before = {"name": indicator.name, "unit": indicator.unit, "baseline": indicator.baseline,
              "feed": indicator.feed.value, "rule": indicator.rule}
    if changes.name is not msgspec.UNSET:
        if not changes.name.strip():
            raise Invalid(_("de naam van een indicator is verplicht"), field="name")
        indicator.name = changes.name.strip()
    if changes.unit is not msgspec.UNSET:
        if not changes.unit.strip() or len(changes.unit.strip()) > 60:
            raise Invalid(_("geef de eenheid van de indicator (hoogstens 60 tekens)"), field="unit")
        indicator.unit = changes.unit.strip()
    if changes.baseline is not msgspec.UNSET:
        indicator.baseline = None if changes.baseline is None else stored_decimal(changes.baseline, "baseline")
    if changes.feed is not msgspec.UNSET or changes.rule is not msgspec.UNSET:
        feed = indicator.feed.value if changes.feed is msgspec.UNSET else changes.feed
        rule = indicator.rule if changes.rule is msgspec.UNSET else changes.rule
        if changes.feed is not msgspec.UNSET and changes.feed == Feed.ENTERED and changes.rule is msgspec.UNSET:
            rule = None  # back to entered: the rule goes with it
        indicator.feed, indicator.rule = checked_feed(feed, rule, "indicator")
    after = {"name": indicator.name, "unit": indicator.unit, "baseline": indicator.baseline,
             "feed": indicator.feed.value, "rule": indicator.rule}
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        action = "indicator.rule.changed" if {"feed", "rule"} & set(changed) else "indicator.changed"
        record(session, principal.tenant, principal.username, action, "indicator", indicator.id,
               {k: before[k] for k in changed}, {k: after[k] for k in changed})
    flag_modified(indicator, "name")
    await _flush_versioned(session, _("de indicator"))
    await session.refresh(indicator)
    return indicator, await builder.repository.targets_of(indicator.id)


async def set_target(session: AsyncSession, principal: Principal, indicator_id: uuid.UUID, year: int,
                     value: Decimal, expected: int | None) -> tuple[Indicator, list[Target]]:
    """Sets one year's target. If-Match names the indicator's version, which every target change raises, so two
    people setting targets of the same indicator from the same reading cannot overwrite each other."""
    repository = PlanRepository(session, principal.tenant)
    found = await repository.indicator(indicator_id)
    if found is None:
        raise NotFound(_("deze indicator bestaat niet"))
    plan = await _locked(session, principal, found.plan_id)
    _not_ended(plan, _("een streefwaarde vastleggen"))
    builder = Builder(session, principal, plan, await repository.framework(plan.id))
    indicator = next(i for i in builder.existing.indicators if i.id == indicator_id)
    await session.refresh(indicator)
    check_version(indicator.version, expected, _("de indicator"))
    existing = await repository.target(indicator.id, year)
    if existing is not None and existing.value == value:
        return indicator, await repository.targets_of(indicator.id)
    builder.target(indicator, year, value, "year", existing)
    await builder.save()
    flag_modified(indicator, "name")
    await _flush_versioned(session, _("de indicator"))
    await session.refresh(indicator)
    return indicator, await repository.targets_of(indicator.id)


# --- documents ----------------------------------------------------------------------------------------------

def _document_kind(kind: str) -> str:
    if kind not in rules.DOCUMENT_KINDS:
        raise Invalid(_("onbekende soort document %(kind)s: 'signed' (ondertekende overeenkomst) of 'annex' "
                        "(bijlage)") % {"kind": repr(kind)}, field="kind", allowed=list(rules.DOCUMENT_KINDS))
    return kind


async def upload_document(units: UnitOfWork, principal: Principal, store: ObjectStore, plan_id: uuid.UUID, *,
                          kind: str, filename: str, content_type: str,
                          chunks: AsyncIterable[bytes]) -> PlanDocument:
    """Three steps, so that a slow upload holds neither a row lock nor a database connection: a short read
    judges whether the plan takes documents; the bytes stream through the size and type checks into object
    storage with no unit of work open; a short write records the document (judged again: the plan may have
    ended meanwhile). When that record is refused, the stored object is removed."""
    _document_kind(kind)
    name = filename.strip().replace("/", "_").replace("\\", "_")[:255]
    if not name:
        raise Invalid(_("geef de bestandsnaam (filename)"), field="filename")
    async with units() as session:
        if not principal.has_any(rules.COORDINATORS):
            raise Forbidden(_("alleen een coördinator laadt documenten van een plan op"))
        plan = await get_readable(session, principal, plan_id)
        _not_ended(plan, _("een document opladen"))
    stored = await store.upload(chunks, tenant=principal.tenant, aggregate="plan", aggregate_id=str(plan_id),
                                filename=name, claimed_type=content_type, accepted=DOCUMENTS)
    async with store.removed_unless_kept(stored.key) as upload:
        async with units() as session:
            plan = await _locked(session, principal, plan_id)
            _not_ended(plan, _("een document opladen"))
            document = PlanDocument(
                id=uuid.UUID(stored.key.rsplit("/", 1)[1]), tenant=principal.tenant, plan_id=plan.id, kind=kind,
                file_name=stored.filename, content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                object_key=stored.key, uploaded_by=principal.username)
            session.add(document)
            record(session, principal.tenant, principal.username, "plan.document.added", "plan", plan.id, None,
                   {"document_id": document.id, "kind": kind, "file_name": document.file_name,
                    "sha256": document.sha256, "size": document.size})
            await session.flush()
            await session.refresh(document)
            upload.kept = True
    return document


async def documents(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> list[PlanDocument]:
    plan = await get_readable(session, principal, plan_id)
    return await PlanRepository(session, principal.tenant).documents_of(plan.id)


async def read_document(session: AsyncSession, principal: Principal, store: ObjectStore, plan_id: uuid.UUID,
                        document_id: uuid.UUID) -> tuple[PlanDocument, ObjectStream]:
    plan = await get_readable(session, principal, plan_id)
    document = await PlanRepository(session, principal.tenant).document(plan.id, document_id)
    if document is None:
        raise NotFound(_("dit document bestaat niet"))
    content = await store.stream(document.object_key, principal.tenant)
    return document, ObjectStream(size=content.size, chunks=_checked(content.chunks, document))


async def _checked(chunks: AsyncIterator[bytes], document: PlanDocument) -> AsyncIterator[bytes]:
    """The bytes as they go out, hashed on the way: a stored object that no longer matches the SHA-256 recorded at
    upload is logged as an error (the response is under way by then; its ETag still names the recorded hash,
    which the reader can check)."""
    digest = hashlib.sha256()
    async for chunk in chunks:
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != document.sha256:
        log.error("stored plan document does not match its recorded hash",
                  extra={"document_id": str(document.id), "object_key": document.object_key,
                         "recorded": document.sha256, "read": digest.hexdigest()})
