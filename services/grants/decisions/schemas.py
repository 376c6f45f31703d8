from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    reference: str
    decided_on: date
    """The date of the decision in Europe/Brussels (today or earlier)."""


class DecisionLineOut(msgspec.Struct):
    application_id: uuid.UUID
    outcome: str  # awarded | rejected
    amount_cents: int
    rank: int | None
    total: str | None
    reasons: list[str]


class DecisionOut(msgspec.Struct):
    id: uuid.UUID
    call_id: uuid.UUID
    proposal_id: uuid.UUID
    reference: str
    decided_on: date
    decided_by: str
    created_at: datetime
    awarded: int
    rejected: int
    awarded_cents: int
    lines: list[DecisionLineOut]


class AppealIn(msgspec.Struct, forbid_unknown_fields=True):
    grounds: str


class AppealChange(msgspec.Struct, forbid_unknown_fields=True):
    status: str  # under-review | upheld | dismissed
    reasons: str = ""


class ApplicationDecisionOut(msgspec.Struct):
    """What the decision means for one application, as its applicant and co-applicants may read it."""

    application_id: uuid.UUID
    decision_id: uuid.UUID
    reference: str
    decided_on: date
    outcome: str  # awarded | rejected
    amount_cents: int
    rank: int | None
    total: str | None  # weighted total, decimal string
    reasons: list[str]
    appeal_days: int
    appeal_last_day: date
    appeal_open: bool  # today (Europe/Brussels) is on or before the last day


class AppealOut(msgspec.Struct):
    id: uuid.UUID
    application_id: uuid.UUID
    decision_id: uuid.UUID
    grounds: str
    status: str
    lodged_by: str
    lodged_at: datetime
    last_day: date
    outcome_reasons: str
    handled_by: str | None
    handled_at: datetime | None
    version: int


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
