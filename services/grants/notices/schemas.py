from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class NoticeOut(msgspec.Struct):
    id: uuid.UUID
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NoticesReadIn(msgspec.Struct, forbid_unknown_fields=True):
    before: datetime | None = None
    """Mark only notices created at or before this moment (UTC ISO; the newest `created_at` a page showed).
    Without it: all of the person's notices."""


class NoticesReadOut(msgspec.Struct):
    marked: int
    """Notices (one per event) newly marked read by this call: 0 on a retry."""
    unread: int
    """What is still unread afterwards (notices that arrived after `before`)."""


class UnreadNoticesOut(msgspec.Struct):
    unread: int
