"""What a plan is, independent of storage: its kinds, its lifecycle and which moves it allows, the levels of its
objectives, and how an indicator is fed (entered by people, or counted from other services' events by a named
rule). Labels are the Dutch people read."""

from __future__ import annotations

from enum import StrEnum


class PlanKind(StrEnum):
    AGREEMENT = "agreement"
    """A cooperation agreement (samenwerkingsovereenkomst) between province, VDAB and municipalities."""
    MULTI_YEAR_PLAN = "multi-year-plan"
    """A municipality's multi-year policy plan (meerjarenplan)."""


PLAN_KINDS: dict[PlanKind, str] = {
    PlanKind.AGREEMENT: "samenwerkingsovereenkomst",
    PlanKind.MULTI_YEAR_PLAN: "meerjarenplan",
}


class PlanStatus(StrEnum):
    DRAFT = "draft"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    ACTIVE = "active"
    ENDED = "ended"


STATUSES: dict[PlanStatus, str] = {
    PlanStatus.DRAFT: "ontwerp",
    PlanStatus.NEGOTIATING: "in onderhandeling",
    PlanStatus.SIGNED: "ondertekend",
    PlanStatus.ACTIVE: "lopend",
    PlanStatus.ENDED: "beëindigd",
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
    ObjectiveLevel.POLICY: "beleidsdoelstelling",
    ObjectiveLevel.STRATEGIC: "strategische doelstelling",
    ObjectiveLevel.OPERATIONAL: "operationele doelstelling",
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
        "aantal toegekende projectsubsidies aan organisaties in de gemeenten van de overeenkomst",
    CountingRule.GRANTS_AMOUNT_AWARDED:
        "toegekend subsidiebedrag (euro) aan organisaties in de gemeenten van de overeenkomst",
    CountingRule.GRANTS_AMOUNT_PAID:
        "uitbetaald subsidiebedrag (euro) aan organisaties in de gemeenten van de overeenkomst",
    CountingRule.FOOD_TONNES_DELIVERED:
        "ton voedsel geleverd aan voedselhulporganisaties in de gemeenten van de overeenkomst",
    CountingRule.FOOD_ORGANISATIONS_SERVED:
        "aantal voedselhulporganisaties beleverd in de gemeenten van de overeenkomst",
    CountingRule.FOOD_PEOPLE_REACHED:
        "aantal mensen bereikt via de beleverde voedselhulporganisaties",
    CountingRule.FOOD_CO2_AVOIDED:
        "vermeden uitstoot (ton CO2-equivalent) van het geleverde voedsel",
}
"""Each rule and what it counts, as the coordinator reads it; facts/counting.py computes them."""
