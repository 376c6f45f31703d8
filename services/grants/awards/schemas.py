from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec

from services.grants.awards.rules import ReportKind, ReportStatus, TrancheCondition, TrancheKind, TrancheStatus


class AwardRuleIn(msgspec.Struct, forbid_unknown_fields=True):
    """A call's rule for the default plans of its awarded projects; shares in basis points (6000 = 60 %)."""

    advance_bp: int = 6000
    interim_bp: int = 0
    progress_at_bp: int = 5000
    final_months_after_end: int = 2
    reminder_days_before: int = 14


class AwardRuleOut(msgspec.Struct):
    call_id: uuid.UUID
    advance_bp: int
    interim_bp: int
    progress_at_bp: int
    final_months_after_end: int
    reminder_days_before: int
    version: int
    is_default: bool


class PlanRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Generate the default plan now (a call manager); the call's rule unless overridden here."""

    advance_bp: int | None = None
    interim_bp: int | None = None
    starts_on: date | None = None
    """The project's start; default the decision date."""


class TrancheIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    """A TrancheKind; the service refuses any other string in Dutch, naming the tranche."""
    amount_cents: int
    condition: str
    """A TrancheCondition; the service refuses any other string in Dutch, naming the tranche."""
    due_on: date | None = None
    id: uuid.UUID | None = None
    """An existing tranche (keep its id); without: a new one."""


class TranchesIn(msgspec.Struct, forbid_unknown_fields=True):
    tranches: list[TrancheIn]
    reasons: str = ""


class TrancheOut(msgspec.Struct):
    id: uuid.UUID
    position: int
    kind: TrancheKind
    kind_label: str
    amount_cents: int
    condition: TrancheCondition
    condition_label: str
    due_on: date | None
    status: TrancheStatus
    paid_on: date | None
    payment_reference: str


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    paid_on: date
    payment_reference: str


class IndicatorIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    unit: str
    target: str  # decimal string


class IndicatorsIn(msgspec.Struct, forbid_unknown_fields=True):
    indicators: list[IndicatorIn]


class IndicatorOut(msgspec.Struct):
    id: uuid.UUID
    position: int
    name: str
    unit: str
    target: str


class ReportValueIn(msgspec.Struct, forbid_unknown_fields=True):
    indicator_id: uuid.UUID
    value: str  # decimal string


class ReportIn(msgspec.Struct, forbid_unknown_fields=True):
    values: list[ReportValueIn]
    narrative: str


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: str
    """approved or changes-requested (a ReportStatus); the service refuses any other string in Dutch."""
    reasons: str = ""


class DueDateIn(msgspec.Struct, forbid_unknown_fields=True):
    due_on: date
    reasons: str


class ReportAttachmentOut(msgspec.Struct):
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


class ReportOut(msgspec.Struct):
    id: uuid.UUID
    kind: ReportKind
    kind_label: str
    due_on: date
    status: ReportStatus
    values: dict[str, str]
    narrative: str
    attachment: ReportAttachmentOut | None
    submitted_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_reasons: str
    version: int


class PlanOut(msgspec.Struct):
    application_id: uuid.UUID
    call_id: uuid.UUID
    title: str
    applicant_enterprise_number: str
    awarded_cents: int
    paid_cents: int
    starts_on: date
    ends_on: date
    version: int
    tranches: list[TrancheOut]
    indicators: list[IndicatorOut]
    reports: list[ReportOut]


class OverdueReportOut(msgspec.Struct):
    application_id: uuid.UUID
    call_id: uuid.UUID
    title: str
    kind: ReportKind
    due_on: date
    status: ReportStatus
    days_overdue: int


class PayableTrancheOut(msgspec.Struct):
    application_id: uuid.UUID
    call_id: uuid.UUID
    title: str
    tranche_id: uuid.UUID
    kind: TrancheKind
    amount_cents: int
    due_on: date | None


class FollowUpOut(msgspec.Struct):
    today: date
    overdue_reports: list[OverdueReportOut]
    payable_tranches: list[PayableTrancheOut]
