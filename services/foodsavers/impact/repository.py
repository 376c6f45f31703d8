"""Every query impact makes, each from the tenant-scoped base statement: the day totals of a period summed per
week (one aggregate query over daily_totals, never over the lines), the names and people of the parties in
them, the vans' emissions over the period's closed rounds, and the reports."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import Date, cast, func

from services.foodsavers.impact.models import DailyTotal, ImpactMethod, ImpactReport
from services.foodsavers.impact.rules import RESCUE, TotalRow
from services.foodsavers.planning.models import Round
from services.foodsavers.planning.rules import RoundStatus
from services.foodsavers.registry.models import Donor, Recipient, Vehicle
from shared.db import TenantRepository

CLOSED = RoundStatus.CLOSED.value


class ImpactRepository(TenantRepository):
    async def week_rows(self, period_from: date, period_until: date) -> list[TotalRow]:
        """The period's day totals summed per ISO week, flow, kind of round, category and party: a few
        thousand rows for a half year, read through the primary key's (tenant, day) prefix."""
        week = cast(func.date_trunc("week", DailyTotal.day), Date).label("week")
        statement = (self.select(DailyTotal, DailyTotal.flow, DailyTotal.round_kind, DailyTotal.category,
                                 DailyTotal.donor_id, DailyTotal.recipient_id, DailyTotal.municipality, week,
                                 func.sum(DailyTotal.grams))
                     .where(DailyTotal.day >= period_from, DailyTotal.day <= period_until)
                     .group_by(DailyTotal.flow, DailyTotal.round_kind, DailyTotal.category, DailyTotal.donor_id,
                               DailyTotal.recipient_id, DailyTotal.municipality, week))
        return [TotalRow(flow=r[0], round_kind=r[1], category=r[2], donor_id=str(r[3]), recipient_id=str(r[4]),
                         municipality=r[5], week=r[6], grams=int(r[7] or 0))
                for r in (await self.session.execute(statement)).all()]

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
