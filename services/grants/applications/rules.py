"""The application lifecycle, what a draft may hold, and the frozen snapshot; independent of storage."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from shared.i18n import N_, _


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    IN_REVIEW = "in-review"
    AWARDED = "awarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: dict[ApplicationStatus, str] = {
    ApplicationStatus.DRAFT: N_("in voorbereiding"),
    ApplicationStatus.SUBMITTED: N_("ingediend"),
    ApplicationStatus.ELIGIBLE: N_("ontvankelijk"),
    ApplicationStatus.INELIGIBLE: N_("niet ontvankelijk"),
    ApplicationStatus.IN_REVIEW: N_("in beoordeling"),
    ApplicationStatus.AWARDED: N_("toegekend"),
    ApplicationStatus.REJECTED: N_("afgewezen"),
    ApplicationStatus.WITHDRAWN: N_("ingetrokken"),
}
DECIDED = frozenset({ApplicationStatus.AWARDED, ApplicationStatus.REJECTED})
WITHDRAWABLE = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE,
                          ApplicationStatus.INELIGIBLE, ApplicationStatus.IN_REVIEW})


class CoApplicantRole(StrEnum):
    SOCIAL_ECONOMY_ENTERPRISE = "social-economy-enterprise"
    REGULAR_ENTERPRISE = "regular-enterprise"
    KNOWLEDGE_PARTNER = "knowledge-partner"
    OTHER = "other"


CO_APPLICANT_ROLES: dict[CoApplicantRole, str] = {
    CoApplicantRole.SOCIAL_ECONOMY_ENTERPRISE: N_("sociale-economieonderneming"),
    CoApplicantRole.REGULAR_ENTERPRISE: N_("reguliere onderneming"),
    CoApplicantRole.KNOWLEDGE_PARTNER: N_("kennispartner"),
    CoApplicantRole.OTHER: N_("andere partner"),
}
AGREED_FIELDS = ("title", "summary", "requested_cents", "total_cost_cents", "duration_months", "budget_lines")
"""What a co-applicant confirms, besides who the partners are and their roles: a change to any of these
(or to the partnership) cancels every confirmation given so far. Attachments do not: they document the
project, the confirmed terms define it."""
OTHER_ATTACHMENTS = "other"
"""Code for extra attachments a call does not require (accepted types: every document type)."""
SNAPSHOT_FORMAT = 1


def draft_problems(*, title: str, requested_cents: int, total_cost_cents: int, duration_months: int,
                   budget_lines: Sequence[Mapping[str, Any]]) -> list[str]:
    """What a draft may never hold (whether it meets the call is screening's question)."""
    problems = []
    if not title.strip():
        problems.append(_("de titel van het project is verplicht"))
    if requested_cents < 0 or total_cost_cents < 0:
        problems.append(_("bedragen kunnen niet negatief zijn"))
    if not 1 <= duration_months <= 120:
        problems.append(_("de looptijd ligt tussen 1 en 120 maanden"))
    for number, line in enumerate(budget_lines, start=1):
        if not str(line.get("description", "")).strip():
            problems.append(_("begrotingslijn %(number)s heeft geen omschrijving") % {"number": number})
        if int(line.get("amount_cents", 0)) < 0:
            problems.append(_("begrotingslijn %(number)s: het bedrag kan niet negatief zijn") % {"number": number})
    return problems


def agreed_terms_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return any(before.get(name) != after.get(name) for name in AGREED_FIELDS)


def unconfirmed(co_applicants: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of co-applicants that have not confirmed, in the order given."""
    return [c["name"] for c in co_applicants if not c.get("confirmed_at")]


def canonical_json(value: Any) -> bytes:
    """One byte string per value: keys sorted, no insignificant whitespace, UTF-8. Only strings, integers,
    booleans, null, lists and objects: money is in cents, times are ISO strings, so no float ever varies."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def content_hash(snapshot: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def snapshot(*, application: Mapping[str, Any], co_applicants: Sequence[Mapping[str, Any]],
             attachments: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What was submitted: the application's content, its partners with their confirmations and its
    attachments by content hash, in a stable order (the hash must not depend on insertion order)."""
    return {
        "format": SNAPSHOT_FORMAT,
        **{key: application[key] for key in ("application_id", "call_id", "applicant", *AGREED_FIELDS)},
        "co_applicants": sorted((dict(c) for c in co_applicants), key=lambda c: c["enterprise_number"]),
        "attachments": sorted((dict(a) for a in attachments), key=lambda a: (a["code"], a["id"])),
    }


# --- what a refused write means to a person -------------------------------------------------------------

CONSTRAINT_REASONS: dict[str, str] = {
    # {constraint or unique index: the Dutch reason}: the loser of two concurrent requests is answered 409 with
    # this (services.grants.app gathers every capability's; shared.problems answers).
    "uq_co_applicants_number": N_("deze onderneming staat al als mede-aanvrager op de aanvraag (tegelijk "
                                  "toegevoegd); laad de aanvraag opnieuw"),
    "uq_attachments_idempotency_key": N_("deze bijlage werd al ontvangen onder dezelfde Idempotency-Key; laad de "
                                         "aanvraag opnieuw"),
}
