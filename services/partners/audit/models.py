"""partners' audit trail: append-only. Every change of an agreement's status, a target, a realisation and a
recognition, with who, when, before and after, and the reasons. The request role may insert and read, never
update or delete, and a trigger refuses UPDATE and DELETE even to the owner."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_trail"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    actor: Mapped[str] = mapped_column(String(200))  # username (or "system")
    action: Mapped[str] = mapped_column(String(80))  # e.g. "plan.status.changed", "realisation.approved"
    entity: Mapped[str] = mapped_column(String(40))  # "plan", "target", "realisation", "recognition", …
    entity_id: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reasons: Mapped[str] = mapped_column(Text, server_default="")

    __mapper_args__ = {"eager_defaults": False}
