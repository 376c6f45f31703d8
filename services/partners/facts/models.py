"""What partners keeps of other services' events (its read models): every grant awarded and paid (grants) and
every delivery and round (foodsavers), one row per fact, with the id of the event it came from. Counted
indicators, fact sheets and the province overview are computed from these rows, never from memory, so a changed
counting rule recomputes from the same stored events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ARRAY, BigInteger, Date, DateTime, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class GrantAward(Base):
    """grants' application.awarded: a project subsidy to an applicant and its co-applicants."""

    __tablename__ = "grant_awards"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[str] = mapped_column(String(40))
    decision_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    enterprise_numbers: Mapped[list[str]] = mapped_column(ARRAY(String(10)))
    """The applicant's first, then the co-applicants'."""
    awarded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GrantPayment(Base):
    """grants' award.tranche.paid: a tranche paid on an awarded project."""

    __tablename__ = "grant_payments"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[str] = mapped_column(String(40))
    tranche: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    enterprise_numbers: Mapped[list[str]] = mapped_column(ARRAY(String(10)))
    paid_on: Mapped[date] = mapped_column(Date)


class FoodDelivery(Base):
    """foodsavers' delivery.completed: food delivered to a food-aid organisation."""

    __tablename__ = "food_deliveries"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    delivery_id: Mapped[str] = mapped_column(String(40))
    round_id: Mapped[str] = mapped_column(String(40))
    recipient_id: Mapped[str] = mapped_column(String(40))
    recipient_name: Mapped[str] = mapped_column(String(300))
    recipient_enterprise_number: Mapped[str | None] = mapped_column(String(10))
    municipality: Mapped[str] = mapped_column(String(10))  # NIS code
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    grams: Mapped[int] = mapped_column(BigInteger)
    fresh_grams: Mapped[int] = mapped_column(BigInteger)
    co2_eq_grams: Mapped[int] = mapped_column(BigInteger)
    value_cents: Mapped[int] = mapped_column(BigInteger)
    people_served: Mapped[int] = mapped_column(Integer)
    """The people the recipient serves, as foodsavers knew it at the delivery."""


class FoodRound(Base):
    """foodsavers' round.closed: a driver's round of the day, closed."""

    __tablename__ = "food_rounds"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    round_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # "rescue" or "fead"
    picked_up_grams: Mapped[int] = mapped_column(BigInteger)
    delivered_grams: Mapped[int] = mapped_column(BigInteger)
    deliveries: Mapped[int] = mapped_column(Integer)
