"""What the portal shows after the decision, without a service: the appeal period's last day, indicator values
typed the Belgian way, which report form is offered, and where a notice's link leads."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from services.grants.awards import rules as award_rules
from services.grants.awards.schemas import IndicatorOut, PlanOut, ReportOut
from services.grants.awards.section import parse_value, read_report, report_form_of, report_views, value_field
from services.grants.decisions.schemas import ApplicationDecisionOut
from services.grants.decisions.section import AppealPeriod, appeal_period
from services.grants.notices.pages import Link, portal_link
from shared.portal.formats import FormatError, day
from shared.portal.forms import Form

APP = "0190a6f2-7c1e-7d3a-9b1c-2f4e5a6b7c8d"
PEOPLE = IndicatorOut(id="i-1", position=1, name="Deelnemers", unit="personen", target="40")  # type: ignore[arg-type]
BIKES = IndicatorOut(id="i-2", position=2, name="Herstelde fietsen", unit="stuks", target="1250")  # type: ignore[arg-type]


def report(kind: str, status: str, **fields: Any) -> ReportOut:
    given: dict[str, Any] = {"values": {}, "narrative": ""} | fields
    return ReportOut(id=f"r-{kind}", kind=kind, kind_label=award_rules.REPORT_LABELS[kind],  # type: ignore[arg-type]
                     due_on=date(2027, 8, 22), status=status, attachment=None, submitted_by=None, submitted_at=None,
                     reviewed_by=None, reviewed_at=None, review_reasons="", version=1, **given)


def plan(*reports: ReportOut) -> PlanOut:
    return PlanOut(application_id=uuid.UUID(APP), call_id=uuid.uuid4(), title="Schoolvis",
                   applicant_enterprise_number="0123456749", awarded_cents=6_000_000, paid_cents=0,
                   starts_on=date(2026, 12, 1), ends_on=date(2027, 12, 1), version=1, tranches=[],
                   indicators=[PEOPLE, BIKES], reports=list(reports))


def test_a_calendar_day_reads_in_dutch_with_its_weekday_and_no_time_zone_shift() -> None:
    assert day(date(2026, 12, 22), weekday=True) == "dinsdag 22 december 2026"
    assert day(date(2027, 3, 28), weekday=True) == "zondag 28 maart 2027"  # the night summer time starts
    assert day(None, weekday=True) == "—"


def test_the_appeal_period_is_the_one_the_service_states() -> None:
    decision = ApplicationDecisionOut(
        application_id=uuid.UUID(APP), decision_id=uuid.uuid4(), reference="PR/2026/1", decided_on=date(2026, 11, 20),
        notified_on=date(2026, 11, 20), outcome="rejected", amount_cents=0, rank=None, total=None, reasons=[],
        appeal_days=30, appeal_last_day=date(2026, 12, 20), appeal_open=False)
    period = appeal_period(decision)
    assert period == AppealPeriod(days=30, last_day=date(2026, 12, 20), open=False)


@pytest.mark.parametrize(("typed", "value"), [
    ("38", "38"), ("12,5", "12.5"), ("1.250", "1250"), ("1.312,5", "1312.5"), (" 0,75 ", "0.75"), (",5", "0.5"),
    ("12.5", "12.5"),
])
def test_indicator_values_typed_the_belgian_way_become_decimal_strings(typed: str, value: str) -> None:
    assert parse_value(typed, field="fietsen") == value


@pytest.mark.parametrize("typed", ["", "veel", "1,2,3", "12.50.1", "-3", "1.25,5"])
def test_what_is_not_a_number_is_refused_with_a_dutch_message(typed: str) -> None:
    with pytest.raises(FormatError, match="fietsen"):
        parse_value(typed, field="fietsen")


def test_the_report_form_needs_a_value_per_indicator_and_a_narrative() -> None:
    form = Form(values={value_field(PEOPLE): "38", value_field(BIKES): "veel", "narrative": ""})
    assert read_report(form, [PEOPLE, BIKES]) is None
    assert set(form.errors) == {value_field(BIKES), "narrative"}
    good = Form(values={value_field(PEOPLE): "38", value_field(BIKES): "1.312,5", "narrative": "Het loopt."})
    assert read_report(good, [PEOPLE, BIKES]) == ({"i-1": "38", "i-2": "1312.5"}, "Het loopt.")


def test_a_report_sent_back_for_changes_is_offered_again_with_what_was_reported() -> None:
    sent_back = report("progress", "changes-requested", values={"i-1": "38", "i-2": "1312.50"}, narrative="Eerst.")
    form = report_form_of(sent_back, [PEOPLE, BIKES])
    assert form.values == {value_field(PEOPLE): "38", value_field(BIKES): "1312,5", "narrative": "Eerst."}


def test_the_lead_applicant_gets_the_progress_form_first_and_the_final_one_only_after_it() -> None:
    views = report_views(plan(report("final", "due"), report("progress", "due")), is_lead=True, forms={})
    assert [v.report.kind for v in views] == ["progress", "final"]
    assert views[0].form is not None and views[0].first_awaited
    assert views[1].form is None and views[1].waiting_for == "Dien eerst het voortgangsrapport in."

    after = report_views(plan(report("progress", "submitted", values={"i-1": "38"}), report("final", "due")),
                         is_lead=True, forms={})
    assert after[0].form is None and after[0].status_label == award_rules.REPORT_STATUS_LABELS["submitted"]
    assert award_rules.REPORT_STATUS_LABELS["submitted"] == "ingediend, wacht op beoordeling"
    assert after[0].values == {"i-1": "38"}
    assert after[1].form is not None and after[1].first_awaited


def test_co_applicants_and_call_managers_read_the_reports_but_get_no_form() -> None:
    views = report_views(plan(report("progress", "due")), is_lead=False, forms={})
    assert views[0].form is None and not views[0].first_awaited


def test_a_notices_api_link_leads_to_the_portal_page_that_shows_it() -> None:
    assert portal_link(f"/vlaams-brabant/api/grants/applications/{APP}/letter", "vlaams-brabant") == Link(
        f"/vlaams-brabant/aanvragen/{APP}/beslissingsbrief", "Beslissingsbrief (PDF)")
    assert portal_link(f"/vlaams-brabant/api/grants/applications/{APP}/award-plan", "vlaams-brabant") == Link(
        f"/vlaams-brabant/aanvragen/{APP}#opvolging", "Naar de opvolging van je project")
    assert portal_link(f"/vlaams-brabant/api/grants/applications/{APP}", "vlaams-brabant") == Link(
        f"/vlaams-brabant/aanvragen/{APP}", "Naar de aanvraag")


@pytest.mark.parametrize("link", [
    f"/limburg/api/grants/applications/{APP}/letter", "https://elders.example/phish", "//elders.example/x",
    "/vlaams-brabant/api/partners/organisations", "",
])
def test_a_link_outside_this_provinces_portal_is_not_offered(link: str) -> None:
    assert portal_link(link, "vlaams-brabant") is None
