"""Subsidy calls (oproepen) and their scoring criteria."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.grants.calls.rules import CallStatus
from shared.db import Base, stored_values


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[CallStatus] = mapped_column(stored_values(CallStatus, 20))
    rules_text: Mapped[str] = mapped_column(Text, server_default="")
    legal_basis: Mapped[str] = mapped_column(Text, server_default="")  # the council decision it rests on
    aim: Mapped[str] = mapped_column(Text, server_default="")
    total_budget_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    max_per_project_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    cofinancing_rate_bp: Mapped[int] = mapped_column(Integer, server_default="10000")
    """The largest share of a project's total cost the grant may cover, in basis points (8000 = 80 %)."""
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Stored in UTC; shown and judged in Europe/Brussels. Submissions are accepted while the database's
    clock_timestamp() is before it: one clock for every replica, exact to the second."""
    appeal_days: Mapped[int] = mapped_column(Integer, server_default="30")
    partial_funding: Mapped[bool] = mapped_column(Boolean, server_default="false")
    partial_funding_min_bp: Mapped[int] = mapped_column(Integer, server_default="5000")
    """With partial funding: the last project that does not fit fully may be funded with what remains, if
    that is at least this share of what it asked."""
    spread_limit: Mapped[Decimal] = mapped_column(Numeric(6, 2), server_default="15")
    """Jurors' weighted totals (0–100) further apart than this (standard deviation) flag discussion."""
    jurors_per_application: Mapped[int] = mapped_column(Integer, server_default="3")
    tie_break: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    """Published tie-break chain, e.g. ["criterion:1", "requested_amount:asc", "submitted_at:asc"]."""
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    """E.g. {"social_economy_coapplicant": true, "min_coapplicants": 1}."""
    required_attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    """[{"code": "begroting", "label": "Gedetailleerde begroting", "types": ["application/pdf"]}]"""
    created_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    criteria: Mapped[list[Criterion]] = relationship(order_by="Criterion.position", lazy="selectin",
                                                      cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Criterion(Base):
    __tablename__ = "criteria"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based, as published
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, server_default="")
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    max_score: Mapped[int] = mapped_column(Integer)
    min_threshold: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    """A score below this on this criterion excludes the application, whatever its total."""
