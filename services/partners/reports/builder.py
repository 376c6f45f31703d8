"""The yearly coordination report as data: the five-column layout regional coordinators already use
(Beleidsdoelstellingen | Opmerkingen | Acties | Indicatoren | Realisaties), built from a plan's results framework,
its realisations and its counted values. Pure (no I/O): the PDF, the spreadsheet, the chart and the report page
all lay out the same `Report`, so they never disagree about a number."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

from services.partners.plans.models import Action, Indicator, Objective, Plan, PlanParty, Target
from services.partners.plans.rules import OBJECTIVE_LEVELS, PLAN_KINDS, STATUSES, Feed
from services.partners.realisations.models import Realisation
from services.partners.realisations.rules import RealisationStatus
from shared.i18n import N_
from shared.municipalities import slugify
from shared.portal import formats

COLUMNS = (N_("Beleidsdoelstellingen"), N_("Opmerkingen"), N_("Acties"), N_("Indicatoren"), N_("Realisaties"))
"""The report's columns, as the coordinators' own report heads them."""

NOT_APPROVED = N_("nog niet goedgekeurd")
NOTHING_YET = N_("geen realisatie")


class Standing(StrEnum):
    """Where an indicator's realisation for the year stands."""

    APPROVED = "approved"
    """An entered value a coordinator approved: it counts."""
    PENDING = "pending"
    """Entered but not (yet) approved, or sent back: shown as such, never as a value."""
    COUNTED = "counted"
    """Counted from the stored events by the indicator's rule."""
    NONE = "none"
    """Nothing entered."""


STANDINGS: dict[Standing, str] = {
    Standing.APPROVED: N_("goedgekeurd"),
    Standing.PENDING: NOT_APPROVED,
    Standing.COUNTED: N_("geteld uit gebeurtenissen"),
    Standing.NONE: NOTHING_YET,
}


class FrameworkLike(Protocol):
    """What the report reads of a plan (plans.repository.Framework has it)."""

    plan: Plan
    parties: list[PlanParty]
    objectives: list[Objective]
    actions: list[Action]
    indicators: list[Indicator]
    targets: list[Target]


class CountedLike(Protocol):
    """A counted indicator's value and the events it came from (facts.counting.Counted has it)."""

    @property
    def value(self) -> Decimal: ...

    @property
    def sources(self) -> Sequence[object]: ...


def progress(value: Decimal | None, target: Decimal | None) -> Decimal | None:
    """value / target as a percentage to one decimal, half up; None when there is nothing to compare (no value,
    no target or a target of zero)."""
    if value is None or target is None or target == 0:
        return None
    return (value * 100 / target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Point:
    """One year of an indicator: its target and its realised value (approved or counted), either may be None."""

    year: int
    target: Decimal | None
    value: Decimal | None

    @property
    def progress(self) -> Decimal | None:
        return progress(self.value, self.target)


@dataclass(frozen=True)
class IndicatorLine:
    id: uuid.UUID
    name: str
    unit: str
    baseline: Decimal | None
    target: Decimal | None
    feed: Feed
    standing: Standing
    value: Decimal | None
    """The approved or counted value; None when pending or nothing was entered."""
    narrative: str
    sources: int = 0
    """How many stored events a counted value came from."""
    history: tuple[Point, ...] = ()
    """Every year of the plan's period, for the chart."""

    @property
    def progress(self) -> Decimal | None:
        return progress(self.value, self.target)

    @property
    def label(self) -> str:
        """The Indicatoren cell: name, unit, baseline and this year's target."""
        parts = [f"{self.name} ({self.unit})" if self.unit else self.name]
        if self.baseline is not None:
            parts.append(f"basiswaarde {formats.decimal(self.baseline)}")
        parts.append(f"doel {formats.decimal(self.target)}" if self.target is not None else "geen doel")
        return "; ".join(parts)

    @property
    def realisation(self) -> str:
        """The Realisaties cell: the value with its progress and narrative, or why there is none."""
        if self.standing in (Standing.PENDING, Standing.NONE):
            return STANDINGS[self.standing]
        assert self.value is not None
        text = f"{formats.decimal(self.value)} {self.unit}".rstrip()
        shown = self.progress
        if shown is not None:
            text += f" ({formats.decimal(shown)} % van het doel)"
        if self.standing == Standing.COUNTED:
            text += f"; geteld uit {self.sources} gebeurtenis{'sen' if self.sources != 1 else ''}"
        if self.narrative:
            text += f"\n{self.narrative}"
        return text


@dataclass(frozen=True)
class ActionBlock:
    code: str
    title: str
    indicators: tuple[IndicatorLine, ...]

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}".strip()


@dataclass(frozen=True)
class ObjectiveBlock:
    code: str
    title: str
    level: str
    """Its Dutch level: beleidsdoelstelling, strategische or operationele doelstelling."""
    remarks: str
    actions: tuple[ActionBlock, ...]
    parent: str = ""
    """For an operational objective of a multi-year plan: the strategic objective above it (code and title)."""

    @property
    def label(self) -> str:
        own = f"{self.code} {self.title}".strip()
        return f"{self.parent}\n› {own}" if self.parent else own


@dataclass(frozen=True)
class Row:
    """One line of the five-column table: the objective and its remarks on its first line only, the action on
    its first line only, as the coordinators' report reads."""

    objective: str
    remarks: str
    action: str
    indicator: str
    realisation: str
    line: IndicatorLine | None = None

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.objective, self.remarks, self.action, self.indicator, self.realisation)


@dataclass(frozen=True)
class Report:
    plan_id: uuid.UUID
    title: str
    kind: str
    status: str
    parties: tuple[str, ...]
    starts_on: date
    ends_on: date
    year: int
    generated_at: datetime
    objectives: tuple[ObjectiveBlock, ...]
    years: tuple[int, ...] = field(default=())

    @property
    def indicators(self) -> Iterator[IndicatorLine]:
        for objective in self.objectives:
            for action in objective.actions:
                yield from action.indicators

    def rows(self) -> Iterator[Row]:
        for objective in self.objectives:
            first_of_objective = True
            if not objective.actions:
                yield Row(objective.label, objective.remarks, "", "", "")
                continue
            for action in objective.actions:
                lines: Sequence[IndicatorLine | None] = action.indicators or (None,)
                for position, line in enumerate(lines):
                    yield Row(
                        objective=objective.label if first_of_objective else "",
                        remarks=objective.remarks if first_of_objective else "",
                        action=action.label if position == 0 else "",
                        indicator=line.label if line else "",
                        realisation=line.realisation if line else "",
                        line=line)
                    first_of_objective = False

    @property
    def period(self) -> str:
        return f"{formats.day(self.starts_on)} – {formats.day(self.ends_on)}"

    @property
    def file_stem(self) -> str:
        """A download's name: 'rapport-2020-regierol-sociale-economie-westhoek' (the title cut at 60 characters;
        ASCII only, so every browser and mail client keeps it)."""
        return f"rapport-{self.year}-{slugify(self.title)[:60].strip('-') or 'plan'}"


def plan_years(plan: Plan) -> tuple[int, ...]:
    return tuple(range(plan.starts_on.year, plan.ends_on.year + 1))


def build(framework: FrameworkLike, realisations: Sequence[Realisation],
          counted: Mapping[int, Mapping[uuid.UUID, CountedLike]], year: int, generated_at: datetime) -> Report:
    """The report of `framework`'s plan for `year`. `realisations` may span several years (the chart's history);
    `counted` holds the counted indicators' values per year (at least for `year`)."""
    plan = framework.plan
    years = plan_years(plan)
    targets = {(t.indicator_id, t.year): t.value for t in framework.targets}
    entered = {(r.indicator_id, r.year): r for r in realisations}

    def point(indicator: Indicator, at: int) -> Point:
        return Point(at, targets.get((indicator.id, at)), realised(indicator, at)[1])

    def realised(indicator: Indicator, at: int) -> tuple[Standing, Decimal | None, str, int]:
        if indicator.feed == Feed.COUNTED:
            found = counted.get(at, {}).get(indicator.id)
            if found is None:
                return Standing.COUNTED, Decimal(0), "", 0
            return Standing.COUNTED, found.value, "", len(found.sources)
        realisation = entered.get((indicator.id, at))
        if realisation is None:
            return Standing.NONE, None, "", 0
        if realisation.status != RealisationStatus.APPROVED:
            return Standing.PENDING, None, "", 0
        return Standing.APPROVED, realisation.value, realisation.narrative, 0

    def indicator_line(indicator: Indicator) -> IndicatorLine:
        standing, value, narrative, sources = realised(indicator, year)
        return IndicatorLine(
            id=indicator.id, name=indicator.name, unit=indicator.unit, baseline=indicator.baseline,
            target=targets.get((indicator.id, year)), feed=indicator.feed, standing=standing, value=value,
            narrative=narrative, sources=sources, history=tuple(point(indicator, at) for at in years))

    indicators_of: dict[uuid.UUID, list[Indicator]] = {}
    for indicator in framework.indicators:
        indicators_of.setdefault(indicator.action_id, []).append(indicator)
    actions_of: dict[uuid.UUID, list[Action]] = {}
    for action in framework.actions:
        actions_of.setdefault(action.objective_id, []).append(action)

    def block(objective: Objective, parent: Objective | None) -> ObjectiveBlock:
        return ObjectiveBlock(
            code=objective.code, title=objective.title, level=OBJECTIVE_LEVELS[objective.level],
            remarks=objective.remarks,
            parent=f"{parent.code} {parent.title}".strip() if parent else "",
            actions=tuple(ActionBlock(a.code, a.title, tuple(indicator_line(i) for i in indicators_of.get(a.id, [])))
                          for a in actions_of.get(objective.id, [])))

    blocks: list[ObjectiveBlock] = []
    by_parent: dict[uuid.UUID | None, list[Objective]] = {}
    for objective in framework.objectives:
        by_parent.setdefault(objective.parent_id, []).append(objective)
    known = {o.id for o in framework.objectives}
    roots = [o for o in framework.objectives if o.parent_id is None or o.parent_id not in known]
    for root in roots:
        children = by_parent.get(root.id, [])
        # A strategic objective with operational ones under it shows through them (each names it), unless
        # actions hang on it directly.
        if not children or actions_of.get(root.id):
            blocks.append(block(root, None))
        blocks.extend(block(child, root) for child in children)

    return Report(
        plan_id=plan.id, title=plan.title, kind=PLAN_KINDS[plan.kind], status=STATUSES[plan.status],
        parties=tuple(p.name + (f" ({p.role})" if p.role else "") for p in framework.parties),
        starts_on=plan.starts_on, ends_on=plan.ends_on, year=year, generated_at=generated_at,
        objectives=tuple(blocks), years=years)
