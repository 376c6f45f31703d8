from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from services.grants.screening.rules import ScreeningResult


class RecordScreening(msgspec.Struct, forbid_unknown_fields=True):
    result: str
    """A ScreeningResult: any other string is refused by the service, in Dutch."""
    reasons: str = ""
    """Required when ineligible: the applicant reads them."""


class CheckOut(msgspec.Struct):
    code: str
    passed: bool
    reason: str


class ScreeningOut(msgspec.Struct):
    application_id: uuid.UUID
    checks: list[CheckOut]
    automatic_passed: bool
    result: ScreeningResult | None
    result_label: str | None
    reasons: str
    screened_by: str | None
    screened_at: datetime | None
    version: int
