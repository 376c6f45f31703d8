"""Decisions, letters and appeals, pure: the appeal period, the appeal lifecycle, and what a decision letter
says (its Dutch text, built here; letters.py only lays it out)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from services.grants.applications.rules import ApplicationStatus
from shared.i18n import N_, _
from shared.portal.formats import day
from shared.portal.formats import euros as euro
from shared.portal.formats import fixed as number
from shared.problems import Conflict, Invalid


class Outcome(StrEnum):
    """What the decision says of one application; the application takes the status of the same name."""

    AWARDED = ApplicationStatus.AWARDED.value
    REJECTED = ApplicationStatus.REJECTED.value


class AppealStatus(StrEnum):
    RECEIVED = "received"
    UNDER_REVIEW = "under-review"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


APPEAL_LABELS: dict[AppealStatus, str] = {
    AppealStatus.RECEIVED: N_("ontvangen"), AppealStatus.UNDER_REVIEW: N_("in behandeling"),
    AppealStatus.UPHELD: N_("gegrond"), AppealStatus.DISMISSED: N_("ongegrond")}
APPEAL_TRANSITIONS: dict[AppealStatus, frozenset[AppealStatus]] = {
    AppealStatus.RECEIVED: frozenset({AppealStatus.UNDER_REVIEW}),
    AppealStatus.UNDER_REVIEW: frozenset({AppealStatus.UPHELD, AppealStatus.DISMISSED}),
    AppealStatus.UPHELD: frozenset(),
    AppealStatus.DISMISSED: frozenset(),
}
OPEN_APPEALS = frozenset({AppealStatus.RECEIVED, AppealStatus.UNDER_REVIEW})
HANDLED_APPEALS = frozenset({AppealStatus.UPHELD, AppealStatus.DISMISSED})
"""The final answers to an appeal: each needs its reasons."""


class Involvement(StrEnum):
    """How a person relates to an application (see `involvement`)."""

    APPLICANT = "applicant"
    CO_APPLICANT = "co-applicant"
    MANAGER = "manager"


def appeal_last_day(notified_on: date, appeal_days: int) -> date:
    """The last day an appeal is accepted: `appeal_days` calendar days after the notification (the Brussels
    date the decision was published to its applicants, by the database clock), as the letter says. Not the
    decision's own date, which the call manager enters and may lie in the past."""
    return notified_on + timedelta(days=appeal_days)


def check_appeal_in_time(today: date, notified_on: date, appeal_days: int) -> None:
    last = appeal_last_day(notified_on, appeal_days)
    if today > last:
        raise Conflict(_("de beroepstermijn van %(days)s dagen is verstreken: de laatste dag om beroep aan te "
                         "tekenen was %(last)s") % {"days": appeal_days, "last": day(last)}, last_day=last.isoformat())


def check_appeal_transition(current: AppealStatus, target: str, reasons: str) -> AppealStatus:
    """The status an appeal may move to from `current` (`target` as the request gave it); else 422 or 409."""
    if target not in APPEAL_LABELS:
        raise Invalid(_("onbekende status %(status)r; toegelaten: %(allowed)s")
                      % {"status": target, "allowed": ", ".join(AppealStatus)}, field="status")
    status = AppealStatus(target)
    if status not in APPEAL_TRANSITIONS[current]:
        raise Conflict(_("een beroep dat %(current)s is, kan niet naar '%(target)s'")
                       % {"current": _(APPEAL_LABELS[current]), "target": _(APPEAL_LABELS[status])}, status_now=current)
    if status in HANDLED_APPEALS and not reasons.strip():
        raise Invalid(_("een beslissing over het beroep vraagt een motivering"), field="reasons")
    return status


# --- the letter -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionReason:
    position: int
    name: str
    weight: Decimal
    max_score: int
    threshold: Decimal | None
    score: Decimal | None
    justification: str


@dataclass(frozen=True)
class LetterContent:
    province: str
    reference: str
    decided_on: date
    notified_on: date
    """The date of this letter, the notification: the appeal period runs from it."""
    call_title: str
    legal_basis: str
    applicant_name: str
    applicant_enterprise_number: str
    application_id: str
    application_title: str
    requested_cents: int
    outcome: Outcome
    amount_cents: int
    rank: int | None
    ranked_count: int
    total: Decimal | None
    appeal_days: int
    funding_rule: str
    criteria: list[CriterionReason] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    ineligible: bool = False
    max_per_project_cents: int | None = None
    deviations: list[str] = field(default_factory=list)
    """How the proposal decided on leaves the call's budget or published rules (Dutch sentences)."""
    deviation_reasons: str = ""

    @property
    def appeal_last_day(self) -> date:
        return appeal_last_day(self.notified_on, self.appeal_days)

    def subject(self) -> str:
        verdict = "toekenning" if self.outcome == Outcome.AWARDED else "afwijzing"
        return f"Beslissing {self.reference}: {verdict} van uw aanvraag «{self.application_title}»"

    def decision_paragraph(self) -> str:
        capped = self.max_per_project_cents is not None and self.max_per_project_cents < self.requested_cents
        if self.outcome == Outcome.AWARDED and capped and self.amount_cents == self.max_per_project_cents:
            return (f"Met het besluit {self.reference} van {day(self.decided_on)} kent de {self.province} uw project "
                    f"«{self.application_title}» een subsidie toe van {euro(self.amount_cents)}. U vroeg "
                    f"{euro(self.requested_cents)}: de oproep kent ten hoogste {euro(self.amount_cents)} per project "
                    "toe.")
        if self.outcome == Outcome.AWARDED and self.amount_cents < self.requested_cents:
            return (f"Met het besluit {self.reference} van {day(self.decided_on)} kent de {self.province} uw project "
                    f"«{self.application_title}» een subsidie toe van {euro(self.amount_cents)}. U vroeg "
                    f"{euro(self.requested_cents)}: het project wordt gedeeltelijk gefinancierd met het budget dat "
                    "na de hoger gerangschikte projecten overbleef.")
        if self.outcome == Outcome.AWARDED:
            return (f"Met het besluit {self.reference} van {day(self.decided_on)} kent de {self.province} uw project "
                    f"«{self.application_title}» een subsidie toe van {euro(self.amount_cents)}, het volledige "
                    "gevraagde bedrag.")
        return (f"Met het besluit {self.reference} van {day(self.decided_on)} wijst de {self.province} uw aanvraag "
                f"«{self.application_title}» ({euro(self.requested_cents)} gevraagd) af. U leest hieronder waarom.")

    def ranking_paragraph(self) -> str:
        if self.ineligible:
            return "Uw aanvraag werd niet tot de beoordeling door de jury toegelaten (zie de redenen hieronder)."
        if self.rank is None:
            shown = f" Uw gewogen totaal bedroeg {number(self.total)} op 100." if self.total is not None else ""
            return f"Uw aanvraag werd niet gerangschikt.{shown}"
        if self.total is None:
            raise ValueError(f"application {self.application_id} has a rank but no weighted total")
        return (f"Uw aanvraag staat op rang {self.rank} van {self.ranked_count} gerangschikte aanvragen, met een "
                f"gewogen totaal van {number(self.total)} op 100.")

    def appeal_paragraph(self) -> str:
        return (f"Bent u het niet eens met deze beslissing, dan kunt u binnen {self.appeal_days} dagen na de "
                f"kennisgeving beroep aantekenen bij de deputatie van de {self.province}, uiterlijk op "
                f"{day(self.appeal_last_day)}. Dat kan in het Regie-portaal (bij uw aanvraag: «Beroep aantekenen») "
                f"of met een aangetekende brief aan de deputatie, met vermelding van de referentie {self.reference} "
                "en het dossiernummer. Vermeld waarom u de beslissing betwist. Uw beroep wordt ontvangen, "
                "onderzocht en gemotiveerd beantwoord.")


def justification_of(consensus_minutes: str | None, juror_justifications: list[str], limit: int = 600) -> str:
    """The consensus minutes when the chair recorded a consensus, else the jurors' own justifications
    (without names), shortened to `limit` characters."""
    if consensus_minutes:
        text = f"Consensus van de jury: {consensus_minutes.strip()}"
    elif juror_justifications:
        text = " / ".join(j.strip() for j in juror_justifications if j.strip())
    else:
        text = ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def involvement(*, username: str, enterprise_number: str | None, is_manager: bool, applicant_username: str,
                applicant_number: str, co_applicant_numbers: Collection[str]) -> Involvement | None:
    """How a person relates to an application: the applicant (the drafting person or the applicant
    organisation), a co-applicant, a manager, or None (they may not see it)."""
    if username == applicant_username or (enterprise_number and enterprise_number == applicant_number):
        return Involvement.APPLICANT
    if enterprise_number and enterprise_number in co_applicant_numbers:
        return Involvement.CO_APPLICANT
    return Involvement.MANAGER if is_manager else None


def screening_reasons(checks: list[dict[str, object]], manual_reasons: str) -> list[str]:
    """Why screening found an application ineligible, as the letter states it."""
    reasons = [f"Niet voldaan: {check.get('reason') or check.get('code')}" for check in checks
               if not check.get("passed", True)]
    if manual_reasons.strip():
        reasons.append(f"Beoordeling van de ontvankelijkheid door de dienst: {manual_reasons.strip()}")
    return reasons or ["De aanvraag werd bij de screening niet-ontvankelijk of niet-subsidiabel verklaard."]


# --- what a refused write means to a person -------------------------------------------------------------

CONSTRAINT_REASONS: dict[str, str] = {
    # {constraint or unique index: the Dutch reason}: the loser of two concurrent requests is answered 409 with
    # this (services.grants.app gathers every capability's; shared.problems answers).
    "uq_decisions_reference": N_("deze referentie is al gebruikt voor een ander besluit van de provincie; geef dit "
                                 "besluit zijn eigen referentie"),
    "decisions_call_id_key": N_("over deze oproep werd tegelijk al beslist; laad de oproep opnieuw"),
    "decision_lines_application_id_key": N_("over deze aanvraag werd al beslist"),
    "letters_pkey": N_("de beslissingsbrief van deze aanvraag werd al opgemaakt"),
    "uq_appeals_one_open": N_("er loopt al een beroep tegen deze beslissing (tegelijk ingediend); u volgt het op bij "
                              "de aanvraag"),
}
