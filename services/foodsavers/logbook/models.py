"""The logbook a driver's phone fills: pickups at donors and deliveries at recipients, each with its lines per
category. Every id here is made by the phone (UUID), so a sync that is retried, doubled or cut off halfway stores
each pickup, delivery and line once. Lines carry their round, donor or recipient and time, so totals, recall and
mass balance read them without joins."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ARRAY, BigInteger, Boolean, Date, DateTime, ForeignKey, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class Pickup(Base):
    __tablename__ = "pickups"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id"))
    stop_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("round_stops.id"))
    donor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("donors.id"))
    picked_up_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    van_full: Mapped[bool] = mapped_column(Boolean, server_default="false")
    """The van was full: food was left behind at the donor."""
    left_behind_grams: Mapped[int] = mapped_column(BigInteger, server_default="0")
    note: Mapped[str] = mapped_column(Text, server_default="")
    photo_key: Mapped[str | None] = mapped_column(String(300))
    """Object key of the optional photo: <tenant>/pickups/<pickup id>/<file id>."""
    driver_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drivers.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PickupLine(Base):
    __tablename__ = "pickup_lines"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    pickup_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pickups.id", ondelete="CASCADE"))
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id"))
    donor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("donors.id"))
    picked_up_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    category: Mapped[str] = mapped_column(String(30))
    """registry.categories.Category"""
    grams: Mapped[int] = mapped_column(BigInteger)
    """Accepted into the van."""
    refused_grams: Mapped[int] = mapped_column(BigInteger, server_default="0")
    """Refused at the donor (or blocked by a food-safety rule), with its reason."""
    refused_reason: Mapped[str] = mapped_column(String(300), server_default="")
    date_kind: Mapped[str] = mapped_column(String(20), server_default="none")
    """"use-by" (te gebruiken tot), "best-before" (ten minste houdbaar tot) or "none"."""
    best_date: Mapped[date | None] = mapped_column(Date)
    celsius: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    """Measured temperature of a chilled or frozen line."""
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(30)), server_default="{}")
    """Food-safety outcomes kept on the line (e.g. "temperature"), also in the register."""
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id"))
    stop_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("round_stops.id"))
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recipients.id"))
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str] = mapped_column(String(200), server_default="")
    """The name of the person at the recipient who confirmed (for FEAD: who signed the transfer form)."""
    note: Mapped[str] = mapped_column(Text, server_default="")
    driver_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drivers.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeliveryLine(Base):
    __tablename__ = "delivery_lines"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id"))
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recipients.id"))
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    category: Mapped[str] = mapped_column(String(30))
    grams: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
