"""The logbook API's shapes. The sync body is decoded with msgspec straight from the request's bytes; its
figures are typed loosely (`Any`) on purpose: a line with a wrong value is refused on its own with a Dutch
reason while the rest of the batch is stored, instead of the whole batch failing to decode."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec


class LineIn(msgspec.Struct, kw_only=True):
    id: str
    category: Any = None
    grams: Any = None
    refused_grams: Any = 0
    refused_reason: Any = ""
    date_kind: Any = "none"
    best_date: Any = None
    celsius: Any = None


class PickupIn(msgspec.Struct, kw_only=True):
    id: str
    round_id: Any = None
    stop_id: Any = None
    donor_id: Any = None
    picked_up_at: Any = None
    van_full: Any = False
    left_behind_grams: Any = 0
    note: Any = ""
    lines: list[LineIn] = []


class DeliveryLineIn(msgspec.Struct, kw_only=True):
    id: str
    category: Any = None
    grams: Any = None


class DeliveryIn(msgspec.Struct, kw_only=True):
    id: str
    round_id: Any = None
    stop_id: Any = None
    recipient_id: Any = None
    delivered_at: Any = None
    confirmed_by: Any = ""
    note: Any = ""
    lines: list[DeliveryLineIn] = []


class ClosingIn(msgspec.Struct, kw_only=True):
    round_id: str
    closed_at: Any = None
    km: Any = None
    left_in_van_grams: Any = 0
    discarded_grams: Any = 0
    """Food thrown away on the way (after loading): part of the mass balance."""


class SyncIn(msgspec.Struct, kw_only=True):
    pickups: list[PickupIn] = []
    deliveries: list[DeliveryIn] = []
    closings: list[ClosingIn] = []


class StoredOut(msgspec.Struct, kw_only=True):
    id: str
    kind: str
    """"pickup", "pickup-line", "delivery", "delivery-line" or "closing" (its id: the round's)."""
    outcome: str
    """"stored" (new) or "already-stored" (an earlier sync brought it: nothing counted twice)."""
    flags: list[str] = []
    blocked: str | None = None
    """Stored, but its weight refused by a food-safety rule: the reason."""


class RefusedOut(msgspec.Struct, kw_only=True):
    id: str
    kind: str
    field: str
    type: str
    reason: str
    """The Dutch sentence the driver reads; the item stays on the phone."""


class SyncOut(msgspec.Struct, kw_only=True):
    stored: list[StoredOut]
    refused: list[RefusedOut]


class CloseIn(msgspec.Struct, kw_only=True):
    km: int | None = None
    left_in_van_grams: int = 0
    discarded_grams: int = 0
    closed_at: datetime | None = None


class BalanceOut(msgspec.Struct, kw_only=True):
    picked_up_grams: int
    delivered_grams: int
    discarded_grams: int
    left_in_van_grams: int
    refused_grams: int
    difference_grams: int
    tolerance_grams: int
    holds: bool


class PickupLineOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    category: str
    grams: int
    refused_grams: int
    refused_reason: str
    date_kind: str
    best_date: date | None
    celsius: str | None
    flags: list[str]


class PickupOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    donor_id: uuid.UUID
    donor_name: str
    stop_id: uuid.UUID | None
    picked_up_at: datetime
    van_full: bool
    left_behind_grams: int
    note: str
    has_photo: bool
    lines: list[PickupLineOut]


class DeliveryLineOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    category: str
    grams: int


class DeliveryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    recipient_id: uuid.UUID
    recipient_name: str
    stop_id: uuid.UUID | None
    delivered_at: datetime
    confirmed_by: str
    note: str
    lines: list[DeliveryLineOut]


class FlagOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    round_id: uuid.UUID
    kind: str
    label: str
    detail: dict[str, Any]
    raised_at: datetime
    resolved_at: datetime | None
    resolved_by: str
    resolution: str
    round_day: date | None = None
    driver_name: str = ""


class LogbookOut(msgspec.Struct, kw_only=True):
    round_id: uuid.UUID
    day: date
    kind: str
    status: str
    driver_name: str
    km: int | None
    started_at: datetime | None
    closed_at: datetime | None
    closed_by: str
    totals: dict[str, Any] | None
    pickups: list[PickupOut]
    deliveries: list[DeliveryOut]
    balance: BalanceOut
    flags: list[FlagOut]


class PhotoOut(msgspec.Struct, kw_only=True):
    pickup_id: uuid.UUID
    key: str
    content_type: str
    size: int
