"""The rules of a plan, without I/O: its lifecycle and the Dutch naming the allowed moves, the levels of its
objectives and where actions hang, how an indicator is fed, and the years its targets may be for."""

from __future__ import annotations

import pytest

from services.partners.plans import rules
from services.partners.plans.rules import CountingRule, Feed, ObjectiveLevel, PlanKind, PlanStatus


@pytest.mark.parametrize(("current", "allowed"), [
    (PlanStatus.DRAFT, [PlanStatus.NEGOTIATING]),
    (PlanStatus.NEGOTIATING, [PlanStatus.DRAFT, PlanStatus.SIGNED]),
    (PlanStatus.SIGNED, [PlanStatus.ACTIVE]),
    (PlanStatus.ACTIVE, [PlanStatus.ENDED]),
    (PlanStatus.ENDED, []),
])
def test_each_status_allows_its_moves_in_lifecycle_order(current: PlanStatus, allowed: list[PlanStatus]) -> None:
    assert rules.allowed_moves(current) == allowed
    for target in PlanStatus:
        assert (rules.transition_problem(current, target) is None) == (target in allowed)


def test_a_refused_move_names_the_current_status_and_the_allowed_ones_in_dutch() -> None:
    assert rules.transition_problem(PlanStatus.NEGOTIATING, PlanStatus.ACTIVE) == (
        "een plan dat in onderhandeling is kan niet naar 'lopend'; toegelaten is: 'ontwerp' of 'ondertekend'")
    assert "geen enkele andere status" in (rules.transition_problem(PlanStatus.ENDED, PlanStatus.DRAFT) or "")


def test_every_status_kind_level_and_rule_has_a_dutch_label() -> None:
    assert set(rules.STATUSES) == set(PlanStatus)
    assert set(rules.PLAN_KINDS) == set(PlanKind)
    assert set(rules.OBJECTIVE_LEVELS) == set(ObjectiveLevel)
    assert set(rules.COUNTING_RULES) == set(CountingRule)


@pytest.mark.parametrize(("kind", "level", "parent", "allowed"), [
    (PlanKind.AGREEMENT, ObjectiveLevel.POLICY, None, True),
    (PlanKind.AGREEMENT, ObjectiveLevel.POLICY, ObjectiveLevel.POLICY, False),
    (PlanKind.AGREEMENT, ObjectiveLevel.STRATEGIC, None, False),
    (PlanKind.AGREEMENT, ObjectiveLevel.OPERATIONAL, ObjectiveLevel.STRATEGIC, False),
    (PlanKind.MULTI_YEAR_PLAN, ObjectiveLevel.STRATEGIC, None, True),
    (PlanKind.MULTI_YEAR_PLAN, ObjectiveLevel.STRATEGIC, ObjectiveLevel.STRATEGIC, False),
    (PlanKind.MULTI_YEAR_PLAN, ObjectiveLevel.OPERATIONAL, ObjectiveLevel.STRATEGIC, True),
    (PlanKind.MULTI_YEAR_PLAN, ObjectiveLevel.OPERATIONAL, None, False),
    (PlanKind.MULTI_YEAR_PLAN, ObjectiveLevel.OPERATIONAL, ObjectiveLevel.OPERATIONAL, False),
    (PlanKind.MULTI_YEAR_PLAN, ObjectiveLevel.POLICY, None, False),
])
def test_objective_levels_follow_the_kind_of_plan(kind: PlanKind, level: ObjectiveLevel,
                                                  parent: ObjectiveLevel | None, allowed: bool) -> None:
    if allowed:
        rules.check_objective_level(kind, level, parent)
    else:
        with pytest.raises(rules.ObjectiveLevelError):
            rules.check_objective_level(kind, level, parent)


def test_the_default_level_is_the_only_one_the_place_allows() -> None:
    assert rules.default_level(PlanKind.AGREEMENT, False) == ObjectiveLevel.POLICY
    assert rules.default_level(PlanKind.MULTI_YEAR_PLAN, False) == ObjectiveLevel.STRATEGIC
    assert rules.default_level(PlanKind.MULTI_YEAR_PLAN, True) == ObjectiveLevel.OPERATIONAL


def test_actions_hang_under_policy_objectives_or_operational_ones() -> None:
    assert rules.carries_actions(PlanKind.AGREEMENT, ObjectiveLevel.POLICY)
    assert rules.carries_actions(PlanKind.MULTI_YEAR_PLAN, ObjectiveLevel.OPERATIONAL)
    assert not rules.carries_actions(PlanKind.MULTI_YEAR_PLAN, ObjectiveLevel.STRATEGIC)


def test_a_counted_indicator_needs_a_known_rule_and_an_entered_one_none() -> None:
    assert rules.check_feed(Feed.COUNTED, "grants.amount-paid") == CountingRule.GRANTS_AMOUNT_PAID
    assert rules.check_feed(Feed.ENTERED, None) is None
    assert rules.check_feed(Feed.ENTERED, "") is None
    with pytest.raises(rules.IndicatorFeedError, match="telregel nodig"):
        rules.check_feed(Feed.COUNTED, None)
    with pytest.raises(rules.IndicatorFeedError, match="onbekende telregel"):
        rules.check_feed(Feed.COUNTED, "grants.dreams")
    with pytest.raises(rules.IndicatorFeedError, match="geen telregel"):
        rules.check_feed(Feed.ENTERED, "food.tonnes-delivered")


def test_targets_are_for_the_calendar_years_the_period_touches() -> None:
    assert list(rules.years_of(2025, 2027)) == [2025, 2026, 2027]
    assert rules.year_problem(2025, 2025, 2027) is None
    assert rules.year_problem(2027, 2025, 2027) is None
    assert rules.year_problem(2024, 2025, 2027) == (
        "2024 valt buiten de looptijd van het plan (2025–2027); een streefwaarde hoort bij een jaar binnen de "
        "looptijd")
    assert rules.year_problem(2028, 2025, 2027) is not None


def test_codes_left_out_follow_the_parent_and_the_place() -> None:
    assert rules.child_code(None, 3) == "3"
    assert rules.child_code("1", 2) == "1.2"
    assert rules.child_code("OD2.1", 4) == "OD2.1.4"


def test_terms_are_open_only_before_signing() -> None:
    assert rules.OPEN_TERMS == {PlanStatus.DRAFT, PlanStatus.NEGOTIATING}
