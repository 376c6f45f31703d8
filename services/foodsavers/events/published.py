"""What foodsavers publishes: its public contract. Add a field: same version. Change or drop one: a new version,
published beside the old one until every consumer has moved. partners keeps delivery.completed and round.closed
for the indicators of the agreement that funds the food platform (its facts/consumed.py reads the same fields).

Subjects: foodsavers.<tenant>.pickup.logged, .delivery.completed, .round.closed."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import msgspec

from shared.events.envelope import EventData
from shared.notices.events import NoticeRaised


class CategoryGramsV1(msgspec.Struct, frozen=True, kw_only=True):
    category: str
    """registry.categories.Category, e.g. "fresh-produce"."""
    grams: int


class PickupLoggedV1(EventData, frozen=True, kw_only=True):
    """A pickup at a donor reached the server (once, however often the phone synced it)."""

    event_type: ClassVar[str] = "be.regie.foodsavers.pickup.logged.v1"

    pickup_id: str
    round_id: str
    donor_id: str
    donor_name: str
    picked_up_at: datetime
    grams: int
    """Accepted into the van, all categories."""
    refused_grams: int
    fresh_grams: int
    lines: list[CategoryGramsV1]
    van_full: bool
    left_behind_grams: int


class DeliveryCompletedV1(EventData, frozen=True, kw_only=True):
    """A delivery at a recipient, confirmed by the recipient."""

    event_type: ClassVar[str] = "be.regie.foodsavers.delivery.completed.v1"

    delivery_id: str
    round_id: str
    recipient_id: str
    recipient_name: str
    recipient_enterprise_number: str | None
    recipient_municipality: str
    """The NIS code of the municipality where the recipient is."""
    delivered_at: datetime
    grams: int
    fresh_grams: int
    co2_eq_grams: int
    """CO2-eq avoided by the tenant's current method (gross, without the van)."""
    value_cents: int
    people_served: int
    """The people the recipient serves, as foodsavers knows it at the delivery."""
    lines: list[CategoryGramsV1] = []
    round_kind: str = "rescue"
    """"rescue" (rescued surplus: counts for CO2-eq avoided) or "fead" (EU food aid carried: no CO2-eq)."""


class RoundClosedV1(EventData, frozen=True, kw_only=True):
    """A round was closed by its driver (or a coordinator), with its totals and mass balance."""

    event_type: ClassVar[str] = "be.regie.foodsavers.round.closed.v1"

    round_id: str
    day: date
    kind: str
    """"rescue" or "fead"."""
    picked_up_grams: int
    delivered_grams: int
    refused_grams: int
    left_in_van_grams: int
    deliveries: int
    balanced: bool
    """picked up = delivered + discarded + left in the van, within the tolerance."""
    km: int | None = None


class NoticeRaisedV1(NoticeRaised, frozen=True, kw_only=True):
    """A notice for people of the province (shared.notices): its texts in every language, its recipients and
    the portal page to act on; every service keeps it in its list of notices."""

    event_type: ClassVar[str] = "be.regie.foodsavers.notice.raised.v1"
