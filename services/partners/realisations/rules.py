"""A realisation's lifecycle: entered (submitted), then approved by a coordinator or sent back with reasons;
a sent-back realisation is corrected and submitted again. An approved one is final."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from services.partners.plans.rules import STATUSES as PLAN_STATUSES
from services.partners.plans.rules import Feed, PlanStatus
from shared.i18n import N_, _
from shared.problems import Conflict, Invalid


class RealisationStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SENT_BACK = "sent-back"


STATUSES: dict[RealisationStatus, str] = {
    RealisationStatus.SUBMITTED: N_("ingediend"),
    RealisationStatus.APPROVED: N_("goedgekeurd"),
    RealisationStatus.SENT_BACK: N_("teruggestuurd"),
}


CONSTRAINT_REASONS: dict[str, str] = {
    "uq_realisations_indicator_year": N_("voor deze indicator is er voor dat jaar al een realisatie; corrigeer die"),
}
"""The Dutch reason of a write the database refused (two first entries for one indicator and year at once)."""

OPEN_PLAN_STATUSES = frozenset({PlanStatus.SIGNED, PlanStatus.ACTIVE})
"""Realisations are entered for a plan that is signed or running, not for a draft or an ended one."""

MAX_VALUE = Decimal("9999999999999")
PLACES = Decimal("0.001")


def parse_value(text: str) -> Decimal:
    """A realisation's value: a decimal string with at most three decimals ("108", "12.5", "12,5")."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        raise Invalid(_("%(text)s is geen getal (bv. 108 of 12,5)") % {"text": repr(text)}, field="value") from None
    if not value.is_finite():
        raise Invalid(_("%(text)s is geen getal (bv. 108 of 12,5)") % {"text": repr(text)}, field="value")
    if value != value.quantize(PLACES):
        raise Invalid(_("een waarde heeft hoogstens drie cijfers na de komma"), field="value")
    if abs(value) > MAX_VALUE:
        raise Invalid(_("deze waarde is te groot"), field="value")
    return value.quantize(PLACES)


def check_entered(feed: Feed) -> None:
    if feed == Feed.COUNTED:
        raise Invalid(_("deze indicator wordt geteld uit gebeurtenissen: er wordt geen realisatie voor ingevuld"),
                      field="indicator")


def check_year(year: int, starts_on: date, ends_on: date) -> None:
    if not starts_on.year <= year <= ends_on.year:
        raise Invalid(_("%(year)s valt buiten de looptijd van de overeenkomst (%(start)s–%(end)s)")
                      % {"year": year, "start": starts_on.year, "end": ends_on.year}, field="year")


def check_plan_open(status: PlanStatus) -> None:
    if status not in OPEN_PLAN_STATUSES:
        raise Conflict(_("de overeenkomst is %(status)s: realisaties worden enkel ingediend voor een ondertekende "
                         "of lopende overeenkomst") % {"status": _(PLAN_STATUSES[status])}, status=status.value)


def check_new(existing: RealisationStatus | None) -> None:
    """One realisation per indicator and year: a second entry is refused (an approved one is final; any other
    is corrected instead)."""
    if existing == RealisationStatus.APPROVED:
        raise Conflict(_("de realisatie voor dit jaar is al goedgekeurd"))
    if existing is not None:
        raise Conflict(_("voor dit jaar is er al een realisatie (%(status)s); corrigeer die")
                       % {"status": _(STATUSES[existing])},
                       status=existing.value)


def check_correctable(status: RealisationStatus) -> None:
    if status == RealisationStatus.APPROVED:
        raise Conflict(_("een goedgekeurde realisatie wordt niet meer gewijzigd"))


def check_decidable(status: RealisationStatus) -> None:
    """Approve or send back: only what is submitted and waits for review."""
    if status != RealisationStatus.SUBMITTED:
        raise Conflict(_("deze realisatie is %(status)s: enkel een ingediende wordt beoordeeld")
                       % {"status": _(STATUSES[status])},
                       status=status.value)


def check_reasons(reasons: str) -> str:
    cleaned = reasons.strip()
    if not cleaned:
        raise Invalid(_("geef de redenen waarom u de realisatie terugstuurt"), field="reasons")
    return cleaned
