"""Screening (ontvankelijkheid en subsidiabiliteit): automatic checks plus the call manager's result."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.screening.rules import ScreeningResult
from shared.db import Base, stored_values


class Screening(Base):
    __tablename__ = "screenings"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"),
                                                      primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    """[{"code": "required_attachments", "passed": false, "reason": "…"}], in Dutch."""
    automatic_passed: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[ScreeningResult | None] = mapped_column(stored_values(ScreeningResult, 20))
    """Set by a call manager; None until then."""
    reasons: Mapped[str] = mapped_column(Text, server_default="")
    screened_by: Mapped[str | None] = mapped_column(String(200))
    screened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"version_id_col": version}
