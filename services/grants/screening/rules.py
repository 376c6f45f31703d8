"""Automatic eligibility checks, each with its reason in Dutch; independent of storage."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from services.grants.applications.rules import ApplicationStatus
from shared.i18n import N_
from shared.portal.formats import euros, percentage


class ScreeningResult(StrEnum):
    """A call manager's finding; the application takes the status of the same name."""

    ELIGIBLE = ApplicationStatus.ELIGIBLE.value
    INELIGIBLE = ApplicationStatus.INELIGIBLE.value


RESULTS: dict[ScreeningResult, str] = {ScreeningResult.ELIGIBLE: N_("ontvankelijk"),
                                       ScreeningResult.INELIGIBLE: N_("niet ontvankelijk")}
CHECK_LABELS: dict[str, str] = {
    "required_attachments": N_("verplichte bijlagen"), "maximum_per_project": N_("maximum per project"),
    "cofinancing": N_("cofinancieringsgraad"), "min_coapplicants": N_("aantal mede-aanvragers"),
    "social_economy_coapplicant": N_("sociale-economiepartner"),
}
"""Each automatic check (its `code`) as the call manager's screening page names it."""
SCREENABLE = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.INELIGIBLE})
"""Application states in which a call manager records (or corrects) the screening result."""


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class ScreeningFacts:
    required_attachments: Mapping[str, str]
    """code → label, as the call requires them."""
    attachment_codes: Collection[str]
    requested_cents: int
    total_cost_cents: int
    max_per_project_cents: int
    cofinancing_rate_bp: int
    co_applicants: Sequence[tuple[str, str]]
    """(enterprise number, name) of each co-applicant."""
    social_economy_numbers: Collection[str] = field(default_factory=frozenset)
    """Of those, the ones the partners registry (grants' read model) knows as social-economy enterprises."""
    social_economy_required: bool = False
    min_coapplicants: int = 0


def required_attachments(facts: ScreeningFacts) -> Check:
    missing = [label for code, label in facts.required_attachments.items() if code not in facts.attachment_codes]
    if missing:
        return Check("required_attachments", False, "ontbrekende verplichte bijlage(n): " + "; ".join(missing))
    return Check("required_attachments", True, "alle verplichte bijlagen zijn aanwezig")


def maximum_per_project(facts: ScreeningFacts) -> Check:
    if facts.requested_cents <= 0:
        return Check("maximum_per_project", False, "er is geen subsidiebedrag gevraagd")
    if facts.requested_cents > facts.max_per_project_cents:
        return Check("maximum_per_project", False,
                     f"het gevraagde bedrag {euros(facts.requested_cents)} is hoger dan het maximum van "
                     f"{euros(facts.max_per_project_cents)} per project")
    return Check("maximum_per_project", True,
                 f"het gevraagde bedrag {euros(facts.requested_cents)} blijft binnen het maximum van "
                 f"{euros(facts.max_per_project_cents)}")


def cofinancing(facts: ScreeningFacts) -> Check:
    # requested ≤ rate × total cost, in integers: requested × 10 000 ≤ rate_bp × total
    ceiling = facts.cofinancing_rate_bp * facts.total_cost_cents // 10_000
    if facts.total_cost_cents <= 0:
        return Check("cofinancing", False, "de totale projectkost ontbreekt")
    if facts.requested_cents * 10_000 > facts.cofinancing_rate_bp * facts.total_cost_cents:
        return Check("cofinancing", False,
                     f"de subsidie mag ten hoogste {percentage(facts.cofinancing_rate_bp)} van de totale kost "
                     f"({euros(facts.total_cost_cents)}) dekken, dus {euros(ceiling)}; gevraagd is "
                     f"{euros(facts.requested_cents)}")
    return Check("cofinancing", True,
                 f"het gevraagde bedrag blijft binnen {percentage(facts.cofinancing_rate_bp)} van de totale kost")


def minimum_co_applicants(facts: ScreeningFacts) -> Check:
    count = len(facts.co_applicants)
    if count < facts.min_coapplicants:
        return Check("min_coapplicants", False,
                     f"de oproep vraagt minstens {facts.min_coapplicants} mede-aanvrager(s); er zijn er {count}")
    return Check("min_coapplicants", True, f"{count} mede-aanvrager(s), minstens {facts.min_coapplicants} gevraagd")


def social_economy_co_applicant(facts: ScreeningFacts) -> Check:
    recognised = [name for number, name in facts.co_applicants if number in facts.social_economy_numbers]
    if not recognised:
        return Check("social_economy_coapplicant", False,
                     "geen enkele mede-aanvrager is in het partnerregister gekend als erkende "
                     "sociale-economieonderneming")
    return Check("social_economy_coapplicant", True,
                 "erkende sociale-economieonderneming onder de mede-aanvragers: " + ", ".join(recognised))


def automatic_checks(facts: ScreeningFacts) -> list[Check]:
    checks = [required_attachments(facts), maximum_per_project(facts), cofinancing(facts)]
    if facts.min_coapplicants > 0:
        checks.append(minimum_co_applicants(facts))
    if facts.social_economy_required:
        checks.append(social_economy_co_applicant(facts))
    return checks


# --- what a refused write means to a person -------------------------------------------------------------

CONSTRAINT_REASONS: dict[str, str] = {
    # {constraint or unique index: the Dutch reason}: the loser of two concurrent requests is answered 409 with
    # this (services.grants.app gathers every capability's; shared.problems answers).
    "screenings_pkey": N_("de screening van deze aanvraag werd tegelijk al vastgelegd; laad ze opnieuw"),
}
