from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from services.partners.realisations.rules import RealisationStatus


class RealisationIn(msgspec.Struct, forbid_unknown_fields=True):
    year: int
    value: str
    """A decimal string, at most three decimals ("108", "12.5")."""
    narrative: str = ""


class CorrectionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A sent-back (or still submitted) realisation corrected: it is submitted again."""

    value: str
    narrative: str = ""


class SendBackIn(msgspec.Struct, forbid_unknown_fields=True):
    reasons: str


class EvidenceOut(msgspec.Struct):
    id: uuid.UUID
    file_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class RealisationOut(msgspec.Struct):
    id: uuid.UUID
    plan_id: uuid.UUID
    indicator_id: uuid.UUID
    indicator_name: str
    unit: str
    year: int
    value: str
    narrative: str
    status: RealisationStatus
    status_label: str
    organisation_id: uuid.UUID | None
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reasons: str
    version: int
    evidence: list[EvidenceOut]


class RealisationPage(msgspec.Struct):
    items: list[RealisationOut]
    next_cursor: str | None


class SourceOut(msgspec.Struct):
    event_id: uuid.UUID
    kind: str
    label: str
    amount: str
    at: datetime


class CountedOut(msgspec.Struct):
    indicator_id: uuid.UUID
    plan_id: uuid.UUID
    year: int
    rule: str
    rule_label: str
    unit: str
    value: str
    sources: list[SourceOut]
