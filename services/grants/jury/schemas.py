"""Requests and responses of the jury. Scores travel as decimal strings ("7.5"), never as floats."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from services.grants.applications.schemas import AttachmentOut
from services.grants.jury.rules import ReviewStatus


class JuryMemberIn(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    name: str
    enterprise_number: str | None = None


class ComposeJury(msgspec.Struct, forbid_unknown_fields=True):
    members: list[JuryMemberIn]
    chair: str | None = None
    """The username of the member who chairs; must be one of `members`."""


class JuryMemberOut(msgspec.Struct):
    username: str
    name: str
    enterprise_number: str | None
    is_chair: bool


class JuryOut(msgspec.Struct):
    call_id: uuid.UUID
    members: list[JuryMemberOut]
    version: int
    """The composition's version (the ETag): PUT it back as If-Match."""


class AssignmentIn(msgspec.Struct, forbid_unknown_fields=True):
    application_id: uuid.UUID
    jurors: list[str]


class FixAssignments(msgspec.Struct, forbid_unknown_fields=True):
    assignments: list[AssignmentIn]


class AssignedApplication(msgspec.Struct):
    application_id: uuid.UUID
    title: str
    jurors: list[str]
    conflicted: list[str]
    shortfall: str | None = None
    """Why this application has fewer jurors than the call asks, when it has."""


class JurorLoad(msgspec.Struct):
    username: str
    load: int


class AssignmentsOut(msgspec.Struct):
    call_id: uuid.UUID
    jurors_per_application: int
    applications: list[AssignedApplication]
    loads: list[JurorLoad]
    fixed: bool
    """False for a proposal (nothing stored), true once stored."""
    version: int
    """The stored assignments' version (the ETag), also beside a proposal: PUT it back as If-Match."""


class DeclareConflict(msgspec.Struct, forbid_unknown_fields=True):
    has_conflict: bool
    reason: str = ""


class ConflictOut(msgspec.Struct):
    application_id: uuid.UUID
    username: str
    has_conflict: bool
    reason: str
    declared_at: datetime


class ScoreIn(msgspec.Struct, forbid_unknown_fields=True):
    criterion_id: uuid.UUID
    score: Decimal
    justification: str = ""


class SaveReview(msgspec.Struct, forbid_unknown_fields=True):
    scores: list[ScoreIn]


class ScoreOut(msgspec.Struct):
    criterion_id: uuid.UUID
    criterion: str
    score: Decimal
    max_score: int
    justification: str


class ReviewOut(msgspec.Struct):
    application_id: uuid.UUID
    username: str
    status: ReviewStatus
    scores: list[ScoreOut]
    weighted_total: Decimal | None
    submitted_at: datetime | None
    version: int


class CriterionOut(msgspec.Struct):
    id: uuid.UUID
    position: int
    name: str
    description: str
    weight: Decimal
    max_score: int


class JurorApplication(msgspec.Struct):
    application_id: uuid.UUID
    call_id: uuid.UUID
    title: str
    applicant_name: str
    submitted_at: datetime | None
    review_status: ReviewStatus | None
    """None before the juror saved anything."""


class ApplicationForScoring(msgspec.Struct):
    application_id: uuid.UUID
    call_id: uuid.UUID
    title: str
    submitted_at: datetime | None
    content_hash: str | None
    snapshot: dict[str, Any] | None
    attachments: list[AttachmentOut]
    criteria: list[CriterionOut]
    review: ReviewOut | None


class ConsensusScoreIn(msgspec.Struct, forbid_unknown_fields=True):
    criterion_id: uuid.UUID
    score: Decimal


class RecordConsensus(msgspec.Struct, forbid_unknown_fields=True):
    scores: list[ConsensusScoreIn]
    minutes: str


class ConsensusOut(msgspec.Struct):
    application_id: uuid.UUID
    scores: dict[str, Decimal]
    weighted_total: Decimal
    minutes: str
    recorded_by: str
    recorded_at: datetime
    version: int


class JurorScore(msgspec.Struct):
    username: str
    weighted_total: Decimal
    juror_average: Decimal
    """The juror's own average weighted total over all their submitted reviews in this call."""
    calibration: Decimal
    """weighted_total − juror_average: how far this score sits from the juror's usual."""


class JuryViewApplication(msgspec.Struct):
    application_id: uuid.UUID
    title: str
    assigned: list[str]
    submitted: int
    mean: Decimal | None
    spread: Decimal | None
    """Population standard deviation of the jurors' weighted totals (0–100)."""
    disagreement: bool
    jurors: list[JurorScore]
    criterion_means: dict[str, Decimal]
    consensus: ConsensusOut | None


class JuryView(msgspec.Struct):
    call_id: uuid.UUID
    spread_limit: Decimal
    applications: list[JuryViewApplication]


class MeetingItem(msgspec.Struct):
    position: int
    application_id: uuid.UUID
    title: str
    absent: list[str]
    """Who must be out of the room while this application is discussed."""
    leave: list[str]
    """Who leaves before it."""
    reenter: list[str]
    """Who comes back in before it."""


class MeetingOrder(msgspec.Struct):
    call_id: uuid.UUID
    items: list[MeetingItem]
    return_at_end: list[str]
    moves: int
    """Leave and re-enter moves in this order (everyone starts and ends in the room)."""
    naive_moves: int
    """The same, discussing the applications in order of submission."""
    withheld: int = 0
    """For the chair: how many applications they are conflicted on, discussed without them and left out here."""
