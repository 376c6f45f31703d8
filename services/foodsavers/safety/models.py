"""Food safety: the tenant's temperature limits per storage kind, the register of every rule that fired on
entry (a passed use-by date, a temperature over its limit), and the flags a coordinator resolves on a round
(mass balance, temperature, van full)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class SafetyLimit(Base):
    """A tenant's limit for one storage kind; where a tenant has none, safety.rules' defaults apply."""

    __tablename__ = "safety_limits"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    storage: Mapped[str] = mapped_column(String(20))
    """registry.categories.Storage: "chilled" or "frozen"."""
    max_celsius: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    action: Mapped[str] = mapped_column(String(20))
    """"refuse" (the line is refused) or "flag" (accepted, flagged for the coordinator)."""
    updated_by: Mapped[str] = mapped_column(String(200), server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SafetyRegisterEntry(Base):
    __tablename__ = "safety_register"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))
    """safety.rules.Finding: "use-by-passed", "temperature", "mass-balance", ..."""
    outcome: Mapped[str] = mapped_column(String(20))
    """"refused", "flagged"."""
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id"))
    pickup_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    line_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    donor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("donors.id"))
    category: Mapped[str] = mapped_column(String(30), server_default="")
    grams: Mapped[int] = mapped_column(BigInteger, server_default="0")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RoundFlag(Base):
    """Something on a round a coordinator must look at; at most one open flag per round and kind."""

    __tablename__ = "round_flags"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id"))
    kind: Mapped[str] = mapped_column(String(30))
    """"mass-balance", "temperature", "van-full"."""
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str] = mapped_column(String(200), server_default="")
    resolution: Mapped[str] = mapped_column(Text, server_default="")
