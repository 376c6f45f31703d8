from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from services.grants.mailings.rules import MailState


class MailOut(msgspec.Struct):
    id: uuid.UUID
    purpose: str
    """What it was for: `decision` (the decision with its letter) or `report-reminder`."""
    reference: str
    """What it is about: the portal path of the application's letter or plan."""
    recipients: list[str]
    subject: str
    state: MailState
    state_label: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    """When the sender tries again (pending only)."""
    sent_at: datetime | None
    dead_at: datetime | None
    """When it was given up: refused by the relay, or still failing at the end of the retry window."""
    reason: str
    """The relay's last answer (or why it could not be reached), as it said it."""


class MailPage(msgspec.Struct):
    items: list[MailOut]
    next_cursor: str | None


class MailRetryIn(msgspec.Struct, forbid_unknown_fields=True):
    ids: list[uuid.UUID] | None = None
    """Only these messages; without it every unsent one."""
    include_undeliverable: bool = False
    """Give dead-lettered messages one more attempt too."""


class MailRetryOut(msgspec.Struct):
    due_now: int
