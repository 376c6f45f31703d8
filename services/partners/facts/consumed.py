"""partners' own copy of the fields it reads from other services' events (contracts are copied, not shared: a
producer may add fields without partners noticing; a missing or mistyped field dead-letters the event).

foodsavers' two events are defined here first: the README's "Consumes" section is the contract foodsavers
publishes exactly."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

APPLICATION_AWARDED_V1 = "be.regie.grants.application.awarded.v1"
TRANCHE_PAID_V1 = "be.regie.grants.award.tranche.paid.v1"
DELIVERY_COMPLETED_V1 = "be.regie.foodsavers.delivery.completed.v1"
ROUND_CLOSED_V1 = "be.regie.foodsavers.round.closed.v1"


class ApplicationAwarded(msgspec.Struct, frozen=True):
    application_id: str
    call_id: str
    decision_id: str
    title: str
    amount_cents: int
    applicant_enterprise_number: str
    co_applicant_enterprise_numbers: list[str]


class TranchePaid(msgspec.Struct, frozen=True):
    application_id: str
    tranche: int
    """The tranche's number in the payment plan (1 = the first)."""
    amount_cents: int
    paid_on: date
    """The Brussels date of the payment."""
    applicant_enterprise_number: str
    co_applicant_enterprise_numbers: list[str]


class DeliveryCompleted(msgspec.Struct, frozen=True):
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
    value_cents: int
    people_served: int
    """The people the recipient serves, as foodsavers knows it at the delivery."""


class RoundClosed(msgspec.Struct, frozen=True):
    round_id: str
    day: date
    kind: str
    """"rescue" or "fead"."""
    picked_up_grams: int
    delivered_grams: int
    deliveries: int
