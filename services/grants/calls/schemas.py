"""What the call API accepts and returns. Money in euro cents, rates in basis points (8000 = 80 %), times
in UTC ISO 8601 (input may carry any offset, e.g. Brussels local time +01:00/+02:00; a time without an
offset is refused)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import msgspec
from msgspec import UNSET, UnsetType

from services.grants.calls.rules import CallStatus


class CriterionIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    weight: Decimal
    max_score: int
    description: str = ""
    min_threshold: Decimal | None = None


class RequiredAttachment(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    """Stable key the applicant uploads under (e.g. "begroting")."""
    label: str
    types: list[str] = msgspec.field(default_factory=lambda: ["application/pdf"])
    """Accepted content types (sniffed from the bytes, not taken from the name)."""
    max_bytes: int | None = None
    """Per-attachment size limit; the service's own limit applies in any case."""


class Eligibility(msgspec.Struct, forbid_unknown_fields=True):
    social_economy_coapplicant: bool = False
    """At least one co-applicant the partners registry knows as a social-economy enterprise."""
    min_coapplicants: int = 0
    rules: list[str] = msgspec.field(default_factory=list)
    """Further eligibility rules in Dutch, shown on the public page and checked by the call manager."""


class DraftCall(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    rules_text: str = ""
    legal_basis: str = ""
    aim: str = ""
    total_budget_cents: int = 0
    max_per_project_cents: int = 0
    cofinancing_rate_bp: int = 10_000
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    appeal_days: int = 30
    partial_funding: bool = False
    partial_funding_min_bp: int = 5_000
    spread_limit: Decimal = Decimal("15")
    jurors_per_application: int = 3
    tie_break: list[str] = msgspec.field(default_factory=list)
    eligibility: Eligibility = msgspec.field(default_factory=Eligibility)
    required_attachments: list[RequiredAttachment] = msgspec.field(default_factory=list)
    criteria: list[CriterionIn] = msgspec.field(default_factory=list)


class CallChanges(msgspec.Struct, forbid_unknown_fields=True):
    """PATCH of a draft: only the fields given change; `criteria` and `required_attachments` are replaced
    as a whole."""

    title: str | UnsetType = UNSET
    rules_text: str | UnsetType = UNSET
    legal_basis: str | UnsetType = UNSET
    aim: str | UnsetType = UNSET
    total_budget_cents: int | UnsetType = UNSET
    max_per_project_cents: int | UnsetType = UNSET
    cofinancing_rate_bp: int | UnsetType = UNSET
    opens_at: datetime | None | UnsetType = UNSET
    closes_at: datetime | None | UnsetType = UNSET
    appeal_days: int | UnsetType = UNSET
    partial_funding: bool | UnsetType = UNSET
    partial_funding_min_bp: int | UnsetType = UNSET
    spread_limit: Decimal | UnsetType = UNSET
    jurors_per_application: int | UnsetType = UNSET
    tie_break: list[str] | UnsetType = UNSET
    eligibility: Eligibility | UnsetType = UNSET
    required_attachments: list[RequiredAttachment] | UnsetType = UNSET
    criteria: list[CriterionIn] | UnsetType = UNSET


class CriterionOut(msgspec.Struct):
    id: uuid.UUID
    position: int
    name: str
    description: str
    weight: Decimal
    max_score: int
    min_threshold: Decimal | None


class CallOut(msgspec.Struct):
    id: uuid.UUID
    title: str
    status: CallStatus
    status_label: str
    rules_text: str
    legal_basis: str
    aim: str
    total_budget_cents: int
    max_per_project_cents: int
    cofinancing_rate_bp: int
    opens_at: datetime | None
    closes_at: datetime | None
    appeal_days: int
    partial_funding: bool
    partial_funding_min_bp: int
    spread_limit: Decimal
    jurors_per_application: int
    tie_break: list[str]
    eligibility: Eligibility
    required_attachments: list[RequiredAttachment]
    criteria: list[CriterionOut]
    published_at: datetime | None
    closed_at: datetime | None
    decided_at: datetime | None
    archived_at: datetime | None
    created_at: datetime
    version: int


class LocalTime(msgspec.Struct):
    utc: datetime
    local: str
    """ISO 8601 in Europe/Brussels with its offset, e.g. 2027-03-31T12:00:00+02:00."""
    text: str
    """Dutch, e.g. 'woensdag 31 maart 2027 om 12:00'."""


class PublicCriterion(msgspec.Struct):
    position: int
    name: str
    description: str
    weight: Decimal
    max_score: int
    min_threshold: Decimal | None


class PublicAttachment(msgspec.Struct):
    code: str
    label: str
    types: list[str]
    max_bytes: int | None


class PublicCall(msgspec.Struct):
    """What an applicant needs to know, without logging in."""

    id: uuid.UUID
    title: str
    status: CallStatus
    status_label: str
    aim: str
    rules_text: str
    legal_basis: str
    opens: LocalTime
    closes: LocalTime
    total_budget_cents: int
    total_budget_text: str
    max_per_project_cents: int
    max_per_project_text: str
    cofinancing_rate_bp: int
    cofinancing_text: str
    partial_funding: bool
    criteria: list[PublicCriterion]
    required_attachments: list[PublicAttachment]
    eligibility_rules: list[str]
    tie_break: list[str]
    tie_break_rules: list[str]
    appeal_days: int
    appeal_text: str
