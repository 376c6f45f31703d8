"""What the public catalogue API answers (no login): suppliers with what they offer, counts per rubric, and the
fact sheet of a municipality. Money in euro cents, weights in grams, FTE as decimal strings."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec


class OfferingHit(msgspec.Struct):
    rubric: str
    rubric_label: str
    kind: str
    kind_label: str
    description: str


class ContactOut(msgspec.Struct):
    street: str
    postcode: str
    email: str
    phone: str
    website: str


class Supplier(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    kind_label: str
    municipality: str
    municipality_name: str
    description: str
    rubrics: list[str]
    offerings: list[OfferingHit]
    """Its offerings that match the search (all of them when there is no filter on them)."""
    contact: ContactOut
    social_economy: bool


class RubricCount(msgspec.Struct):
    rubric: str
    label: str
    count: int


class CatalogueResults(msgspec.Struct):
    items: list[Supplier]
    counts: list[RubricCount]
    """Suppliers per rubric, over the text, municipality and kind filters (before the rubric filter)."""
    total: int
    next_cursor: str | None


class MunicipalityOut(msgspec.Struct):
    code: str
    name: str
    slug: str
    province: str


class EmployerOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    kind_label: str
    social_economy: bool
    year: int | None
    target_group_workers: int | None
    supervising_staff: int | None
    fte: str | None


class PlanOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    title: str
    status: str
    starts_on: date
    ends_on: date


class GrantOut(msgspec.Struct):
    title: str
    amount_cents: int
    awarded_at: datetime
    enterprise_numbers: list[str]


class FoodOut(msgspec.Struct):
    grams: int
    deliveries: int
    recipients: int
    people_served: int


class FactSheetOut(msgspec.Struct):
    municipality: MunicipalityOut
    organisations: list[EmployerOut]
    staff_totals: dict[str, str]
    """Of each organisation's latest year: target-group workers, supervising staff, FTE."""
    plans: list[PlanOut]
    grants: list[GrantOut]
    granted_cents: int
    food: FoodOut
