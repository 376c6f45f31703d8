"""What a plan is, independent of storage: its kinds, its lifecycle and which moves it allows, the levels of its
objectives, and how an indicator is fed (entered by people, or counted from other services' events by a named
rule). Labels are the Dutch people read."""

from __future__ import annotations

from enum import StrEnum

from shared.i18n import N_, _


class PlanKind(StrEnum):
    AGREEMENT = "agreement"
    """A cooperation agreement (samenwerkingsovereenkomst) between province, VDAB and municipalities."""
    MULTI_YEAR_PLAN = "multi-year-plan"
    """A municipality's multi-year policy plan (meerjarenplan)."""


PLAN_KINDS: dict[PlanKind, str] = {
    PlanKind.AGREEMENT: N_("samenwerkingsovereenkomst"),
    PlanKind.MULTI_YEAR_PLAN: N_("meerjarenplan"),
}


class PlanStatus(StrEnum):
    DRAFT = "draft"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    ACTIVE = "active"
    ENDED = "ended"


STATUSES: dict[PlanStatus, str] = {
    PlanStatus.DRAFT: N_("ontwerp"),
    PlanStatus.NEGOTIATING: N_("in onderhandeling"),
    PlanStatus.SIGNED: N_("ondertekend"),
    PlanStatus.ACTIVE: N_("lopend"),
    PlanStatus.ENDED: N_("beëindigd"),
}

TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.NEGOTIATING}),
    PlanStatus.NEGOTIATING: frozenset({PlanStatus.DRAFT, PlanStatus.SIGNED}),
    PlanStatus.SIGNED: frozenset({PlanStatus.ACTIVE}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.ENDED}),
    PlanStatus.ENDED: frozenset(),
}
"""The moves a plan's status may make; any other is refused with 409."""


class ObjectiveLevel(StrEnum):
    POLICY = "policy"
    """An agreement's beleidsdoelstelling."""
    STRATEGIC = "strategic"
    """A multi-year plan's strategische doelstelling."""
    OPERATIONAL = "operational"
    """A multi-year plan's operationele doelstelling, under a strategic one."""


OBJECTIVE_LEVELS: dict[ObjectiveLevel, str] = {
    ObjectiveLevel.POLICY: N_("beleidsdoelstelling"),
    ObjectiveLevel.STRATEGIC: N_("strategische doelstelling"),
    ObjectiveLevel.OPERATIONAL: N_("operationele doelstelling"),
}


class Feed(StrEnum):
    ENTERED = "entered"
    """Realisations are entered by a partner or coordinator, and approved."""
    COUNTED = "counted"
    """The value is counted from stored events by a counting rule; nobody enters it."""


class CountingRule(StrEnum):
    GRANTS_PROJECTS_AWARDED = "grants.projects-awarded"
    GRANTS_AMOUNT_AWARDED = "grants.amount-awarded"
    GRANTS_AMOUNT_PAID = "grants.amount-paid"
    FOOD_TONNES_DELIVERED = "food.tonnes-delivered"
    FOOD_ORGANISATIONS_SERVED = "food.organisations-served"
    FOOD_PEOPLE_REACHED = "food.people-reached"
    FOOD_CO2_AVOIDED = "food.co2-avoided"


COUNTING_RULES: dict[CountingRule, str] = {
    CountingRule.GRANTS_PROJECTS_AWARDED:
        N_("aantal toegekende projectsubsidies aan organisaties in de gemeenten van de overeenkomst"),
    CountingRule.GRANTS_AMOUNT_AWARDED:
        N_("toegekend subsidiebedrag (euro) aan organisaties in de gemeenten van de overeenkomst"),
    CountingRule.GRANTS_AMOUNT_PAID:
        N_("uitbetaald subsidiebedrag (euro) aan organisaties in de gemeenten van de overeenkomst"),
    CountingRule.FOOD_TONNES_DELIVERED:
        N_("ton voedsel geleverd aan voedselhulporganisaties in de gemeenten van de overeenkomst"),
    CountingRule.FOOD_ORGANISATIONS_SERVED:
        N_("aantal voedselhulporganisaties beleverd in de gemeenten van de overeenkomst"),
    CountingRule.FOOD_PEOPLE_REACHED:
        N_("aantal mensen bereikt via de beleverde voedselhulporganisaties"),
    CountingRule.FOOD_CO2_AVOIDED:
        N_("vermeden uitstoot (ton CO2-equivalent) van het geleverde voedsel"),
}
"""Each rule and what it counts, as the coordinator reads it; facts/counting.py computes them."""


# --- the rules a plan's changes are judged by ---------------------------------------------------------------

COORDINATORS = ("coordinator", "province-admin")
"""Who writes plans and their framework."""
READERS = (*COORDINATORS, "call-manager")
"""Who reads every plan of the province; a partner reads only the plans its organisation is party to."""

OPEN_TERMS = frozenset({PlanStatus.DRAFT, PlanStatus.NEGOTIATING})
"""While a plan is in these, its parties, period and municipalities may still change: once signed they are what
was signed."""

DOCUMENT_KINDS: dict[str, str] = {"signed": N_("ondertekende overeenkomst"), "annex": N_("bijlage")}
SIGNED_DOCUMENT = "signed"


class ObjectiveLevelError(ValueError):
    """An objective at a level or under a parent its plan's kind does not allow (the message is Dutch)."""


class IndicatorFeedError(ValueError):
    """An indicator whose feed and counting rule do not fit together (the message is Dutch)."""


def allowed_moves(current: PlanStatus) -> list[PlanStatus]:
    """The statuses a plan may move to from `current`, in lifecycle order (what the page offers as buttons)."""
    order = list(PlanStatus)
    return sorted(TRANSITIONS[current], key=order.index)


def transition_problem(current: PlanStatus, target: PlanStatus) -> str | None:
    """Why the move is refused, in Dutch naming the allowed ones; None when it is allowed."""
    if target in TRANSITIONS[current]:
        return None
    moves = allowed_moves(current)
    allowed = (_(" of ").join(f"'{_(STATUSES[m])}'" for m in moves) if moves
               else _("geen enkele andere status (een beëindigd plan is afgesloten)"))
    return (_("een plan dat %(current)s is kan niet naar '%(target)s'; toegelaten is: %(allowed)s")
            % {"current": _(STATUSES[current]), "target": _(STATUSES[target]), "allowed": allowed})


def check_objective_level(kind: PlanKind, level: ObjectiveLevel, parent_level: ObjectiveLevel | None) -> None:
    """An agreement has policy objectives, at the top; a multi-year plan strategic ones at the top and
    operational ones under a strategic one."""
    if kind == PlanKind.AGREEMENT:
        if level != ObjectiveLevel.POLICY:
            raise ObjectiveLevelError(
                _("een samenwerkingsovereenkomst heeft alleen beleidsdoelstellingen, geen %(level)s")
                % {"level": _(OBJECTIVE_LEVELS[level])})
        if parent_level is not None:
            raise ObjectiveLevelError(_("een beleidsdoelstelling staat niet onder een andere doelstelling"))
        return
    if level == ObjectiveLevel.POLICY:
        raise ObjectiveLevelError(_("een meerjarenplan heeft strategische en operationele doelstellingen, "
                                    "geen beleidsdoelstellingen"))
    if level == ObjectiveLevel.STRATEGIC and parent_level is not None:
        raise ObjectiveLevelError(_("een strategische doelstelling staat bovenaan, niet onder een andere "
                                    "doelstelling"))
    if level == ObjectiveLevel.OPERATIONAL and parent_level != ObjectiveLevel.STRATEGIC:
        raise ObjectiveLevelError(_("een operationele doelstelling staat onder een strategische doelstelling"))


def default_level(kind: PlanKind, has_parent: bool) -> ObjectiveLevel:
    """The level an objective gets when none is given: the only one its place allows."""
    if kind == PlanKind.AGREEMENT:
        return ObjectiveLevel.POLICY
    return ObjectiveLevel.OPERATIONAL if has_parent else ObjectiveLevel.STRATEGIC


def carries_actions(kind: PlanKind, level: ObjectiveLevel) -> bool:
    """Actions hang under an agreement's policy objectives and under a multi-year plan's operational ones."""
    return level == (ObjectiveLevel.POLICY if kind == PlanKind.AGREEMENT else ObjectiveLevel.OPERATIONAL)


def check_feed(feed: Feed, rule: str | None) -> CountingRule | None:
    """The counting rule an indicator keeps: required (and known) when it is counted, absent when entered."""
    if feed == Feed.ENTERED:
        if rule:
            raise IndicatorFeedError(_("een ingevoerde indicator heeft geen telregel; kies 'geteld' om een telregel "
                                       "te gebruiken"))
        return None
    if not rule:
        listed = ", ".join(f"{r.value} ({_(label)})" for r, label in COUNTING_RULES.items())
        raise IndicatorFeedError(_("een getelde indicator heeft een telregel nodig: %(rules)s") % {"rules": listed})
    try:
        return CountingRule(rule)
    except ValueError:
        raise IndicatorFeedError(_("onbekende telregel %(rule)s; kies uit %(rules)s")
                                 % {"rule": repr(rule), "rules": ", ".join(r.value for r in CountingRule)}) from None


def years_of(starts_on_year: int, ends_on_year: int) -> range:
    """The calendar years a plan's period touches: the years it may have targets (and realisations) for."""
    return range(starts_on_year, ends_on_year + 1)


def year_problem(year: int, starts_on_year: int, ends_on_year: int) -> str | None:
    if year in years_of(starts_on_year, ends_on_year):
        return None
    return (_("%(year)s valt buiten de looptijd van het plan (%(start)s–%(end)s); een streefwaarde hoort bij een "
              "jaar binnen de looptijd") % {"year": year, "start": starts_on_year, "end": ends_on_year})


def child_code(parent_code: str | None, position: int) -> str:
    """The code an item gets when none is given: "3" at the top, "1.2" as the second under "1"."""
    return str(position) if not parent_code else f"{parent_code}.{position}"


CONSTRAINT_REASONS: dict[str, str] = {
    "uq_targets_indicator_year": N_("voor dit jaar werd intussen al een streefwaarde vastgelegd; laad opnieuw"),
    "ck_plans_period": N_("de einddatum van een plan ligt niet vóór de begindatum"),
    "ck_indicators_feed_rule": N_("een getelde indicator heeft een telregel, een ingevoerde geen"),
}
"""The Dutch reason for each constraint of the plans' tables, for a write the database refused (app.py)."""
