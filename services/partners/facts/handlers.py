"""One function per consumed event: the fact it makes, stored in the consumer's transaction (the inbox makes it
happen once per event), the events of one fetch in one INSERT. Counting, fact sheets and the overview read these
rows; nothing is kept in memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.facts.consumed import (
    APPLICATION_AWARDED_V1,
    DELIVERY_COMPLETED_V1,
    ROUND_CLOSED_V1,
    TRANCHE_PAID_V1,
    ApplicationAwarded,
    DeliveryCompleted,
    RoundClosed,
    TranchePaid,
)
from services.partners.facts.models import FoodDelivery, FoodRound, GrantAward, GrantPayment
from services.partners.facts.repository import FactRepository
from shared.events.consumer import BatchHandler, Subscription
from shared.events.envelope import Envelope, InvalidEvent, data_as


def _event_id(envelope: Envelope) -> uuid.UUID:
    try:
        return uuid.UUID(envelope.id)
    except ValueError as exc:
        raise InvalidEvent(f"event id {envelope.id!r} is not a UUID") from exc


def application_awarded(envelope: Envelope) -> dict[str, Any]:
    data = data_as(envelope, ApplicationAwarded)
    return {"event_id": _event_id(envelope), "application_id": data.application_id, "call_id": data.call_id,
            "decision_id": data.decision_id, "title": data.title[:500], "amount_cents": data.amount_cents,
            "enterprise_numbers": [data.applicant_enterprise_number, *data.co_applicant_enterprise_numbers],
            "awarded_at": envelope.time}


def tranche_paid(envelope: Envelope) -> dict[str, Any]:
    data = data_as(envelope, TranchePaid)
    return {"event_id": _event_id(envelope), "application_id": data.application_id, "tranche": data.tranche,
            "amount_cents": data.amount_cents, "paid_on": data.paid_on,
            "enterprise_numbers": [data.applicant_enterprise_number, *data.co_applicant_enterprise_numbers]}


def delivery_completed(envelope: Envelope) -> dict[str, Any]:
    data = data_as(envelope, DeliveryCompleted)
    return {"event_id": _event_id(envelope), "delivery_id": data.delivery_id, "round_id": data.round_id,
            "recipient_id": data.recipient_id, "recipient_name": data.recipient_name[:300],
            "recipient_enterprise_number": data.recipient_enterprise_number,
            "municipality": data.recipient_municipality, "delivered_at": data.delivered_at, "grams": data.grams,
            "fresh_grams": data.fresh_grams, "co2_eq_grams": data.co2_eq_grams, "value_cents": data.value_cents,
            "people_served": data.people_served}


def round_closed(envelope: Envelope) -> dict[str, Any]:
    data = data_as(envelope, RoundClosed)
    return {"event_id": _event_id(envelope), "round_id": data.round_id, "day": data.day, "kind": data.kind,
            "picked_up_grams": data.picked_up_grams, "delivered_grams": data.delivered_grams,
            "deliveries": data.deliveries}


def facts(model: type[GrantAward | GrantPayment | FoodDelivery | FoodRound],
          fact: Callable[[Envelope], dict[str, Any]]) -> BatchHandler:
    """The handler of one kind of fact: the events a fetch brought, stored in one INSERT."""
    async def keep(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        await FactRepository(session, envelopes[0].tenant).keep(model, [fact(envelope) for envelope in envelopes])

    return keep


GRANT_AWARDS = Subscription(
    durable="partners-grants-awards",
    producer="grants",
    subject="grants.*.application.awarded",
    batch_handlers={APPLICATION_AWARDED_V1: facts(GrantAward, application_awarded)},
)
GRANT_PAYMENTS = Subscription(
    durable="partners-grants-payments",
    producer="grants",
    subject="grants.*.award.tranche.paid",
    batch_handlers={TRANCHE_PAID_V1: facts(GrantPayment, tranche_paid)},
)
FOOD_DELIVERIES = Subscription(
    durable="partners-foodsavers-deliveries",
    producer="foodsavers",
    subject="foodsavers.*.delivery.completed",
    batch_handlers={DELIVERY_COMPLETED_V1: facts(FoodDelivery, delivery_completed)},
)
FOOD_ROUNDS = Subscription(
    durable="partners-foodsavers-rounds",
    producer="foodsavers",
    subject="foodsavers.*.round.closed",
    batch_handlers={ROUND_CLOSED_V1: facts(FoodRound, round_closed)},
)

SUBSCRIPTIONS: list[Subscription] = [GRANT_AWARDS, GRANT_PAYMENTS, FOOD_DELIVERIES, FOOD_ROUNDS]
