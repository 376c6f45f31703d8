"""The call manager's call form, without a browser: what was typed becomes the call API's command (Brussels
local time with its offset, cents, basis points, criteria in row order), and what cannot be right is refused in
Dutch beside the field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.grants.calls.form import (
    brussels_instant,
    criterion_rows,
    form_of,
    parse_date,
    parse_percentage,
    parse_time,
    read_call,
    read_changes,
)
from services.grants.calls.schemas import CallOut, CriterionOut, Eligibility
from shared.portal.formats import FormatError
from shared.portal.forms import Form

COMPLETE = {
    "title": "Samen circulair bouwen", "total_budget": "250.000,00", "max_per_project": "50.000",
    "cofinancing": "62,5", "opens_date": "2027-03-01", "opens_time": "09:00", "closes_date": "2027-03-31",
    "closes_time": "17:00:30", "appeal_days": "30", "tie_1": "criterion:3", "tie_2": "submitted_at:asc",
    "crit_name_1": "Innovatie", "crit_weight_1": "60", "crit_max_1": "10",
    "crit_name_3": "Samenwerking", "crit_weight_3": "40", "crit_max_3": "10", "crit_threshold_3": "4,5",
    "att_code_1": "begroting", "att_label_1": "Gedetailleerde begroting", "att_type_1_pdf": "ja",
    "social_economy": "ja", "min_coapplicants": "1", "eligibility_rules": "Eerste regel\n\n Tweede regel ",
}


def stored_call(**terms: object) -> CallOut:
    """A draft as the call API returns it, with the given terms."""
    fields: dict[str, object] = {
        "id": uuid.uuid4(), "title": "Oproep", "status": "draft", "status_label": "in voorbereiding",
        "rules_text": "", "legal_basis": "", "aim": "", "total_budget_cents": 0, "max_per_project_cents": 0,
        "cofinancing_rate_bp": 10_000, "opens_at": None, "closes_at": None, "appeal_days": 30,
        "partial_funding": False, "partial_funding_min_bp": 5000, "spread_limit": Decimal("15"),
        "jurors_per_application": 3, "tie_break": [], "eligibility": Eligibility(), "required_attachments": [],
        "criteria": [], "published_at": None, "closed_at": None, "decided_at": None, "archived_at": None,
        "created_at": datetime(2027, 1, 1, tzinfo=UTC), "version": 1}
    return CallOut(**(fields | terms))  # type: ignore[arg-type]


def test_a_complete_form_becomes_the_call_terms_with_brussels_offsets_cents_and_basis_points() -> None:
    terms = read_call(Form(values=dict(COMPLETE)))
    assert terms is not None
    assert terms.total_budget_cents == 25_000_000 and terms.max_per_project_cents == 5_000_000
    assert terms.cofinancing_rate_bp == 6250
    assert terms.opens_at is not None and terms.closes_at is not None
    assert terms.opens_at.isoformat() == "2027-03-01T09:00:00+01:00"  # winter time
    assert terms.closes_at.isoformat() == "2027-03-31T17:00:30+02:00"  # summer time, to the second
    assert terms.eligibility.social_economy_coapplicant and terms.eligibility.rules == ["Eerste regel", "Tweede regel"]
    assert terms.required_attachments[0].types == ["application/pdf"]


def test_empty_criterion_rows_are_ignored_and_the_tie_break_follows_the_criterion_to_its_position() -> None:
    terms = read_call(Form(values=dict(COMPLETE)))
    assert terms is not None
    assert [(c.name, c.weight, c.min_threshold) for c in terms.criteria] == [
        ("Innovatie", Decimal("60"), None), ("Samenwerking", Decimal("40"), Decimal("4.5"))]
    assert terms.tie_break == ["criterion:2", "submitted_at:asc"]


def test_a_call_that_closes_before_it_opens_is_refused_beside_the_closing_date_and_the_input_stays() -> None:
    form = Form(values=dict(COMPLETE, closes_date="2027-02-28"))
    assert read_call(form) is None
    assert form.errors == {"closes_date": "De oproep moet sluiten na ze opent: kies een latere sluitingsdatum."}
    assert form.values["title"] == "Samen circulair bouwen"


def test_a_tie_break_on_an_empty_criterion_row_or_twice_the_same_key_is_refused() -> None:
    form = Form(values=dict(COMPLETE, tie_1="criterion:2", tie_2="total:desc", tie_3="total:desc"))
    assert read_call(form) is None
    assert set(form.errors) == {"tie_1", "tie_3"}
    assert "Criterium 2 is niet ingevuld" in form.errors["tie_1"]


def test_a_half_filled_criterion_or_attachment_row_says_what_is_missing() -> None:
    form = Form(values=dict(COMPLETE, crit_name_2="Impact", att_code_2="plan", att_label_2=""))
    assert read_call(form) is None
    assert set(form.errors) == {"crit_weight_2", "crit_max_2", "att_label_2", "att_types_2"}


def test_a_maximum_above_the_budget_and_a_threshold_above_the_maximum_are_refused() -> None:
    form = Form(values=dict(COMPLETE, max_per_project="300.000,00", crit_threshold_3="11"))
    assert read_call(form) is None
    assert set(form.errors) == {"max_per_project", "crit_threshold_3"}


def test_a_draft_may_leave_amounts_and_dates_open_but_not_half_a_moment() -> None:
    assert read_call(Form(values={"title": "Nog te schrijven"})) is not None
    form = Form(values={"title": "Half", "opens_date": "2027-03-01"})
    assert read_call(form) is None
    assert form.errors == {"opens_time": "Vul ook het uur van de opening in."}


def test_the_hour_skipped_when_summer_time_begins_does_not_exist_in_brussels() -> None:
    with pytest.raises(FormatError, match="bestaat niet in Brussel"):
        brussels_instant(parse_date("28/03/2027"), parse_time("02:30"))
    offset = brussels_instant(parse_date("31-10-2027"), parse_time("02:30")).utcoffset()
    assert offset is not None and offset.total_seconds() == 7200


@pytest.mark.parametrize(("text", "basis_points"), [("80", 8000), ("62,5 %", 6250), ("0", 0), ("100", 10_000)])
def test_percentages_are_read_the_dutch_way(text: str, basis_points: int) -> None:
    assert parse_percentage(text, field="de graad") == basis_points


@pytest.mark.parametrize("text", ["101", "80,125", "tachtig", ""])
def test_percentages_out_of_range_or_unreadable_are_refused(text: str) -> None:
    with pytest.raises(FormatError):
        parse_percentage(text, field="de graad")


def test_a_stored_call_comes_back_into_the_form_in_brussels_time_and_round_trips() -> None:
    call = stored_call(total_budget_cents=25_000_000, max_per_project_cents=5_000_000, cofinancing_rate_bp=8000,
                       opens_at=datetime(2027, 3, 1, 8, tzinfo=UTC),
                       closes_at=datetime(2027, 3, 31, 15, 0, 30, tzinfo=UTC), tie_break=["criterion:1"],
                       criteria=[CriterionOut(id=uuid.uuid4(), position=1, name="Innovatie", description="",
                                              weight=Decimal("60"), max_score=10, min_threshold=Decimal("4.5"))])
    form = form_of(call)
    assert (form.values["opens_date"], form.values["opens_time"]) == ("2027-03-01", "09:00")
    assert form.values["closes_time"] == "17:00:30"
    assert form.values["crit_threshold_1"] == "4,5" and form.values["cofinancing"] == "80"
    terms = read_changes(form)
    assert terms is not None and terms.closes_at == datetime(2027, 3, 31, 15, 0, 30, tzinfo=UTC)
    assert terms.tie_break == ["criterion:1"] and terms.total_budget_cents == 25_000_000


def test_there_are_always_at_least_six_criterion_rows_and_one_empty_row_more_than_filled() -> None:
    assert criterion_rows() == 6
    assert criterion_rows(form=Form(values={"crit_name_6": "Zesde", "crit_name_5": "", "crit_weight_9": ""})) == 7
