"""After award, pure: the default payment plan (its split exact to the cent), the report due dates, which
tranches a report's approval makes payable, the checks on an edited plan and a submitted report, and which
reminders are due on a given day (the clock is a parameter: the worker passes the database's)."""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from shared.i18n import N_, _
from shared.problems import Conflict, Invalid


class TrancheKind(StrEnum):
    ADVANCE = "advance"
    INTERIM = "interim"
    BALANCE = "balance"


KIND_LABELS: dict[TrancheKind, str] = {TrancheKind.ADVANCE: N_("voorschot"),
                                       TrancheKind.INTERIM: N_("tussentijdse schijf"),
                                       TrancheKind.BALANCE: N_("saldo")}


class TrancheCondition(StrEnum):
    """What makes a tranche payable."""

    ON_AWARD = "on-award"
    AFTER_PROGRESS = "progress-report-approved"
    AFTER_FINAL = "final-report-approved"


CONDITIONS: dict[TrancheCondition, str] = {
    TrancheCondition.ON_AWARD: N_("bij de toekenning"),
    TrancheCondition.AFTER_PROGRESS: N_("na goedkeuring van het voortgangsrapport"),
    TrancheCondition.AFTER_FINAL: N_("na goedkeuring van het eindrapport")}


class TrancheStatus(StrEnum):
    PLANNED = "planned"
    PAYABLE = "payable"
    PAID = "paid"


TRANCHE_STATUS_LABELS: dict[TrancheStatus, str] = {TrancheStatus.PLANNED: N_("gepland"),
                                                   TrancheStatus.PAYABLE: N_("betaalbaar"),
                                                   TrancheStatus.PAID: N_("betaald")}


class ReportKind(StrEnum):
    PROGRESS = "progress"
    FINAL = "final"


REPORT_LABELS: dict[ReportKind, str] = {ReportKind.PROGRESS: N_("voortgangsrapport"),
                                        ReportKind.FINAL: N_("eindrapport")}


class ReportStatus(StrEnum):
    DUE = "due"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes-requested"


# A report is awaited while it is due or sent back; submitted and approved ones are not reminded.
OPEN_REPORTS = frozenset({ReportStatus.DUE, ReportStatus.CHANGES_REQUESTED})
REPORT_STATUS_LABELS: dict[ReportStatus, str] = {
    ReportStatus.DUE: N_("te bezorgen"), ReportStatus.SUBMITTED: N_("ingediend, wacht op beoordeling"),
    ReportStatus.APPROVED: N_("goedgekeurd"), ReportStatus.CHANGES_REQUESTED: N_("aanpassingen gevraagd")}
REVIEW_OUTCOMES = (ReportStatus.APPROVED, ReportStatus.CHANGES_REQUESTED)
"""What a call manager's review of a submitted report answers."""
CONDITION_OF_REPORT: dict[ReportKind, TrancheCondition] = {ReportKind.PROGRESS: TrancheCondition.AFTER_PROGRESS,
                                                           ReportKind.FINAL: TrancheCondition.AFTER_FINAL}


class ReminderKind(StrEnum):
    UPCOMING = "upcoming"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class AwardRule:
    """The call's rule for the plans of its awarded projects (defaults: 60 % advance, 40 % balance after
    the final report; progress report halfway, final report two months after the end; reminders 14 days
    before)."""

    advance_bp: int = 6000
    interim_bp: int = 0
    """A share paid after the progress report is approved; 0: no interim tranche."""
    progress_at_bp: int = 5000
    """When the progress report is due, as a share of the project's duration."""
    final_months_after_end: int = 2
    reminder_days_before: int = 14


RULE_LABELS: dict[str, str] = {
    "advance_bp": N_("Voorschot bij de toekenning (%)"),
    "interim_bp": N_("Tussentijdse schijf na het voortgangsrapport (%)"),
    "progress_at_bp": N_("Voortgangsrapport na dit deel van de looptijd (%)"),
    "final_months_after_end": N_("Eindrapport, maanden na het einde van het project"),
    "reminder_days_before": N_("Herinnering, dagen voor de vervaldag"),
}
"""What each field of the call's rule means, as the call manager reads it (the saldo is the rest)."""


def check_rule(rule: AwardRule) -> None:
    if not 0 <= rule.advance_bp <= 10000 or not 0 <= rule.interim_bp <= 10000:
        raise Invalid(_("het voorschot en de tussentijdse schijf liggen tussen 0 en 100 %"), field="advance_bp")
    if rule.advance_bp + rule.interim_bp > 10000:
        raise Invalid(_("voorschot en tussentijdse schijf samen mogen niet meer dan 100 % zijn; het saldo is de rest"),
                      field="interim_bp")
    if not 1 <= rule.progress_at_bp <= 9999:
        raise Invalid(_("het voortgangsrapport valt tijdens het project: tussen 0,01 % en 99,99 % van de looptijd"),
                      field="progress_at_bp")
    if not 0 <= rule.final_months_after_end <= 24:
        raise Invalid(_("het eindrapport is ten laatste 24 maanden na het einde van het project verschuldigd"),
                      field="final_months_after_end")
    if not 1 <= rule.reminder_days_before <= 365:
        raise Invalid(_("een herinnering gaat 1 tot 365 dagen voor de vervaldag uit"), field="reminder_days_before")


@dataclass(frozen=True)
class TrancheDraft:
    kind: TrancheKind
    amount_cents: int
    condition: TrancheCondition
    due_on: date | None


def split(awarded_cents: int, rule: AwardRule) -> list[tuple[TrancheKind, int, TrancheCondition]]:
    """(kind, amount, condition) per tranche; shares are rounded down to the cent and every remaining cent
    goes to the balance, so the tranches add up to exactly the awarded amount. A zero share is left out."""
    if awarded_cents <= 0:
        raise Conflict(_("er is geen toegekend bedrag om uit te betalen"))
    advance = awarded_cents * rule.advance_bp // 10000
    interim = awarded_cents * rule.interim_bp // 10000
    balance = awarded_cents - advance - interim
    shares = [(TrancheKind.ADVANCE, advance, TrancheCondition.ON_AWARD),
              (TrancheKind.INTERIM, interim, TrancheCondition.AFTER_PROGRESS),
              (TrancheKind.BALANCE, balance, TrancheCondition.AFTER_FINAL)]
    return [share for share in shares if share[1] > 0]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 January + 1 month = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Schedule:
    starts_on: date
    ends_on: date
    progress_due_on: date
    final_due_on: date


def schedule(starts_on: date, duration_months: int, rule: AwardRule) -> Schedule:
    """The project runs `duration_months` from its start; the progress report is due at `progress_at_bp` of
    that span (in days, rounded down), the final report `final_months_after_end` months after the end."""
    if duration_months < 1:
        raise Invalid(_("de looptijd van het project is minstens één maand"), field="duration_months")
    ends_on = add_months(starts_on, duration_months)
    progress = starts_on + timedelta(days=(ends_on - starts_on).days * rule.progress_at_bp // 10000)
    return Schedule(starts_on, ends_on, progress, add_months(ends_on, rule.final_months_after_end))


def default_plan(awarded_cents: int, dates: Schedule, rule: AwardRule) -> list[TrancheDraft]:
    due = {TrancheCondition.ON_AWARD: dates.starts_on, TrancheCondition.AFTER_PROGRESS: dates.progress_due_on,
           TrancheCondition.AFTER_FINAL: dates.final_due_on}
    return [TrancheDraft(kind, amount, condition, due[condition])
            for kind, amount, condition in split(awarded_cents, rule)]


def tranche_status(condition: TrancheCondition, approved_reports: Collection[ReportKind]) -> TrancheStatus:
    """An unpaid tranche is payable once its condition is met."""
    if condition == TrancheCondition.ON_AWARD:
        return TrancheStatus.PAYABLE
    met = {CONDITION_OF_REPORT[kind] for kind in approved_reports}
    return TrancheStatus.PAYABLE if condition in met else TrancheStatus.PLANNED


@dataclass(frozen=True)
class TrancheState:
    """A tranche as it stands, for checking an edit; a proposed one carries the kind and condition as the
    request gave them, which `check_edit` checks."""

    id: str
    kind: str
    amount_cents: int
    condition: str
    due_on: date | None
    status: str


def check_edit(awarded_cents: int, current: Iterable[TrancheState], proposed: list[TrancheState]) -> None:
    """A call manager's new list of tranches: paid tranches stay exactly as they were; kinds and conditions
    are known; amounts are positive; at most one balance; the total is exactly the awarded amount."""
    by_id = {t.id: t for t in current}
    proposed_ids = [t.id for t in proposed if t.id]
    if len(proposed_ids) != len(set(proposed_ids)):
        raise Invalid(_("een schijf staat twee keer in het plan"), field="tranches")
    for tranche in by_id.values():
        if tranche.status == TrancheStatus.PAID:
            kept = next((t for t in proposed if t.id == tranche.id), None)
            if kept is None or (kept.kind, kept.amount_cents, kept.condition) != (
                    tranche.kind, tranche.amount_cents, tranche.condition):
                raise Conflict(_("het %(tranche)s van %(amount)s cent is al betaald en kan niet meer wijzigen of "
                                 "wegvallen") % {"tranche": _(KIND_LABELS[TrancheKind(tranche.kind)]),
                                                 "amount": tranche.amount_cents}, tranche_id=tranche.id)
    unknown = [t.id for t in proposed if t.id and t.id not in by_id]
    if unknown:
        raise Invalid(_("het plan noemt een schijf die niet bij deze toekenning hoort"), tranche_ids=unknown)
    if not proposed:
        raise Invalid(_("een betalingsplan heeft minstens één schijf"), field="tranches")
    for position, tranche in enumerate(proposed, start=1):
        if tranche.kind not in KIND_LABELS:
            raise Invalid(_("schijf %(position)s: onbekende soort %(kind)r; toegelaten: %(allowed)s")
                          % {"position": position, "kind": tranche.kind, "allowed": ", ".join(TrancheKind)},
                          field="kind")
        if tranche.condition not in CONDITIONS:
            raise Invalid(_("schijf %(position)s: onbekende voorwaarde %(condition)r; toegelaten: %(allowed)s")
                          % {"position": position, "condition": tranche.condition, "allowed": ", ".join(CONDITIONS)},
                          field="condition")
        if tranche.amount_cents <= 0:
            raise Invalid(_("schijf %(position)s: het bedrag moet groter dan nul zijn") % {"position": position},
                          field="amount_cents")
    if sum(1 for t in proposed if t.kind == TrancheKind.BALANCE) > 1:
        raise Invalid(_("een betalingsplan heeft hoogstens één saldo"), field="kind")
    total = sum(t.amount_cents for t in proposed)
    if total != awarded_cents:
        raise Invalid(_("de schijven tellen op tot %(total)s cent, het toegekende bedrag is %(awarded)s cent: pas "
                        "de bedragen aan (%(difference)s cent)")
                      % {"total": total, "awarded": awarded_cents,
                         "difference": f"{'+' if awarded_cents > total else '-'}{abs(awarded_cents - total)}"},
                      total_cents=total, awarded_cents=awarded_cents)


@dataclass(frozen=True)
class IndicatorDraft:
    name: str
    unit: str
    target: Decimal


def parse_decimal(raw: str, what: str) -> Decimal:
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise Invalid(_("%(what)s: %(raw)r is geen getal") % {"what": what, "raw": raw}, field=what) from None
    if not value.is_finite():
        raise Invalid(_("%(what)s: %(raw)r is geen getal") % {"what": what, "raw": raw}, field=what)
    return value


def check_indicators(indicators: list[IndicatorDraft]) -> None:
    names = [i.name.strip().lower() for i in indicators]
    if any(not name for name in names):
        raise Invalid(_("elke indicator heeft een naam"), field="name")
    if len(set(names)) != len(names):
        raise Invalid(_("twee indicatoren hebben dezelfde naam"), field="name")
    if any(i.target < 0 for i in indicators):
        raise Invalid(_("een streefwaarde is nul of meer"), field="target")


def check_report(indicator_ids: Collection[str], values: dict[str, Decimal], narrative: str) -> None:
    """A value for every indicator of the project, no value for another, and a narrative."""
    missing = sorted(set(indicator_ids) - set(values))
    if missing:
        raise Invalid(_("geef een waarde voor elke indicator van het project"), indicator_ids=missing)
    extra = sorted(set(values) - set(indicator_ids))
    if extra:
        raise Invalid(_("een waarde hoort bij een indicator die dit project niet heeft"), indicator_ids=extra)
    if not narrative.strip():
        raise Invalid(_("licht de voortgang toe in een verslag (narrative)"), field="narrative")


def check_submittable(kind: ReportKind, status: ReportStatus, progress_status: ReportStatus | None) -> None:
    if status == ReportStatus.APPROVED:
        raise Conflict(_("het %(report)s is al goedgekeurd") % {"report": _(REPORT_LABELS[kind])}, status_now=status)
    if status == ReportStatus.SUBMITTED:
        raise Conflict(_("het %(report)s wacht op beoordeling; u kunt het weer aanpassen als de dienst om "
                         "wijzigingen vraagt") % {"report": _(REPORT_LABELS[kind])}, status_now=status)
    if kind == ReportKind.FINAL and progress_status not in (None, ReportStatus.SUBMITTED, ReportStatus.APPROVED):
        raise Conflict(_("dien eerst het voortgangsrapport in"), progress_status=progress_status)


def check_review(status: ReportStatus, outcome: str, reasons: str) -> ReportStatus:
    """The report's status after the review (`outcome` as the request gave it); else 422 or 409."""
    if outcome not in REVIEW_OUTCOMES:
        raise Invalid(_("onbekende beoordeling %(outcome)r; toegelaten: %(allowed)s")
                      % {"outcome": outcome, "allowed": ", ".join(REVIEW_OUTCOMES)}, field="outcome")
    if status != ReportStatus.SUBMITTED:
        raise Conflict(_("enkel een ingediend rapport kan beoordeeld worden"), status_now=status)
    if outcome == ReportStatus.CHANGES_REQUESTED and not reasons.strip():
        raise Invalid(_("zeg welke wijzigingen nodig zijn (reasons)"), field="reasons")
    return ReportStatus(outcome)


def check_payment(status: TrancheStatus, kind: TrancheKind, reference: str) -> None:
    if status == TrancheStatus.PAID:
        raise Conflict(_("het %(tranche)s is al betaald") % {"tranche": _(KIND_LABELS[kind])}, status_now=status)
    if status != TrancheStatus.PAYABLE:
        raise Conflict(_("het %(tranche)s is nog niet betaalbaar: de voorwaarde is niet vervuld")
                       % {"tranche": _(KIND_LABELS[kind])}, status_now=status)
    if not reference.strip():
        raise Invalid(_("geef de referentie van de betaling"), field="payment_reference")


# --- reminders --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwaitedReport:
    report_id: str
    status: ReportStatus
    due_on: date
    reminder_days_before: int


def due_reminders(reports: Iterable[AwaitedReport], today: date,
                  sent: Collection[tuple[str, str]]) -> list[tuple[str, ReminderKind]]:
    """(report id, reminder kind) for each awaited report that needs a reminder today and has not had
    that kind yet: UPCOMING from `reminder_days_before` days before the due date up to the due date itself,
    OVERDUE from the day after. A report first seen when it is already overdue gets only the overdue one."""
    due: list[tuple[str, ReminderKind]] = []
    for report in reports:
        if report.status not in OPEN_REPORTS:
            continue
        if today > report.due_on:
            kind = ReminderKind.OVERDUE
        elif today >= report.due_on - timedelta(days=report.reminder_days_before):
            kind = ReminderKind.UPCOMING
        else:
            continue
        if (report.report_id, kind) not in sent:
            due.append((report.report_id, kind))
    return due


def reminder_text(kind: ReminderKind, report_kind: ReportKind, title: str, due_on: str,
                  province: str) -> tuple[str, str]:
    """(subject, body) of a reminder, in the current language. `due_on` is already written out ("22 november
    2026")."""
    values = {"report": _(REPORT_LABELS[report_kind]), "title": title, "due_on": due_on, "province": province}
    if kind == ReminderKind.UPCOMING:
        subject = _("Herinnering: het %(report)s van «%(title)s» is verschuldigd op %(due_on)s") % values
        lead = _("Wij herinneren u eraan dat het %(report)s van uw project «%(title)s» verschuldigd is op "
                 "%(due_on)s.") % values
    else:
        subject = _("Het %(report)s van «%(title)s» is te laat (verschuldigd op %(due_on)s)") % values
        lead = _("Wij herinneren u eraan dat het %(report)s van uw project «%(title)s» verschuldigd was op "
                 "%(due_on)s en nog niet (opnieuw) werd ingediend. Een schijf die aan dit rapport hangt, kan pas "
                 "betaald worden na goedkeuring ervan.") % values
    body = "\n\n".join([
        _("Beste,"), lead,
        _("U dient het rapport in via het Regie-portaal, bij uw project: de waarde per indicator, een toelichting "
          "en eventueel een bijlage."),
        _("Met vriendelijke groeten,\nDe %(province)s") % values])
    return subject, body


# --- what a refused write means to a person -------------------------------------------------------------

CONSTRAINT_REASONS: dict[str, str] = {
    # {constraint or unique index: the Dutch reason}: the loser of two concurrent requests is answered 409 with
    # this (services.grants.app gathers every capability's; shared.problems answers).
    "award_rules_pkey": N_("de uitbetalingsregel van deze oproep werd tegelijk al vastgelegd; laad ze opnieuw en pas "
                           "ze aan op de versie die u dan ziet"),
    "ck_award_rules_shares": N_("het voorschot en de tussentijdse schijf samen zijn meer dan 100 %"),
    "award_plans_pkey": N_("het betalingsplan van dit project werd tegelijk al opgemaakt; laad het opnieuw"),
    "uq_award_reports_kind": N_("dit rapport bestaat al voor dit project"),
    "uq_report_reminders_once": N_("deze herinnering werd al verstuurd"),
    "ck_tranches_positive": N_("een schijf moet een bedrag groter dan 0 hebben"),
    "ck_tranches_paid_on": N_("een betaalde schijf vraagt de datum van betaling"),
}
