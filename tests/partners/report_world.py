"""A plan's results framework in memory (model objects, no database), for the report's unit tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from services.partners.plans.models import Action, Indicator, Objective, Plan, PlanParty, Target
from services.partners.plans.rules import Feed, ObjectiveLevel, PlanKind, PlanStatus
from services.partners.realisations.models import Realisation
from services.partners.realisations.rules import RealisationStatus

TENANT = "west-vlaanderen"
GENERATED = datetime(2021, 2, 15, 9, 30, tzinfo=UTC)


@dataclass
class World:
    plan: Plan
    parties: list[PlanParty] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    realisations: list[Realisation] = field(default_factory=list)

    def objective(self, code: str, title: str, remarks: str = "", level: ObjectiveLevel = ObjectiveLevel.POLICY,
                  parent: Objective | None = None) -> Objective:
        made = Objective(id=uuid.uuid4(), tenant=TENANT, plan_id=self.plan.id, parent_id=parent.id if parent else None,
                         level=level, code=code, title=title, remarks=remarks, position=len(self.objectives))
        self.objectives.append(made)
        return made

    def action(self, objective: Objective, code: str, title: str) -> Action:
        made = Action(id=uuid.uuid4(), tenant=TENANT, plan_id=self.plan.id, objective_id=objective.id, code=code,
                      title=title, position=len(self.actions))
        self.actions.append(made)
        return made

    def indicator(self, action: Action, name: str, unit: str = "aantal", baseline: str | None = None,
                  targets: dict[int, str] | None = None, feed: Feed = Feed.ENTERED,
                  rule: str | None = None) -> Indicator:
        made = Indicator(id=uuid.uuid4(), tenant=TENANT, plan_id=self.plan.id, action_id=action.id, name=name,
                         unit=unit, baseline=None if baseline is None else Decimal(baseline), feed=feed, rule=rule,
                         position=len(self.indicators))
        self.indicators.append(made)
        for year, value in (targets or {}).items():
            self.targets.append(Target(id=uuid.uuid4(), tenant=TENANT, indicator_id=made.id, year=year,
                                       value=Decimal(value)))
        return made

    def realise(self, indicator: Indicator, year: int, value: str, narrative: str = "",
                status: RealisationStatus = RealisationStatus.APPROVED) -> Realisation:
        made = Realisation(id=uuid.uuid4(), tenant=TENANT, plan_id=self.plan.id, indicator_id=indicator.id,
                           year=year, value=Decimal(value), narrative=narrative, status=status,
                           submitted_by="partner")
        self.realisations.append(made)
        return made


def plan(title: str = "Regierol sociale economie Westhoek", kind: PlanKind = PlanKind.AGREEMENT,
         starts_on: date = date(2020, 1, 1), ends_on: date = date(2022, 12, 31)) -> World:
    made = Plan(id=uuid.uuid4(), tenant=TENANT, kind=kind, title=title, summary="", status=PlanStatus.ACTIVE,
                starts_on=starts_on, ends_on=ends_on, municipalities=["33011"], created_by="coordinator")
    world = World(plan=made)
    for position, (name, role) in enumerate((("Provincie West-Vlaanderen", "provincie"), ("VDAB", ""),
                                             ("Stad Ieper", "gemeente"))):
        world.parties.append(PlanParty(id=uuid.uuid4(), tenant=TENANT, plan_id=made.id, organisation_id=None,
                                       name=name, role=role, position=position))
    return world


@dataclass(frozen=True)
class Counted:
    value: Decimal
    sources: list[object]
