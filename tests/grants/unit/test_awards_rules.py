"""After award, pure rules: the plan split exact to the cent, report due dates, what an approval makes payable,
an edited plan's checks, and which reminders are due on a given day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.grants.awards import rules
from services.grants.awards.rules import AwaitedReport, AwardRule, TrancheState
from shared.problems import Conflict, Invalid


@pytest.mark.parametrize("awarded", [1, 2, 3, 99, 100, 101, 4_000_001, 6_000_000, 12_345_679, 999_999_999])
@pytest.mark.parametrize("advance_bp,interim_bp", [(6000, 0), (3333, 3333), (5000, 2500), (0, 0), (10000, 0),
                                                   (1, 9999)])
def test_the_tranches_always_add_up_to_exactly_the_awarded_amount(awarded, advance_bp, interim_bp) -> None:
    shares = rules.split(awarded, AwardRule(advance_bp=advance_bp, interim_bp=interim_bp))
    assert sum(amount for _, amount, _ in shares) == awarded
    assert all(amount > 0 for _, amount, _ in shares)


def test_the_remainder_cent_goes_to_the_balance() -> None:
    assert rules.split(1001, AwardRule(advance_bp=6000)) == [
        ("advance", 600, "on-award"), ("balance", 401, "final-report-approved")]
    assert rules.split(100, AwardRule(advance_bp=3333, interim_bp=3333)) == [
        ("advance", 33, "on-award"), ("interim", 33, "progress-report-approved"),
        ("balance", 34, "final-report-approved")]


def test_the_default_split_is_sixty_forty_with_the_balance_after_the_final_report() -> None:
    assert rules.split(6_000_000, AwardRule()) == [("advance", 3_600_000, "on-award"),
                                                   ("balance", 2_400_000, "final-report-approved")]


def test_nothing_awarded_has_no_plan() -> None:
    with pytest.raises(Conflict):
        rules.split(0, AwardRule())


def test_shares_over_a_hundred_percent_are_refused() -> None:
    with pytest.raises(Invalid):
        rules.check_rule(AwardRule(advance_bp=7000, interim_bp=3500))
    rules.check_rule(AwardRule(advance_bp=7000, interim_bp=3000))


def test_adding_months_clamps_to_the_last_day_of_the_month() -> None:
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert rules.add_months(date(2026, 11, 22), 18) == date(2028, 5, 22)
    assert rules.add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_the_progress_report_is_due_halfway_and_the_final_report_two_months_after_the_end() -> None:
    dates = rules.schedule(date(2026, 1, 1), 12, AwardRule())
    assert dates.ends_on == date(2027, 1, 1)
    assert dates.progress_due_on == date(2026, 7, 2)  # 365 days // 2 = 182 days after the start
    assert dates.final_due_on == date(2027, 3, 1)


def test_the_report_dates_follow_the_rule_parameters() -> None:
    dates = rules.schedule(date(2026, 1, 1), 10, AwardRule(progress_at_bp=2500, final_months_after_end=3))
    assert dates.ends_on == date(2026, 11, 1)
    assert dates.progress_due_on == date(2026, 3, 18)  # 304 days // 4 = 76 days after 1 January
    assert dates.final_due_on == date(2027, 2, 1)


def test_the_default_plan_gives_each_tranche_the_due_date_of_its_condition() -> None:
    dates = rules.schedule(date(2026, 1, 1), 12, AwardRule())
    plan = rules.default_plan(1000, dates, AwardRule(advance_bp=5000, interim_bp=2000))
    assert [(t.kind, t.amount_cents, t.due_on) for t in plan] == [
        ("advance", 500, date(2026, 1, 1)), ("interim", 200, date(2026, 7, 2)), ("balance", 300, date(2027, 3, 1))]


def test_an_approval_makes_the_tranche_waiting_for_that_report_payable() -> None:
    assert rules.tranche_status("on-award", ()) == "payable"
    assert rules.tranche_status("final-report-approved", ["progress"]) == "planned"
    assert rules.tranche_status("progress-report-approved", ["progress"]) == "payable"
    assert rules.tranche_status("final-report-approved", ["progress", "final"]) == "payable"


CURRENT = [TrancheState("a", "advance", 600, "on-award", None, "paid"),
           TrancheState("b", "balance", 400, "final-report-approved", None, "planned")]


def test_an_edit_that_keeps_the_total_and_the_paid_tranche_is_accepted() -> None:
    rules.check_edit(1000, CURRENT, [CURRENT[0], TrancheState("", "interim", 100, "progress-report-approved", None, ""),
                                     TrancheState("b", "balance", 300, "final-report-approved", None, "")])


def test_an_edit_that_misses_the_awarded_total_by_one_cent_is_refused_with_the_difference() -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_edit(1000, CURRENT, [CURRENT[0], TrancheState("b", "balance", 399, "final-report-approved",
                                                                  None, "")])
    assert "+1 cent" in refused.value.detail


def test_a_paid_tranche_cannot_change_or_disappear() -> None:
    with pytest.raises(Conflict):
        rules.check_edit(1000, CURRENT, [TrancheState("b", "balance", 1000, "final-report-approved", None, "")])
    with pytest.raises(Conflict):
        rules.check_edit(1000, CURRENT, [TrancheState("a", "advance", 500, "on-award", None, ""),
                                         TrancheState("b", "balance", 500, "final-report-approved", None, "")])


def test_unknown_kinds_conditions_tranches_and_a_second_balance_are_refused() -> None:
    for proposed in (
        [CURRENT[0], TrancheState("b", "bonus", 400, "final-report-approved", None, "")],
        [CURRENT[0], TrancheState("b", "balance", 400, "when-we-feel-like-it", None, "")],
        [CURRENT[0], TrancheState("z", "balance", 400, "final-report-approved", None, "")],
        [CURRENT[0], TrancheState("b", "balance", 200, "final-report-approved", None, ""),
         TrancheState("", "balance", 200, "final-report-approved", None, "")],
        [CURRENT[0], TrancheState("b", "balance", 500, "final-report-approved", None, ""),
         TrancheState("", "interim", -100, "progress-report-approved", None, "")],
    ):
        with pytest.raises(Invalid):
            rules.check_edit(1000, CURRENT, proposed)


def test_a_report_needs_a_value_for_every_indicator_and_a_narrative() -> None:
    rules.check_report(["i1", "i2"], {"i1": Decimal(3), "i2": Decimal("1.5")}, "Goed op weg.")
    with pytest.raises(Invalid):
        rules.check_report(["i1", "i2"], {"i1": Decimal(3)}, "Goed op weg.")
    with pytest.raises(Invalid):
        rules.check_report(["i1"], {"i1": Decimal(3), "i9": Decimal(1)}, "Goed op weg.")
    with pytest.raises(Invalid):
        rules.check_report(["i1"], {"i1": Decimal(3)}, "   ")


def test_decimal_values_accept_a_decimal_comma_and_refuse_words() -> None:
    assert rules.parse_decimal("12,5", "value") == Decimal("12.5")
    with pytest.raises(Invalid):
        rules.parse_decimal("veel", "value")
    with pytest.raises(Invalid):
        rules.parse_decimal("NaN", "value")


def test_a_submitted_report_waits_for_review_and_the_final_report_follows_the_progress_report() -> None:
    rules.check_submittable("progress", "due", None)
    rules.check_submittable("progress", "changes-requested", None)
    with pytest.raises(Conflict):
        rules.check_submittable("progress", "submitted", None)
    with pytest.raises(Conflict):
        rules.check_submittable("final", "due", "due")
    rules.check_submittable("final", "due", "approved")


def test_asking_for_changes_needs_reasons_and_only_a_submitted_report_is_reviewed() -> None:
    with pytest.raises(Invalid):
        rules.check_review("submitted", "changes-requested", " ")
    with pytest.raises(Conflict):
        rules.check_review("due", "approved", "")
    rules.check_review("submitted", "approved", "")


def test_only_a_payable_tranche_is_paid_and_only_once() -> None:
    rules.check_payment("payable", "balance", "BET-1")
    with pytest.raises(Conflict):
        rules.check_payment("planned", "balance", "BET-1")
    with pytest.raises(Conflict):
        rules.check_payment("paid", "balance", "BET-1")
    with pytest.raises(Invalid):
        rules.check_payment("payable", "balance", "")


DUE_ON = date(2027, 3, 1)


def awaited(status: str = "due", days: int = 14) -> list[AwaitedReport]:
    return [AwaitedReport("r1", status, DUE_ON, days)]


@pytest.mark.parametrize("today,expected", [
    (date(2027, 2, 14), []),                        # 15 days before: not yet
    (date(2027, 2, 15), [("r1", "upcoming")]),      # 14 days before
    (date(2027, 3, 1), [("r1", "upcoming")]),       # on the due date itself
    (date(2027, 3, 2), [("r1", "overdue")]),        # the day after
    (date(2028, 1, 1), [("r1", "overdue")]),
])
def test_which_reminder_is_due_depends_on_the_day(today, expected) -> None:
    assert rules.due_reminders(awaited(), today, sent=set()) == expected


def test_a_reminder_already_sent_is_not_due_again() -> None:
    assert rules.due_reminders(awaited(), date(2027, 2, 20), sent={("r1", "upcoming")}) == []
    assert rules.due_reminders(awaited(), date(2027, 3, 5), sent={("r1", "upcoming")}) == [("r1", "overdue")]
    assert rules.due_reminders(awaited(), date(2027, 3, 5), sent={("r1", "upcoming"), ("r1", "overdue")}) == []


def test_submitted_and_approved_reports_are_not_reminded_but_sent_back_ones_are() -> None:
    late = date(2027, 3, 10)
    assert rules.due_reminders(awaited("submitted"), late, sent=set()) == []
    assert rules.due_reminders(awaited("approved"), late, sent=set()) == []
    assert rules.due_reminders(awaited("changes-requested"), late, sent=set()) == [("r1", "overdue")]


def test_the_reminder_window_is_the_calls_number_of_days() -> None:
    assert rules.due_reminders(awaited(days=30), date(2027, 1, 30), sent=set()) == [("r1", "upcoming")]
    assert rules.due_reminders(awaited(days=3), date(2027, 2, 25), sent=set()) == []


def test_the_reminder_text_names_the_report_project_and_date_in_dutch() -> None:
    subject, body = rules.reminder_text("overdue", "final", "Schoolvis", "1 maart 2027", "Provincie Antwerpen")
    assert subject == "Het eindrapport van «Schoolvis» is te laat (verschuldigd op 1 maart 2027)"
    assert "Provincie Antwerpen" in body and "Regie-portaal" in body
