"""Every query on the read models of other services' events, each from the tenant-scoped base statement, and
the inserts the event handlers make (idempotent on the event id, behind the inbox)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists
from sqlalchemy.dialects.postgresql import insert

from services.partners.facts.models import FoodDelivery, FoodRound, GrantAward, GrantPayment
from services.partners.organisations.models import Organisation
from shared.db import TenantRepository


class FactRepository(TenantRepository):
    async def keep(self, model: type[GrantAward | GrantPayment | FoodDelivery | FoodRound],
                   facts: Sequence[dict[str, Any]]) -> None:
        """Stores facts (one INSERT for all); an event seen before (same event id) changes nothing. The inbox
        already makes an event apply once per consumer; this keeps a replayed stream from failing on the primary
        key."""
        if facts:
            await self.session.execute(insert(model).on_conflict_do_nothing(index_elements=["event_id"]),
                                       [{"tenant": self.tenant, **fact} for fact in facts])

    def _based_in(self, municipalities: Collection[str], numbers: Any) -> Any:
        """True when one of `numbers` (an enterprise-number array column) is an organisation of this tenant
        based in one of the municipalities."""
        return exists(
            self.select(Organisation, Organisation.id).where(
                Organisation.municipality.in_(list(municipalities)),
                Organisation.enterprise_number == numbers.any_()))

    async def awards_to_organisations_in(self, municipalities: Collection[str], start: datetime,
                                         end: datetime) -> list[GrantAward]:
        """Grants awarded in [start, end) where an applicant or co-applicant is based in the municipalities."""
        if not municipalities:
            return []
        return list((await self.session.scalars(
            self.select(GrantAward)
            .where(GrantAward.awarded_at >= start, GrantAward.awarded_at < end,
                   self._based_in(municipalities, GrantAward.enterprise_numbers))
            .order_by(GrantAward.awarded_at, GrantAward.event_id))).all())

    async def payments_to_organisations_in(self, municipalities: Collection[str], first: date,
                                           last: date) -> list[GrantPayment]:
        """Tranches paid from `first` to `last` (both included) on projects with an organisation based in the
        municipalities."""
        if not municipalities:
            return []
        return list((await self.session.scalars(
            self.select(GrantPayment)
            .where(GrantPayment.paid_on >= first, GrantPayment.paid_on <= last,
                   self._based_in(municipalities, GrantPayment.enterprise_numbers))
            .order_by(GrantPayment.paid_on, GrantPayment.event_id))).all())

    async def deliveries_in(self, municipalities: Collection[str], start: datetime,
                            end: datetime) -> list[FoodDelivery]:
        """Food delivered in [start, end) to recipients in the municipalities."""
        if not municipalities:
            return []
        return list((await self.session.scalars(
            self.select(FoodDelivery)
            .where(FoodDelivery.municipality.in_(list(municipalities)),
                   FoodDelivery.delivered_at >= start, FoodDelivery.delivered_at < end)
            .order_by(FoodDelivery.delivered_at, FoodDelivery.event_id))).all())

    async def awards_of(self, enterprise_number: str) -> list[GrantAward]:
        """The grants awarded with the organisation as applicant or co-applicant, oldest first."""
        return list((await self.session.scalars(
            self.select(GrantAward).where(GrantAward.enterprise_numbers.contains([enterprise_number]))
            .order_by(GrantAward.awarded_at, GrantAward.event_id))).all())

    async def rounds_between(self, first: date, last: date) -> list[FoodRound]:
        return list((await self.session.scalars(
            self.select(FoodRound).where(FoodRound.day >= first, FoodRound.day <= last)
            .order_by(FoodRound.day, FoodRound.event_id))).all())
