"""The maximum per project caps every award, and a what-if's departures from the published rules are named.

Same criteria as test_ranking_rules: 1 Innovatie (weight 60, max 10, threshold 5), 2 Samenwerking (weight 40,
max 10): the weighted total is 6 × s1 + 4 × s2 out of 100."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from services.grants.ranking.rules import OutcomeStatus, RankingRules, Scenario, deviations, fundable_cents, rank
from tests.grants.unit.test_ranking_rules import COOPERATION, INNOVATION, K, by_id, candidate


def capped(budget: int, maximum: int | None, partial: bool = False) -> RankingRules:
    return RankingRules(budget_cents=budget, criteria=[INNOVATION, COOPERATION], partial_funding=partial,
                        max_per_project_cents=maximum)


def test_the_maximum_per_project_caps_an_award_and_leaves_the_rest_for_others() -> None:
    # a 90 asks 70k (max 50k) → 50k; b 80 asks 40k → 40k; c 70 asks 20k → 10k left: not funded.
    ranking = rank(capped(100 * K, 50 * K), [candidate("a", "9", "9", 70 * K), candidate("b", "8", "8", 40 * K),
                                             candidate("c", "7", "7", 20 * K)])
    result = by_id(ranking)
    assert (result["a"].status, result["a"].amount_cents, result["a"].requested_cents) == (
        OutcomeStatus.FUNDED, 50 * K, 70 * K)
    assert "hoger dan het maximum per project € 50.000,00" in result["a"].steps[-2]
    assert result["a"].steps[-1].startswith("Toegekend: € 50.000,00, het maximum per project;")
    assert (result["b"].amount_cents, result["c"].status) == (40 * K, OutcomeStatus.NOT_FUNDED)
    assert ranking.awarded_cents == 90 * K


def test_partial_funding_of_a_capped_project_is_measured_against_the_maximum() -> None:
    # a 90 asks 30k → 30k; b 80 asks 90k, max 40k: 25k left ≥ 50 % of 40k → partially funded with 25k.
    result = by_id(rank(capped(55 * K, 40 * K, partial=True),
                        [candidate("a", "9", "9", 30 * K), candidate("b", "8", "8", 90 * K)]))
    assert (result["b"].status, result["b"].amount_cents) == (OutcomeStatus.PARTIAL, 25 * K)
    assert "kleiner dan het maximum per project € 40.000,00" in result["b"].steps[-1]


def test_without_a_maximum_the_request_counts_whole() -> None:
    assert fundable_cents(70 * K, None) == 70 * K and fundable_cents(70 * K, 50 * K) == 50 * K
    assert by_id(rank(capped(100 * K, None), [candidate("a", "9", "9", 70 * K)]))["a"].amount_cents == 70 * K


def test_a_smaller_budget_is_within_the_rules_a_larger_one_or_other_thresholds_are_not() -> None:
    published = capped(100 * K, 50 * K)
    assert deviations(published, Scenario(budget_cents=80 * K).apply(published)) == []
    larger = deviations(published, Scenario(budget_cents=120 * K).apply(published))
    assert larger == ["Het budget van het voorstel (€ 120.000,00) is hoger dan het budget van de oproep "
                      "(€ 100.000,00)."]
    dropped, lowered = (deviations(published, Scenario(thresholds={1: t}).apply(published))
                        for t in (None, Decimal(4)))
    assert dropped == ["De gepubliceerde drempel 5,00 op criterium 1 (Innovatie) geldt niet in het voorstel."]
    assert lowered == ["De drempel op criterium 1 (Innovatie) is 4,00 in het voorstel, 5,00 in de oproep."]
    added = deviations(published, Scenario(thresholds={2: Decimal(3)}).apply(published))
    assert added == ["Het voorstel legt een drempel 3,00 op criterium 2 (Samenwerking), waar de oproep geen "
                     "drempel publiceerde."]
    ties = deviations(replace(published, tie_break=("criterion:1",)), Scenario(tie_break=[]).apply(
        replace(published, tie_break=("criterion:1",))))
    assert len(ties) == 1 and ties[0].startswith("Bij gelijke stand volgt het voorstel een andere regel")
