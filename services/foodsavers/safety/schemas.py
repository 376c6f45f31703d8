"""The safety API's shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from services.foodsavers.logbook.schemas import FlagOut


class LimitIn(msgspec.Struct, kw_only=True):
    storage: str
    max_celsius: str | float | int
    action: str


class LimitsIn(msgspec.Struct, kw_only=True):
    limits: list[LimitIn]


class LimitOut(msgspec.Struct, kw_only=True):
    storage: str
    max_celsius: str
    action: str
    action_label: str
    default: bool
    """No row of the tenant's: the FAVV-based default (safety.rules)."""
    updated_by: str = ""
    updated_at: datetime | None = None


class LimitsOut(msgspec.Struct, kw_only=True):
    limits: list[LimitOut]


class RegisterEntryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    label: str
    outcome: str
    round_id: uuid.UUID
    pickup_id: uuid.UUID | None
    line_id: uuid.UUID | None
    donor_id: uuid.UUID | None
    category: str
    grams: int
    detail: dict[str, Any]
    occurred_at: datetime


class RegisterPage(msgspec.Struct, kw_only=True):
    items: list[RegisterEntryOut]
    next_cursor: str | None


class ResolveIn(msgspec.Struct, kw_only=True):
    resolution: str


class FlagPage(msgspec.Struct, kw_only=True):
    items: list[FlagOut]


class RecallRecipientOut(msgspec.Struct, kw_only=True):
    recipient_id: uuid.UUID
    name: str
    municipality: str
    municipality_name: str
    favv_number: str
    grams: int
    rounds: list[uuid.UUID]
    days: list[date]
    first_delivered_at: datetime | None
    last_delivered_at: datetime | None


class RecallRoundOut(msgspec.Struct, kw_only=True):
    round_id: uuid.UUID
    day: date
    kind: str
    donor_grams: int
    delivered_grams: int


class RecallOut(msgspec.Struct, kw_only=True):
    donor_id: uuid.UUID
    category: str
    since: date
    until: date
    donor_grams: int
    """What the donor's lines of the category put into the van in the period."""
    delivered_grams: int
    """What the recipients got of the category on the rounds that carried the donor's."""
    recipients: list[RecallRecipientOut]
    rounds: list[RecallRoundOut]
    note: str
