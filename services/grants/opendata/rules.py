"""Awarded grants as a 360Giving Data Standard package (schema 1.4), pure.

Identifiers: a grant is `360G-regie-<tenant>-<application id>` (our 360Giving prefix is "360G-regie-"; the
application id is unique in our records). A recipient organisation is `BE-BCE_KBO-<enterprise number>`, the
Belgian register's org-id scheme. A province has no enterprise number known to Regie, so the funder gets a
made-up identifier that never changes: `360G-regie-org-<tenant>` (e.g. 360G-regie-org-oost-vlaanderen).
Amounts are euros as JSON numbers with two decimals (encode Decimals as numbers), currency EUR.

Dates go out as full date-times (the decision date at midnight, Europe/Brussels). The schema allows
"YYYY-MM-DD" too, but as `oneOf` a date pattern and `format: date-time`; a validator that does not enforce
formats (jsonschema without rfc3339-validator) then finds a plain date valid under both branches and refuses
it. A date-time matches exactly one branch under every validator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from shared.portal.formats import BRUSSELS

PREFIX = "360G-regie-"
SCHEMA_VERSION = "1.4"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class AwardedGrant:
    tenant: str
    application_id: str
    title: str
    summary: str
    requested_cents: int
    amount_cents: int
    decided_on: date
    duration_months: int
    applicant_name: str
    applicant_enterprise_number: str
    co_applicants: Sequence[tuple[str, str]]  # (name, enterprise number)
    call_id: str
    call_title: str
    decision_reference: str


def grant_id(tenant: str, application_id: str) -> str:
    return f"{PREFIX}{tenant}-{application_id}"


def funder_id(tenant: str) -> str:
    return f"{PREFIX}org-{tenant}"


def organisation_id(enterprise_number: str) -> str:
    return f"BE-BCE_KBO-{enterprise_number}"


def euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def midnight(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=BRUSSELS).isoformat()


def grant(row: AwardedGrant, province: str) -> dict[str, Any]:
    description = row.summary.strip() or row.title
    if row.co_applicants:
        description += " Samen met: " + ", ".join(f"{name} ({organisation_id(number)})"
                                                  for name, number in row.co_applicants) + "."
    return {
        "id": grant_id(row.tenant, row.application_id),
        "title": row.title,
        "description": description,
        "currency": "EUR",
        "amountAppliedFor": euros(row.requested_cents),
        "amountAwarded": euros(row.amount_cents),
        "awardDate": midnight(row.decided_on),
        # No start date is asked of applicants: the project may start from the award date.
        "plannedDates": [{"startDate": midnight(row.decided_on), "duration": row.duration_months}],
        "recipientOrganization": [{"id": organisation_id(row.applicant_enterprise_number),
                                   "name": row.applicant_name}],
        "fundingOrganization": [{"id": funder_id(row.tenant), "name": province}],
        "grantProgramme": [{"code": f"{PREFIX}{row.tenant}-call-{row.call_id}", "title": row.call_title}],
        "fromOpenCall": "Yes",
    }


def package(tenant: str, province: str, rows: Sequence[AwardedGrant], issued: datetime) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "title": f"Toegekende projectsubsidies sociale economie, {province}",
        "description": f"Alle subsidies die de {province} toekende via projectoproepen in Regie.",
        "identifier": f"{PREFIX}{tenant}-grants",
        "issued": issued.isoformat(),
        "modified": issued.isoformat(),
        "publisher": {"identifier": funder_id(tenant), "name": province},
        "license": LICENCE,
        "grants": [grant(row, province) for row in rows],
    }
