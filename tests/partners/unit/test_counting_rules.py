"""Counting rules, pure: what each rule makes of the stored facts (hand-computed cases), the Brussels year's
bounds, and which indicators are counted at all."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.partners.facts import counting
from services.partners.facts.models import FoodDelivery, GrantAward, GrantPayment
from services.partners.plans.models import Indicator
from services.partners.plans.rules import COUNTING_RULES, CountingRule, Feed


def award(title: str, cents: int, at: datetime) -> GrantAward:
    return GrantAward(event_id=uuid.uuid4(), tenant="antwerpen", application_id=str(uuid.uuid4()), call_id="c",
                      decision_id="d", title=title, amount_cents=cents, enterprise_numbers=["0123456749"],
                      awarded_at=at)


def delivery(recipient: str, grams: int, co2: int, people: int, at: datetime) -> FoodDelivery:
    return FoodDelivery(event_id=uuid.uuid4(), tenant="antwerpen", delivery_id=str(uuid.uuid4()), round_id="r",
                        recipient_id=recipient, recipient_name=f"Vereniging {recipient}",
                        recipient_enterprise_number=None, municipality="11002", delivered_at=at, grams=grams,
                        fresh_grams=grams // 2, co2_eq_grams=co2, value_cents=100, people_served=people)


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_the_year_runs_from_brussels_midnight_to_brussels_midnight() -> None:
    start, end = counting.year_bounds(2026)
    assert start == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_projects_awarded_count_one_per_award_and_list_each_event() -> None:
    awards = [award("Atelier", 1_000_000, at(3, 1)), award("Keuken", 250_050, at(5, 2))]
    result = counting.count_awards(CountingRule.GRANTS_PROJECTS_AWARDED, awards)
    assert result.value == Decimal(2)
    assert [s.event_id for s in result.sources] == [a.event_id for a in awards]
    assert result.sources[0].label == "Subsidie toegekend: Atelier"
    assert all(s.kind == counting.AWARDED and s.amount == 1 for s in result.sources)


def test_the_amount_awarded_is_in_euro_to_the_cent() -> None:
    awards = [award("Atelier", 1_000_000, at(3, 1)), award("Keuken", 250_050, at(5, 2))]
    result = counting.count_awards(CountingRule.GRANTS_AMOUNT_AWARDED, awards)
    assert result.value == Decimal("12500.50")
    assert [s.amount for s in result.sources] == [Decimal("10000.00"), Decimal("2500.50")]


def test_the_amount_paid_adds_the_tranches_and_dates_each_at_the_start_of_its_brussels_day() -> None:
    payments = [GrantPayment(event_id=uuid.uuid4(), tenant="antwerpen", application_id="a", tranche=n,
                             amount_cents=cents, enterprise_numbers=["0123456749"], paid_on=date(2026, 7, n))
                for n, cents in ((1, 600_000), (2, 399_999))]
    result = counting.count_payments(payments)
    assert result.value == Decimal("9999.99")
    assert result.sources[0].at == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert result.sources[1].label.startswith("Schijf 2 uitbetaald op 2 juli 2026")


def test_tonnes_are_grams_over_a_million_with_three_decimals() -> None:
    deliveries = [delivery("a", 1_234_567, 2_000_000, 40, at(1, 5)), delivery("a", 765_433, 1_500, 45, at(2, 5)),
                  delivery("b", 499, 0, 10, at(3, 5))]
    result = counting.count_deliveries(CountingRule.FOOD_TONNES_DELIVERED, deliveries)
    assert result.value == Decimal("2.000")  # 2_000_499 g
    assert len(result.sources) == 3
    assert result.sources[0].amount == Decimal("1.235")
    co2 = counting.count_deliveries(CountingRule.FOOD_CO2_AVOIDED, deliveries)
    assert co2.value == Decimal("2.002")  # 2_001_500 g


def test_organisations_served_counts_each_recipient_once() -> None:
    deliveries = [delivery("a", 1000, 0, 40, at(1, 5)), delivery("a", 1000, 0, 45, at(2, 5)),
                  delivery("b", 1000, 0, 10, at(3, 5))]
    result = counting.count_deliveries(CountingRule.FOOD_ORGANISATIONS_SERVED, deliveries)
    assert result.value == Decimal(2)
    assert [s.event_id for s in result.sources] == [deliveries[1].event_id, deliveries[2].event_id]


def test_people_reached_takes_the_latest_figure_of_each_recipient_whatever_the_order_given() -> None:
    deliveries = [delivery("a", 1000, 0, 45, at(2, 5)), delivery("b", 1000, 0, 10, at(3, 5)),
                  delivery("a", 1000, 0, 40, at(1, 5))]
    result = counting.count_deliveries(CountingRule.FOOD_PEOPLE_REACHED, deliveries)
    assert result.value == Decimal(55)  # a's latest (45) + b (10), not 40 + 45 + 10
    assert sum(s.amount for s in result.sources) == result.value


def test_nothing_counted_is_zero_with_no_sources() -> None:
    for rule in CountingRule:
        if rule in counting.AWARD_RULES:
            result = counting.count_awards(rule, [])
        elif rule in counting.PAYMENT_RULES:
            result = counting.count_payments([])
        else:
            result = counting.count_deliveries(rule, [])
        assert result.value == 0 and result.sources == []


def test_every_rule_the_plans_offer_is_counted_by_one_kind_of_fact() -> None:
    kinds = [counting.AWARD_RULES, counting.PAYMENT_RULES, counting.DELIVERY_RULES]
    assert set(COUNTING_RULES) == set().union(*kinds)
    assert sum(len(k) for k in kinds) == len(CountingRule)


@pytest.mark.parametrize("feed,rule,expected", [
    (Feed.COUNTED, "food.tonnes-delivered", CountingRule.FOOD_TONNES_DELIVERED),
    (Feed.ENTERED, "food.tonnes-delivered", None),
    (Feed.COUNTED, None, None),
    (Feed.COUNTED, "no.such-rule", None),
])
def test_only_a_counted_indicator_with_a_known_rule_is_counted(feed: Feed, rule: str | None,
                                                                expected: CountingRule | None) -> None:
    indicator = Indicator(id=uuid.uuid4(), feed=feed, rule=rule)
    assert counting.rule_of(indicator) == expected
