"""The province overview's questions, each from the tenant-scoped base statement: the agreements running in a
year, and the year's totals of the read models partners keeps of grants' and foodsavers' events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from services.partners.facts.models import FoodDelivery, GrantAward, GrantPayment
from services.partners.plans.models import Plan
from services.partners.plans.rules import PlanKind
from shared.db import TenantRepository


@dataclass(frozen=True)
class Totals:
    count: int
    cents: int


@dataclass(frozen=True)
class FoodTotals:
    deliveries: int
    grams: int
    co2_eq_grams: int
    recipients: int
    people_reached: int


class OverviewRepository(TenantRepository):
    async def agreements_running_in(self, first: date, last: date) -> list[Plan]:
        """Cooperation agreements whose period meets [first, last], in any status, earliest start first."""
        return list((await self.session.scalars(
            self.select(Plan).where(Plan.kind == PlanKind.AGREEMENT, Plan.starts_on <= last, Plan.ends_on >= first)
            .order_by(Plan.starts_on, Plan.title, Plan.id))).all())

    async def grants_awarded(self, start: datetime, end: datetime) -> Totals:
        """Projects awarded in [start, end) and their amounts."""
        count, cents = (await self.session.execute(
            self.select(GrantAward, func.count(), func.coalesce(func.sum(GrantAward.amount_cents), 0))
            .where(GrantAward.awarded_at >= start, GrantAward.awarded_at < end))).one()
        return Totals(int(count), int(cents))

    async def grants_paid(self, first: date, last: date) -> Totals:
        """Tranches paid from `first` to `last` (Brussels dates, both included) and their amounts."""
        count, cents = (await self.session.execute(
            self.select(GrantPayment, func.count(), func.coalesce(func.sum(GrantPayment.amount_cents), 0))
            .where(GrantPayment.paid_on >= first, GrantPayment.paid_on <= last))).one()
        return Totals(int(count), int(cents))

    async def food_delivered(self, start: datetime, end: datetime) -> FoodTotals:
        """Food delivered in [start, end): weight, CO2-eq avoided, and the people reached: each recipient's
        people served counted once (the most it reported in the period), not once per delivery."""
        per_recipient = (
            self.select(FoodDelivery, FoodDelivery.recipient_id.label("recipient"),
                        func.count().label("deliveries"), func.sum(FoodDelivery.grams).label("grams"),
                        func.sum(FoodDelivery.co2_eq_grams).label("co2"),
                        func.max(FoodDelivery.people_served).label("people"))
            .where(FoodDelivery.delivered_at >= start, FoodDelivery.delivered_at < end)
            .group_by(FoodDelivery.recipient_id).subquery())
        deliveries, grams, co2, recipients, people = (await self.session.execute(select(
            func.coalesce(func.sum(per_recipient.c.deliveries), 0), func.coalesce(func.sum(per_recipient.c.grams), 0),
            func.coalesce(func.sum(per_recipient.c.co2), 0), func.count(),
            func.coalesce(func.sum(per_recipient.c.people), 0)))).one()
        return FoodTotals(int(deliveries), int(grams), int(co2), int(recipients), int(people))
