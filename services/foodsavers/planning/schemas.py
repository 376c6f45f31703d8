"""What the planning API accepts and returns. Days are Brussels calendar days (ISO), clock times "HH:MM" (Brussels
local time of that day), moments UTC. Kinds and statuses are the English codes of planning/rules.py, each
answered with its Dutch label beside it."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec
from msgspec import UNSET, UnsetType


class StopIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    """"pickup" (at a donor: `donor_id`) or "delivery" (at a recipient: `recipient_id`)."""
    donor_id: uuid.UUID | None = None
    recipient_id: uuid.UUID | None = None
    window_from: str | None = None
    """"HH:MM"; left out: the party's own window that weekday, if any, is what the driver reads."""
    window_until: str | None = None


class SeriesIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    kind: str
    weekdays: list[int]
    starts_on: date
    start_time: str
    driver_id: uuid.UUID
    vehicle_id: uuid.UUID
    stops: list[StopIn]
    ends_on: date | None = None


class SeriesChanges(msgspec.Struct, forbid_unknown_fields=True):
    """PATCH: only the fields given change; `stops` and `weekdays` are replaced as a whole. The change reaches
    the planned occurrences nobody changed by hand, from `effective_from` (default: today, Brussels) on."""

    name: str | UnsetType = UNSET
    weekdays: list[int] | UnsetType = UNSET
    ends_on: date | None | UnsetType = UNSET
    start_time: str | UnsetType = UNSET
    driver_id: uuid.UUID | UnsetType = UNSET
    vehicle_id: uuid.UUID | UnsetType = UNSET
    stops: list[StopIn] | UnsetType = UNSET
    effective_from: date | None = None


class RoundIn(msgspec.Struct, forbid_unknown_fields=True):
    """A one-off round (no series), e.g. an extra FEAD transport."""

    day: date
    kind: str
    start_time: str
    driver_id: uuid.UUID
    vehicle_id: uuid.UUID
    stops: list[StopIn]
    note: str = ""


class RoundChanges(msgspec.Struct, forbid_unknown_fields=True):
    """PATCH of one occurrence: it is marked edited, and its series' later changes leave it alone."""

    start_time: str | UnsetType = UNSET
    driver_id: uuid.UUID | UnsetType = UNSET
    vehicle_id: uuid.UUID | UnsetType = UNSET
    note: str | UnsetType = UNSET
    stops: list[StopIn] | UnsetType = UNSET


class Cancellation(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


class PersonOut(msgspec.Struct):
    id: uuid.UUID
    name: str


class VehicleOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    capacity_grams: int
    refrigerated: bool


class SeriesStopOut(msgspec.Struct):
    position: int
    kind: str
    kind_label: str
    party_id: uuid.UUID
    name: str
    window_from: str | None
    window_until: str | None


class SeriesOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    kind_label: str
    weekdays: list[int]
    starts_on: date
    ends_on: date | None
    start_time: str
    driver: PersonOut
    vehicle: VehicleOut
    generated_until: date | None
    active: bool
    stops: list[SeriesStopOut]
    version: int


class SeriesPage(msgspec.Struct):
    items: list[SeriesOut]
    next_cursor: str | None


class StopOut(msgspec.Struct):
    id: uuid.UUID
    position: int
    kind: str
    kind_label: str
    party_id: uuid.UUID
    name: str
    address: str
    municipality: str
    """The municipality's name."""
    window_from: str | None
    window_until: str | None
    instructions: str
    contact_name: str
    contact_phone: str
    done_at: datetime | None


class RoundBase(msgspec.Struct):
    """What every answer about a round says."""

    id: uuid.UUID
    series_id: uuid.UUID | None
    day: date
    kind: str
    kind_label: str
    status: str
    status_label: str
    start_time: str
    driver: PersonOut
    vehicle: VehicleOut
    edited: bool
    note: str
    version: int


class RoundSummary(RoundBase):
    """A round in a list."""

    stop_count: int


class RoundOut(RoundBase):
    """A round with its stops in detail."""

    km: int | None
    started_at: datetime | None
    closed_at: datetime | None
    stops: list[StopOut]


class RoundPage(msgspec.Struct):
    items: list[RoundSummary]
    next_cursor: str | None


class DriverDay(msgspec.Struct):
    driver: PersonOut
    rounds: list[RoundOut]


class DayPlan(msgspec.Struct):
    """The coordinator's plan of a day: per driver (by name) their rounds, by start time."""

    day: date
    drivers: list[DriverDay]


class MyDay(msgspec.Struct):
    """What the driver's app loads: the rounds of the signed-in driver that day, with every stop's details.
    `driver` is null when the login is not registered as a driver (then no rounds)."""

    day: date
    driver: PersonOut | None
    rounds: list[RoundOut]
