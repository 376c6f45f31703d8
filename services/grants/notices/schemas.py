from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class NoticeOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    """What it is about (shared.notices.kinds.NoticeKind)."""
    source: str
    """The service that raised it: grants, partners or foodsavers."""
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


class NoticeKindOut(msgspec.Struct):
    kind: str
    label: str
    by_email: bool


class NoticePreferencesOut(msgspec.Struct):
    email: str
    """Where e-mail goes: the address of the person's account, as on their last visit."""
    language: str
    """The language of their e-mail: the one of their last visit."""
    kinds: list[NoticeKindOut]


class NoticePreferencesIn(msgspec.Struct, forbid_unknown_fields=True):
    by_email: list[str]
    """The kinds to get by e-mail (an empty list: none)."""
