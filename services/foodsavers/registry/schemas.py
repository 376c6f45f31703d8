"""What the registry API accepts and returns. A municipality is accepted as a name or a NIS code and answered as
both (`municipality` the code, `municipality_name`); windows as [{"weekday": 1..7, "from": "HH:MM", "until":
"HH:MM"}] (checked in rules, so a mistake gets a Dutch reason); a van's capacity in grams; times in UTC.
PATCH bodies change only the fields given; deactivating is `{"active": false}` (an entry is never deleted: lines
refer to it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

Window = dict[str, Any]


class DonorIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    kind: str
    municipality: str
    street: str = ""
    postcode: str = ""
    chain: str = ""
    opening_hours: str = ""
    pickup_windows: list[Window] = msgspec.field(default_factory=list)
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    instructions: str = ""
    favv_number: str = ""


class DonorChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: str | UnsetType = UNSET
    kind: str | UnsetType = UNSET
    municipality: str | UnsetType = UNSET
    street: str | UnsetType = UNSET
    postcode: str | UnsetType = UNSET
    chain: str | UnsetType = UNSET
    opening_hours: str | UnsetType = UNSET
    pickup_windows: list[Window] | UnsetType = UNSET
    contact_name: str | UnsetType = UNSET
    contact_phone: str | UnsetType = UNSET
    contact_email: str | UnsetType = UNSET
    instructions: str | UnsetType = UNSET
    favv_number: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class RecipientIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    kind: str
    municipality: str
    enterprise_number: str | None = None
    street: str = ""
    postcode: str = ""
    delivery_windows: list[Window] = msgspec.field(default_factory=list)
    cold_storage_litres: int = 0
    freezer_litres: int = 0
    households: int = 0
    people_served: int = 0
    favv_number: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    instructions: str = ""


class RecipientChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: str | UnsetType = UNSET
    kind: str | UnsetType = UNSET
    municipality: str | UnsetType = UNSET
    enterprise_number: str | None | UnsetType = UNSET
    street: str | UnsetType = UNSET
    postcode: str | UnsetType = UNSET
    delivery_windows: list[Window] | UnsetType = UNSET
    cold_storage_litres: int | UnsetType = UNSET
    freezer_litres: int | UnsetType = UNSET
    households: int | UnsetType = UNSET
    people_served: int | UnsetType = UNSET
    favv_number: str | UnsetType = UNSET
    contact_name: str | UnsetType = UNSET
    contact_phone: str | UnsetType = UNSET
    contact_email: str | UnsetType = UNSET
    instructions: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class VehicleIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    refrigerated: bool
    capacity_grams: int
    emission_grams_per_km: int
    plate: str = ""


class VehicleChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: str | UnsetType = UNSET
    refrigerated: bool | UnsetType = UNSET
    capacity_grams: int | UnsetType = UNSET
    emission_grams_per_km: int | UnsetType = UNSET
    plate: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class DriverIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    username: str
    phone: str = ""


class DriverChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: str | UnsetType = UNSET
    username: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class DonorOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    kind_label: str
    chain: str
    address: str
    street: str
    postcode: str
    municipality: str
    municipality_name: str
    opening_hours: str
    pickup_windows: list[Window]
    contact_name: str
    contact_phone: str
    contact_email: str
    instructions: str
    favv_number: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class RecipientOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    kind_label: str
    enterprise_number: str | None
    street: str
    postcode: str
    municipality: str
    municipality_name: str
    delivery_windows: list[Window]
    cold_storage_litres: int
    freezer_litres: int
    households: int
    people_served: int
    favv_number: str
    contact_name: str
    contact_phone: str
    contact_email: str
    instructions: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class VehicleOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    plate: str
    refrigerated: bool
    capacity_grams: int
    emission_grams_per_km: int
    active: bool
    version: int
    created_at: datetime


class DriverOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    username: str
    phone: str
    active: bool
    version: int
    created_at: datetime


class DonorPage(msgspec.Struct):
    items: list[DonorOut]
    next_cursor: str | None


class RecipientPage(msgspec.Struct):
    items: list[RecipientOut]
    next_cursor: str | None


class VehiclePage(msgspec.Struct):
    items: list[VehicleOut]
    next_cursor: str | None


class DriverPage(msgspec.Struct):
    items: list[DriverOut]
    next_cursor: str | None


class CategoryOut(msgspec.Struct):
    code: str
    label: str
    storage: str
    fresh: bool
    food: bool


class CategoryList(msgspec.Struct):
    items: list[CategoryOut]
