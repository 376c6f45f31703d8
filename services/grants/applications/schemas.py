"""What the application API accepts and returns. Money in euro cents; times in UTC ISO 8601."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from services.grants.applications.rules import ApplicationStatus, CoApplicantRole


class BudgetLine(msgspec.Struct, forbid_unknown_fields=True):
    description: str
    amount_cents: int


class DraftApplication(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    summary: str = ""
    requested_cents: int = 0
    total_cost_cents: int = 0
    duration_months: int = 12
    budget_lines: list[BudgetLine] = msgspec.field(default_factory=list)
    applicant_name: str | None = None
    """The lead organisation's name, needed only when the partners registry does not know it."""


class ApplicationChanges(msgspec.Struct, forbid_unknown_fields=True):
    title: str | UnsetType = UNSET
    summary: str | UnsetType = UNSET
    requested_cents: int | UnsetType = UNSET
    total_cost_cents: int | UnsetType = UNSET
    duration_months: int | UnsetType = UNSET
    budget_lines: list[BudgetLine] | UnsetType = UNSET


class AddCoApplicant(msgspec.Struct, forbid_unknown_fields=True):
    enterprise_number: str
    role: str
    """A CoApplicantRole: any other string is refused by the service, with the roles it accepts."""
    name: str | None = None
    """Needed only when the partners registry does not know the organisation."""


class Withdrawal(msgspec.Struct, forbid_unknown_fields=True):
    reason: str = ""


class CoApplicantOut(msgspec.Struct):
    enterprise_number: str
    enterprise_number_formatted: str
    name: str
    role: CoApplicantRole
    role_label: str
    confirmed: bool
    confirmed_at: datetime | None
    confirmed_by: str | None


class AttachmentOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class ApplicationOut(msgspec.Struct):
    id: uuid.UUID
    call_id: uuid.UUID
    status: ApplicationStatus
    status_label: str
    applicant_enterprise_number: str
    applicant_name: str
    title: str
    summary: str
    requested_cents: int
    total_cost_cents: int
    duration_months: int
    budget_lines: list[BudgetLine]
    co_applicants: list[CoApplicantOut]
    attachments: list[AttachmentOut]
    submitted_at: datetime | None
    content_hash: str | None
    snapshot: dict[str, Any] | None
    """Exactly what was submitted; `content_hash` is the SHA-256 of its canonical JSON."""
    withdrawn_at: datetime | None
    withdrawal_reason: str
    created_at: datetime
    version: int
    warnings: list[str] = msgspec.field(default_factory=list)
    """On submission: what screening will find missing (submitting incomplete is allowed)."""


class ApplicationPage(msgspec.Struct):
    items: list[ApplicationOut]
    next_cursor: str | None
