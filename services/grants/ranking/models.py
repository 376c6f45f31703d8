"""A fixed ranking proposal: what the call manager fixed, with the inputs it was computed from (rules,
scenario, scores) and its results (outcomes with their explanations), so that the decision and anyone
checking it later see exactly what was decided on. Scenarios are computed, never stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class RankingProposal(Base):
    __tablename__ = "ranking_proposals"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """Outcome.as_json() per application, ranked ones in rank order first."""
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    awarded_cents: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    """1, 2, … within the call: the ETag a decision names with If-Match."""
    deviations: Mapped[list[str]] = mapped_column(JSONB, default=list)
    """How a fixed what-if leaves the published rules (Dutch sentences); empty when it stays within them."""
    reasons: Mapped[str] = mapped_column(Text, default="")
    """Why this proposal (a deviation's reasons reach the letters and the decision's audit entry)."""
    fixed_by: Mapped[str] = mapped_column(String(200))
    fixed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
