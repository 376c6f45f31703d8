from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec

from services.grants.decisions.rules import AppealStatus, Outcome


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    reference: str
    decided_on: date
    """The date of the decision in Europe/Brussels (today or earlier)."""
    proposal_id: uuid.UUID
    """The fixed proposal decided on: the call's latest, named with its version in If-Match."""


class DecisionLineOut(msgspec.Struct):
    application_id: uuid.UUID
    outcome: Outcome
    amount_cents: int
    rank: int | None
    total: str | None
    reasons: list[str]


class DecisionOut(msgspec.Struct):
    id: uuid.UUID
    call_id: uuid.UUID
    proposal_id: uuid.UUID
    reference: str
    decided_on: date
    notified_on: date
    """The Brussels date it was published to the applicants: the appeal period runs from it."""
    decided_by: str
    created_at: datetime
    awarded: int
    rejected: int
    awarded_cents: int
    lines: list[DecisionLineOut]


class AppealIn(msgspec.Struct, forbid_unknown_fields=True):
    grounds: str


class AppealChange(msgspec.Struct, forbid_unknown_fields=True):
    status: str
    """An AppealStatus the appeal may move to: an unknown one is refused by the service, in Dutch."""
    reasons: str = ""


class ApplicationDecisionOut(msgspec.Struct):
    """What the decision means for one application, as its applicant and co-applicants may read it."""

    application_id: uuid.UUID
    decision_id: uuid.UUID
    reference: str
    decided_on: date
    notified_on: date
    """The date of the letter (the notification): the appeal period runs from it."""
    outcome: Outcome
    amount_cents: int
    rank: int | None
    total: str | None  # weighted total, decimal string
    reasons: list[str]
    appeal_days: int
    appeal_last_day: date
    appeal_open: bool  # today (Europe/Brussels) is on or before the last day


class AppealOut(msgspec.Struct):
    id: uuid.UUID
    application_id: uuid.UUID
    decision_id: uuid.UUID
    grounds: str
    status: AppealStatus
    lodged_by: str
    lodged_at: datetime
    last_day: date
    outcome_reasons: str
    handled_by: str | None
    handled_at: datetime | None
    version: int
