"""The impact API's bodies. Figures go out as the dict the service computes (the same a report freezes): grams,
cents and basis points as integers, periods as ISO dates."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec


class MethodIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new method, or the next version of an existing one (same name): what is left out comes from its latest
    version. `factors` per category: {"co2_grams_per_kg": int, "value_cents_per_kg": int,
    "meals_per_kg": "decimal string"}, any subset."""

    name: str
    source: str
    title: str | None = None
    co2_basis: str | None = None
    """"flat" or "per-category"."""
    flat_co2_grams_per_kg: int | None = None
    net_of_van: bool | None = None
    factors: dict[str, dict[str, Any]] | None = None
    valid_from: date | None = None


class MethodOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    version: int
    title: str
    co2_basis: str
    flat_co2_grams_per_kg: int | None
    net_of_van: bool
    factors: dict[str, Any]
    source: str
    valid_from: date
    created_by: str
    created_at: datetime


class MethodRef(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    version: int | None = None


class ReportIn(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    period_from: date
    period_until: date
    method: MethodRef = msgspec.field(default_factory=MethodRef)


class ReportChange(msgspec.Struct, forbid_unknown_fields=True):
    """A draft changed; every field optional."""

    title: str | None = None
    period_from: date | None = None
    period_until: date | None = None
    method: MethodRef | None = None


class ReportSummary(msgspec.Struct):
    id: uuid.UUID
    title: str
    period_from: date
    period_until: date
    status: str
    status_label: str
    method_name: str
    method_version: int
    published_at: datetime | None
    published_by: str
    version: int


class ReportOut(ReportSummary):
    figures: dict[str, Any]
    """Frozen for a published report; computed at the request for a draft."""
