"""Realisations' pure rules: the value as typed, the plan's period and status, one per indicator and year, and
which moves the review allows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.partners.plans.rules import Feed, PlanStatus
from services.partners.realisations import rules
from services.partners.realisations.rules import RealisationStatus
from shared.problems import Conflict, Invalid


@pytest.mark.parametrize("typed,value", [("108", "108.000"), ("12,5", "12.500"), (" 1 234,25 ", "1234.250"),
                                         ("-3", "-3.000"), ("0.001", "0.001")])
def test_a_value_is_read_as_people_type_it(typed: str, value: str) -> None:
    assert rules.parse_value(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["", "veel", "1.2345", "NaN", "Infinity", "1e20", "12,5,0"])
def test_a_value_that_is_no_number_or_too_precise_is_refused_on_its_field(typed: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.parse_value(typed)
    assert refused.value.extensions["field"] == "value"


def test_only_the_plan_s_years_take_a_realisation() -> None:
    rules.check_year(2025, date(2025, 3, 1), date(2027, 2, 28))
    rules.check_year(2027, date(2025, 3, 1), date(2027, 2, 28))
    for year in (2024, 2028):
        with pytest.raises(Invalid, match="buiten de looptijd"):
            rules.check_year(year, date(2025, 3, 1), date(2027, 2, 28))


def test_a_counted_indicator_takes_no_realisation() -> None:
    rules.check_entered(Feed.ENTERED)
    with pytest.raises(Invalid, match="wordt geteld uit gebeurtenissen"):
        rules.check_entered(Feed.COUNTED)


@pytest.mark.parametrize("status", list(PlanStatus))
def test_only_a_signed_or_running_plan_takes_realisations(status: PlanStatus) -> None:
    if status in (PlanStatus.SIGNED, PlanStatus.ACTIVE):
        rules.check_plan_open(status)
    else:
        with pytest.raises(Conflict):
            rules.check_plan_open(status)


def test_one_realisation_per_indicator_and_year() -> None:
    rules.check_new(None)
    with pytest.raises(Conflict, match="al goedgekeurd"):
        rules.check_new(RealisationStatus.APPROVED)
    for status in (RealisationStatus.SUBMITTED, RealisationStatus.SENT_BACK):
        with pytest.raises(Conflict, match="corrigeer"):
            rules.check_new(status)


def test_only_a_submitted_one_is_reviewed_and_an_approved_one_is_final() -> None:
    rules.check_decidable(RealisationStatus.SUBMITTED)
    for status in (RealisationStatus.APPROVED, RealisationStatus.SENT_BACK):
        with pytest.raises(Conflict):
            rules.check_decidable(status)
    rules.check_correctable(RealisationStatus.SENT_BACK)
    rules.check_correctable(RealisationStatus.SUBMITTED)
    with pytest.raises(Conflict):
        rules.check_correctable(RealisationStatus.APPROVED)


def test_sending_back_needs_reasons() -> None:
    assert rules.check_reasons("  Het bewijs ontbreekt. ") == "Het bewijs ontbreekt."
    with pytest.raises(Invalid) as refused:
        rules.check_reasons(" \n")
    assert refused.value.extensions["field"] == "reasons"
