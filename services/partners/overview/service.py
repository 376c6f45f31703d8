"""The province overview of one year, for staff: the cooperation agreements running that year with each
indicator against the year's target (through the report builder, so the overview and the report never disagree),
the grants awarded and paid, and the food rescued, the CO2-eq it avoided and the people it reached. All of it
from partners' own tables and read models, never by asking another service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.facts import counting
from services.partners.overview.repository import FoodTotals, OverviewRepository, Totals
from services.partners.plans.models import Plan
from services.partners.plans.repository import PlanRepository
from services.partners.plans.rules import STATUSES
from services.partners.realisations.repository import RealisationRepository
from services.partners.reports.builder import IndicatorLine, build


@dataclass(frozen=True)
class AgreementLine:
    plan: Plan
    status: str
    indicators: tuple[IndicatorLine, ...]
    """Every indicator with its target, value and progress for the year."""

    @property
    def on_track(self) -> int:
        """How many of its indicators with a target reached it."""
        return sum(1 for i in self.indicators if i.progress is not None and i.progress >= 100)

    @property
    def with_target(self) -> int:
        return sum(1 for i in self.indicators if i.target is not None)


@dataclass(frozen=True)
class Overview:
    year: int
    agreements: tuple[AgreementLine, ...]
    awarded: Totals
    paid: Totals
    food: FoodTotals


async def overview(session: AsyncSession, tenant: str, year: int) -> Overview:
    repository = OverviewRepository(session, tenant)
    plans = PlanRepository(session, tenant)
    realisations = RealisationRepository(session, tenant)
    first, last = date(year, 1, 1), date(year, 12, 31)
    start, end = counting.year_bounds(year)
    now = datetime.now(UTC)
    lines = []
    # One framework per agreement: a province runs tens of them, not thousands.
    for plan in await repository.agreements_running_in(first, last):
        framework = await plans.framework(plan.id)
        counted = await counting.counted(session, tenant, plan, framework.indicators, year)
        report = build(framework, await realisations.of_plan(plan.id, year), {year: counted}, year, now)
        lines.append(AgreementLine(plan=plan, status=STATUSES[plan.status], indicators=tuple(report.indicators)))
    return Overview(year=year, agreements=tuple(lines), awarded=await repository.grants_awarded(start, end),
                    paid=await repository.grants_paid(first, last), food=await repository.food_delivered(start, end))
