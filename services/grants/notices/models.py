"""In-portal notices (berichten): what grants tells a person or an organisation, one row per recipient and
event, with its read state."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.notices.rules import RecipientKind
from shared.db import Base, stored_values


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    recipient_kind: Mapped[RecipientKind] = mapped_column(stored_values(RecipientKind, 20))
    recipient: Mapped[str] = mapped_column(String(200))  # username | enterprise number
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), server_default="")
    dedupe_key: Mapped[str] = mapped_column(String(200))
    """The event that made it: a redelivered event adds no second notice."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
