"""A realisation's lifecycle: entered (submitted), then approved by a coordinator or sent back with reasons;
a sent-back realisation is corrected and submitted again. An approved one is final."""

from __future__ import annotations

from enum import StrEnum


class RealisationStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SENT_BACK = "sent-back"


STATUSES: dict[RealisationStatus, str] = {
    RealisationStatus.SUBMITTED: "ingediend",
    RealisationStatus.APPROVED: "goedgekeurd",
    RealisationStatus.SENT_BACK: "teruggestuurd",
}
