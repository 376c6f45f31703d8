"""What the organisations API accepts and returns. The municipality is accepted as a name, a slug or a NIS code
and answered as both (`municipality` the code, `municipality_name`); FTE as a decimal string; dates as
YYYY-MM-DD (Europe/Brussels); times in UTC."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    street: str = ""
    postcode: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""


class RecognitionIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    valid_from: date
    valid_until: date | None = None
    reference: str = ""


class OfferingIn(msgspec.Struct, forbid_unknown_fields=True):
    rubric: str
    kind: str
    """product or service"""
    description: str


class StaffIn(msgspec.Struct, forbid_unknown_fields=True):
    year: int
    target_group_workers: int
    supervising_staff: int
    fte: Decimal


class RegisterOrganisation(msgspec.Struct, forbid_unknown_fields=True):
    enterprise_number: str
    name: str
    kind: str
    municipality: str
    description: str = ""
    contact: ContactIn = msgspec.field(default_factory=ContactIn)
    recognitions: list[RecognitionIn] = msgspec.field(default_factory=list)
    offerings: list[OfferingIn] = msgspec.field(default_factory=list)
    staff: list[StaffIn] = msgspec.field(default_factory=list)


class OrganisationChanges(msgspec.Struct, forbid_unknown_fields=True):
    """PATCH: only the fields given change; `contact` replaces the contact as a whole, and `recognitions`,
    `offerings` and `staff` each replace their list as a whole. A partner's change of `kind` or
    `recognitions` waits for a coordinator (see rules.PENDING_FIELDS); the rest applies at once."""

    name: str | UnsetType = UNSET
    kind: str | UnsetType = UNSET
    municipality: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    contact: ContactIn | UnsetType = UNSET
    recognitions: list[RecognitionIn] | UnsetType = UNSET
    offerings: list[OfferingIn] | UnsetType = UNSET
    staff: list[StaffIn] | UnsetType = UNSET


class Refusal(msgspec.Struct, forbid_unknown_fields=True):
    reasons: str


class ContactOut(msgspec.Struct):
    street: str
    postcode: str
    email: str
    phone: str
    website: str


class RecognitionOut(msgspec.Struct):
    kind: str
    kind_label: str
    valid_from: date
    valid_until: date | None
    reference: str
    valid_today: bool


class OfferingOut(msgspec.Struct):
    rubric: str
    rubric_label: str
    kind: str
    kind_label: str
    description: str


class StaffOut(msgspec.Struct):
    year: int
    target_group_workers: int
    supervising_staff: int
    fte: str


class ChangeOut(msgspec.Struct):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    status: str
    status_label: str
    requested_by: str
    requested_at: datetime
    before: dict[str, Any]
    after: dict[str, Any]
    decided_by: str | None
    decided_at: datetime | None
    reasons: str
    version: int


class OrganisationOut(msgspec.Struct):
    id: uuid.UUID
    enterprise_number: str
    name: str
    kind: str
    kind_label: str
    municipality: str
    municipality_name: str
    description: str
    contact: ContactOut
    recognitions: list[RecognitionOut]
    offerings: list[OfferingOut]
    staff: list[StaffOut]
    social_economy: bool
    version: int
    created_at: datetime
    updated_at: datetime
    pending_change: ChangeOut | None = None


class OrganisationPage(msgspec.Struct):
    items: list[OrganisationOut]
    next_cursor: str | None


class ChangePage(msgspec.Struct):
    items: list[ChangeOut]
