"""The notices' tables: `notices` in every service (the read model of everyone's notices), `notice_people` in
grants only (what grants needs to e-mail a person: address, language, roles and the kinds they want by
e-mail)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, PrimaryKeyConstraint, String, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared import i18n
from shared.db import Base, stored_values
from shared.notices.kinds import NoticeKind, RecipientKind


class Notice(Base):
    """One copy of a notice per recipient: a person, an organisation or a role."""

    __tablename__ = "notices"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    """The notice's id, the same for all its copies in every service: what a mark as read names, and what makes
    a redelivered event add nothing."""
    source: Mapped[str] = mapped_column(String(20), server_default="grants")
    """The service that raised it."""
    kind: Mapped[str] = mapped_column(String(40), server_default=NoticeKind.OTHER.value)
    recipient_kind: Mapped[RecipientKind] = mapped_column(stored_values(RecipientKind, 20))
    recipient: Mapped[str] = mapped_column(String(200))  # username | enterprise number | role
    texts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """{language: {"title": …, "body": …}}: in every language of the portals, Dutch always."""
    link: Mapped[str] = mapped_column(String(500), server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("tenant", "recipient_kind", "recipient", "dedupe_key", name="uq_notices_dedupe"),
        Index("ix_notices_recipient", "tenant", "recipient_kind", "recipient", "created_at"),
        Index("ix_notices_unread", "tenant", "recipient_kind", "recipient", postgresql_where=text("read_at IS NULL")),
    )

    def text(self, field: str, lang: str | None = None) -> str:
        texts = self.texts.get(lang or i18n.language()) or self.texts.get(i18n.DEFAULT) or {}
        return str(texts.get(field, ""))

    @property
    def title(self) -> str:
        """In the reader's language (Dutch when the notice has none in it)."""
        return self.text("title")

    @property
    def body(self) -> str:
        return self.text("body")


class NoticePerson(Base):
    """A person as grants last saw them on a portal page, and their e-mail choices."""

    __tablename__ = "notice_people"

    tenant: Mapped[str] = mapped_column(String(40))
    username: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), server_default="")
    language: Mapped[str] = mapped_column(String(5), server_default=i18n.DEFAULT)
    roles: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    enterprise_number: Mapped[str] = mapped_column(String(10), server_default="")
    email_kinds: Mapped[list[str] | None] = mapped_column(JSONB)
    """The kinds the person wants by e-mail; NULL: never chosen, so every kind."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())

    __table_args__ = (PrimaryKeyConstraint("tenant", "username", name="pk_notice_people"),)

    def wants_email(self, kind: str) -> bool:
        return bool(self.email) and (self.email_kinds is None or kind in self.email_kinds)
