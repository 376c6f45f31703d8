"""Impact: the named, versioned methods whose factors are data; the totals kept per day as lines arrive
(pre-aggregated, never summed from lines per request); and the reports, frozen once published."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class ImpactMethod(Base):
    """One version of a named method (e.g. "vlak-2.5" v1). A change of factors is a new version; a version
    once used by a published report is never changed."""

    __tablename__ = "impact_methods"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    co2_basis: Mapped[str] = mapped_column(String(20))
    """"flat" (one factor for every kg) or "per-category"."""
    flat_co2_grams_per_kg: Mapped[int | None] = mapped_column(Integer)
    net_of_van: Mapped[bool] = mapped_column(Boolean, server_default="false")
    """Subtract the vans' own emissions (km × the vehicle's factor)."""
    factors: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """{category: {"co2_grams_per_kg": int, "value_cents_per_kg": int, "meals_per_kg": "decimal string"}}"""
    source: Mapped[str] = mapped_column(Text, server_default="")
    """Where the factors come from, and their date."""
    valid_from: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200), server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


NO_PARTY = uuid.UUID(int=0)
"""The donor_id of a delivered total and the recipient_id of a picked-up one (the key has no NULLs)."""


class DailyTotal(Base):
    """Grams per day, flow ("picked-up", "refused", "delivered"), category, donor or recipient and kind of
    round; kept by impact.totals in the same transaction that stores the lines."""

    __tablename__ = "daily_totals"

    tenant: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    flow: Mapped[str] = mapped_column(String(20), primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    donor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    round_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    municipality: Mapped[str] = mapped_column(String(5), server_default="")
    """The recipient's NIS code for a delivered total, the donor's for the others."""
    grams: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lines: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Amounts:
    """Grams and the number of lines behind them, as every rollup keeps them."""

    grams: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lines: Mapped[int] = mapped_column(BigInteger, server_default="0")


class MonthlyTotal(Amounts, Base):
    """The day totals of a month (`month`: its first day), kept beside them by impact.totals in the same statement;
    the municipality is in the key, so a month is exactly the sum of its days. A period reads its whole months
    here and only its edge days from daily_totals."""

    __tablename__ = "monthly_totals"

    tenant: Mapped[str] = mapped_column(String(40), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    flow: Mapped[str] = mapped_column(String(20), primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    donor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    round_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    municipality: Mapped[str] = mapped_column(String(5), primary_key=True, server_default="")


class CategoryDay(Amounts, Base):
    """The day totals without parties (per day, flow, kind of round and category): the tonnage per week."""

    __tablename__ = "category_days"

    tenant: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    flow: Mapped[str] = mapped_column(String(20), primary_key=True)
    round_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)


class RecipientDay(Amounts, Base):
    """Grams delivered per day, kind of round and recipient: who was reached in a week."""

    __tablename__ = "recipient_days"

    tenant: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    round_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


class ImpactReport(Base):
    __tablename__ = "impact_reports"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    period_from: Mapped[date] = mapped_column(Date)
    period_until: Mapped[date] = mapped_column(Date)
    method_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("impact_methods.id"))
    status: Mapped[str] = mapped_column(String(20), server_default="draft")
    """"draft" (figures computed on reading) or "published" (figures frozen; the database refuses changes)."""
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(200), server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}
