"""Food safety's pure rules: a passed use-by date blocks, a temperature above the tenant's limit is refused or
flagged as the tenant chose (FAVV-based defaults otherwise), and a round's mass balance holds within
max(1 kg, 2%)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.foodsavers.registry.categories import Category, Storage
from services.foodsavers.safety.rules import (
    DEFAULT_LIMITS,
    Action,
    Balance,
    DateKind,
    Finding,
    Limit,
    is_safety_reason,
    judge_line,
    limits_with_defaults,
)

DAY = date(2020, 6, 15)
DEFAULTS = limits_with_defaults({})


def test_a_use_by_date_before_the_pickup_day_blocks_the_line() -> None:
    verdict = judge_line(Category.DAIRY, DateKind.USE_BY, date(2020, 6, 14), Decimal("4.0"), DAY, DEFAULTS)
    assert verdict.blocked == "te gebruiken tot-datum verstreken" and verdict.finding is Finding.USE_BY_PASSED
    assert is_safety_reason(verdict.blocked)


def test_a_use_by_date_of_the_pickup_day_itself_or_a_passed_best_before_date_does_not_block() -> None:
    assert judge_line(Category.DAIRY, DateKind.USE_BY, DAY, Decimal("4.0"), DAY, DEFAULTS).blocked is None
    passed_best_before = judge_line(Category.DRY, DateKind.BEST_BEFORE, date(2020, 1, 1), None, DAY, DEFAULTS)
    assert passed_best_before.blocked is None and passed_best_before.finding is None


def test_the_defaults_are_7_degrees_chilled_and_minus_15_frozen_refused_above() -> None:
    assert DEFAULT_LIMITS[Storage.CHILLED] == Limit(Storage.CHILLED, Decimal("7.0"), Action.REFUSE)
    assert DEFAULT_LIMITS[Storage.FROZEN] == Limit(Storage.FROZEN, Decimal("-15.0"), Action.REFUSE)
    assert judge_line(Category.MEAT_FISH, DateKind.NONE, None, Decimal("7.0"), DAY, DEFAULTS).finding is None
    warm = judge_line(Category.MEAT_FISH, DateKind.NONE, None, Decimal("7.1"), DAY, DEFAULTS)
    assert warm.blocked is not None and "7,1 °C" in warm.blocked and warm.finding is Finding.TEMPERATURE
    thawing = judge_line(Category.FROZEN, DateKind.NONE, None, Decimal("-12.0"), DAY, DEFAULTS)
    assert thawing.blocked is not None and "-15,0 °C" in thawing.blocked
    assert judge_line(Category.FROZEN, DateKind.NONE, None, Decimal("-18.0"), DAY, DEFAULTS).finding is None


def test_a_tenant_that_flags_accepts_the_line_with_the_flag() -> None:
    limits = limits_with_defaults({Storage.CHILLED: Limit(Storage.CHILLED, Decimal("5.0"), Action.FLAG)})
    verdict = judge_line(Category.DAIRY, DateKind.NONE, None, Decimal("6.0"), DAY, limits)
    assert verdict.blocked is None and verdict.flags == ("temperature",) and verdict.finding is Finding.TEMPERATURE
    assert dict(verdict.detail)["max_celsius"] == "5.0"
    assert limits[Storage.FROZEN] == DEFAULT_LIMITS[Storage.FROZEN]


def test_ambient_food_has_no_temperature_limit() -> None:
    assert judge_line(Category.FRESH_PRODUCE, DateKind.NONE, None, Decimal("25.0"), DAY, DEFAULTS).finding is None


def test_the_use_by_rule_comes_first() -> None:
    verdict = judge_line(Category.DAIRY, DateKind.USE_BY, date(2020, 6, 1), Decimal("12.0"), DAY, DEFAULTS)
    assert verdict.finding is Finding.USE_BY_PASSED


def test_the_mass_balance_holds_within_one_kilo_or_two_percent() -> None:
    assert Balance(100_000, 99_000, 0, 0).holds  # 1 kg off on 100 kg
    assert not Balance(10_000, 8_900, 0, 0).holds  # 1.1 kg off on 10 kg: above 1 kg
    assert Balance(500_000, 490_000, 0, 0).holds  # 2% of 500 kg = 10 kg
    assert not Balance(500_000, 489_000, 0, 0).holds
    assert Balance(300_000, 250_000, 20_000, 30_000).holds  # discarded and left in the van count
    over = Balance(100_000, 110_000, 0, 0)
    assert not over.holds and over.difference == -10_000 and over.as_detail()["holds"] is False
