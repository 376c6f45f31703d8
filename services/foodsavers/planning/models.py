"""Planning: a round series (a recurring round: weekdays, a driver and a vehicle, its stops in order) and the
concrete rounds it generates weeks ahead, each with its own ordered stops. A round changed or cancelled by hand
is marked `edited`, and a later change of its series leaves it as it is; a round without a series is planned
once (e.g. an extra FEAD transport)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ARRAY, Boolean, Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text, Time, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class Stop:
    """What a stop is, in a series or in one round: its place in the order, at a donor or a recipient, and the
    window the driver should arrive in."""

    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    """"pickup" (at a donor) or "delivery" (at a recipient)."""
    donor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("donors.id"))
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("recipients.id"))
    window_from: Mapped[time | None] = mapped_column(Time)
    window_until: Mapped[time | None] = mapped_column(Time)


class RoundSeries(Base):
    __tablename__ = "round_series"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    """planning.rules.RoundKind: "rescue" (surplus from donors to food-aid organisations) or "fead"."""
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    """ISO weekdays, 1 = Monday."""
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"))
    generated_until: Mapped[date | None] = mapped_column(Date)
    """The last day for which its rounds exist."""
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class SeriesStop(Stop, Base):
    __tablename__ = "series_stops"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("round_series.id", ondelete="CASCADE"))


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    series_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("round_series.id"))
    day: Mapped[date] = mapped_column(Date)
    """The Brussels day it is driven."""
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), server_default="planned")
    """planning.rules.RoundStatus: planned → under-way → closed; or cancelled."""
    start_time: Mapped[time] = mapped_column(Time)
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"))
    edited: Mapped[bool] = mapped_column(Boolean, server_default="false")
    """Changed or cancelled by hand: its series' later changes leave it alone."""
    note: Mapped[str] = mapped_column(Text, server_default="")
    km: Mapped[int | None] = mapped_column(Integer)
    """Distance driven, entered at closing: what a method net of the van's emissions uses."""
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str] = mapped_column(String(200), server_default="")
    totals: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """At closing: picked up, delivered, refused, left in the van, per category (grams)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class RoundStop(Stop, Base):
    __tablename__ = "round_stops"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
