"""The e-mail outbox: one row per message, written in the transaction that decides to send it (the decision's
notification, a report reminder), delivered by the background sender."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.mailings.rules import MailState
from shared.db import Base


class OutgoingMail(Base):
    __tablename__ = "mail_outbox"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(60))
    """What the message is for, e.g. `decision` or `report-reminder`."""
    reference: Mapped[str] = mapped_column(String(200), server_default="")
    """What it is about: a link in the portal (the application, its letter)."""
    recipients: Mapped[list[str]] = mapped_column(JSONB)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    """The plain text."""
    html: Mapped[str] = mapped_column(Text, server_default="")
    """The same as HTML (the message is then multipart/alternative), or empty."""
    language: Mapped[str] = mapped_column(String(5), server_default="nl-BE")
    """The message's Content-Language: the recipient's."""
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    """References, not bytes: `{object_key, filename, content_type}` in the service's bucket."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                      server_default=func.clock_timestamp())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, server_default="")

    @property
    def state(self) -> MailState:
        if self.sent_at is not None:
            return MailState.SENT
        if self.dead_at is not None:
            return MailState.UNDELIVERABLE
        return MailState.PENDING
