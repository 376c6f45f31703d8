"""Every query impact makes, each from the tenant-scoped base statement or naming the tenant: the totals of a
period summed by only the dimensions asked (whole months from the monthly rollup, the edge days from the day
totals, the weeks from the category and recipient days; never the lines), the names and people of the parties in
them, the vans' emissions over the period's closed rounds, and the reports."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date

from sqlalchemy import func, text

from services.foodsavers.impact import rules
from services.foodsavers.impact.models import ImpactMethod, ImpactReport
from services.foodsavers.impact.rules import RESCUE, Dimension, Grouped, TotalRow
from services.foodsavers.planning.models import Round
from services.foodsavers.planning.rules import RoundStatus
from services.foodsavers.registry.models import Donor, Recipient, Vehicle
from shared.db import TenantRepository

CLOSED = RoundStatus.CLOSED.value

EMPTY = (date(1, 1, 2), date(1, 1, 1))
"""A range of days nothing falls in (from after until)."""
PERIOD_TOTALS = """
    SELECT flow, round_kind, category, recipient_id, {donor}, {municipality}, sum(grams)
      FROM (SELECT flow, round_kind, category, donor_id, recipient_id, municipality, grams
              FROM monthly_totals
             WHERE tenant = :tenant AND month BETWEEN :month_from AND :month_until
            UNION ALL
            SELECT flow, round_kind, category, donor_id, recipient_id, municipality, grams
              FROM daily_totals
             WHERE tenant = :tenant AND day BETWEEN :a_from AND :a_until
            UNION ALL
            SELECT flow, round_kind, category, donor_id, recipient_id, municipality, grams
              FROM daily_totals
             WHERE tenant = :tenant AND day BETWEEN :b_from AND :b_until) AS t
     GROUP BY GROUPING SETS ({sets})"""
"""The whole months and the edge days of a period, summed per grouping set: per flow, kind, category and
recipient, and as asked with the donor or the municipality (NULL where the set does not hold it)."""
WEEKS = text("""
    SELECT day - CAST(extract(isodow FROM day) AS int) + 1, flow, round_kind, category, sum(grams)
      FROM category_days
     WHERE tenant = :tenant AND day BETWEEN :from AND :until
     GROUP BY 1, 2, 3, 4""")
"""The Monday of each day's ISO week by date arithmetic (date_trunc would go through a timestamp with time zone)."""
REACHED_PER_WEEK = text("""
    SELECT day - CAST(extract(isodow FROM day) AS int) + 1, recipient_id
      FROM recipient_days
     WHERE tenant = :tenant AND day BETWEEN :from AND :until AND round_kind = 'rescue'
     GROUP BY 1, 2
    HAVING sum(grams) > 0""")


class ImpactRepository(TenantRepository):
    async def grouped(self, period_from: date, period_until: date, dimensions: Collection[Dimension]) -> Grouped:
        """The period's totals summed in SQL by only the dimensions asked: whole months from monthly_totals and
        the edge days from daily_totals in one aggregate (GROUPING SETS: per flow, kind, category and recipient,
        and as asked also per donor or municipality), the weeks from category_days and recipient_days. A few
        hundred rows each, whatever the number of lines."""
        months, edges = rules.months_and_edges(period_from, period_until)
        edges += [EMPTY] * (2 - len(edges))
        sets = ["(flow, round_kind, category, recipient_id)"]
        donor, municipality = "CAST(NULL AS uuid)", "CAST(NULL AS text)"
        if Dimension.DONOR in dimensions:
            sets.append("(flow, round_kind, category, recipient_id, donor_id)")
            donor = "donor_id"
        if Dimension.MUNICIPALITY in dimensions:
            sets.append("(flow, round_kind, category, recipient_id, municipality)")
            municipality = "municipality"
        params = {"tenant": self.tenant, "month_from": (months or EMPTY)[0],
                  "month_until": (months or EMPTY)[1],
                  "a_from": edges[0][0], "a_until": edges[0][1], "b_from": edges[1][0], "b_until": edges[1][1]}
        found = await self.session.execute(text(PERIOD_TOTALS.format(
            sets=", ".join(sets), donor=donor, municipality=municipality)), params)
        parties: list[TotalRow] = []
        donors: list[TotalRow] = []
        municipalities: list[TotalRow] = []
        for flow, kind, category, recipient, donor_id, place, grams in found.all():
            kept = donors if donor_id is not None else municipalities if place is not None else parties
            kept.append(TotalRow(flow=flow, round_kind=kind, category=category, donor_id=str(donor_id or ""),
                                 recipient_id=str(recipient), municipality=place or "", week=period_from,
                                 grams=int(grams)))
        weeks: list[TotalRow] = []
        reached: dict[str, set[str]] = defaultdict(set)
        if Dimension.WEEK in dimensions:
            days = {"tenant": self.tenant, "from": period_from, "until": period_until}
            weeks = [TotalRow(flow=flow, round_kind=kind, category=category, donor_id="", recipient_id="",
                              municipality="", week=week, grams=int(grams))
                     for week, flow, kind, category, grams in (await self.session.execute(WEEKS, days)).all()]
            for week, recipient in (await self.session.execute(REACHED_PER_WEEK, days)).all():
                reached[week.isoformat()].add(str(recipient))
        return Grouped(parties=parties, donors=donors, municipalities=municipalities, weeks=weeks,
                       reached=reached)

    async def recipients(self, ids: Collection[str]) -> dict[str, tuple[str, int]]:
        """Name and people served of each recipient, now."""
        wanted = [uuid.UUID(i) for i in ids]
        if not wanted:
            return {}
        rows = await self.session.execute(self.select(Recipient, Recipient.id, Recipient.name,
                                                      Recipient.people_served).where(Recipient.id.in_(wanted)))
        return {str(r[0]): (r[1], int(r[2])) for r in rows.all()}

    async def donors(self, ids: Collection[str]) -> dict[str, str]:
        wanted = [uuid.UUID(i) for i in ids]
        if not wanted:
            return {}
        rows = await self.session.execute(self.select(Donor, Donor.id, Donor.name).where(Donor.id.in_(wanted)))
        return {str(r[0]): r[1] for r in rows.all()}

    async def van_emissions(self, period_from: date, period_until: date) -> int:
        """Σ km × the vehicle's grams CO2-eq per km over the period's closed rescue rounds."""
        total = await self.session.scalar(
            self.select(Round, func.coalesce(func.sum(Round.km * Vehicle.emission_grams_per_km), 0))
            .join(Vehicle, Vehicle.id == Round.vehicle_id)
            .where(Round.day >= period_from, Round.day <= period_until, Round.status == CLOSED,
                   Round.kind == RESCUE, Round.km.is_not(None)))
        return int(total or 0)

    async def report(self, report_id: uuid.UUID, *, lock: bool = False) -> ImpactReport | None:
        statement = self.select(ImpactReport).where(ImpactReport.id == report_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.session.scalar(statement)

    async def reports(self, limit: int = 100) -> list[ImpactReport]:
        return list((await self.session.scalars(
            self.select(ImpactReport).order_by(ImpactReport.period_from.desc(), ImpactReport.created_at.desc())
            .limit(limit))).all())

    async def method(self, method_id: uuid.UUID) -> ImpactMethod | None:
        return await self.session.scalar(self.select(ImpactMethod).where(ImpactMethod.id == method_id))

    async def methods_by_id(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ImpactMethod]:
        if not ids:
            return {}
        found = await self.session.scalars(self.select(ImpactMethod).where(ImpactMethod.id.in_(list(ids))))
        return {m.id: m for m in found}
