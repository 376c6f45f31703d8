"""The application lifecycle, independent of storage."""

from __future__ import annotations

STATUSES = ("draft", "submitted", "eligible", "ineligible", "in-review", "awarded", "rejected", "withdrawn")
DECIDED = frozenset({"awarded", "rejected"})
WITHDRAWABLE = frozenset({"draft", "submitted", "eligible", "ineligible", "in-review"})
CO_APPLICANT_ROLES: dict[str, str] = {
    "social-economy-enterprise": "sociale-economieonderneming",
    "regular-enterprise": "reguliere onderneming",
    "knowledge-partner": "kennispartner",
    "other": "andere partner",
}
