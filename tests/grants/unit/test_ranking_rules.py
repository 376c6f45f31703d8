"""The ranking engine on hand-computed cases.

Two criteria: 1 Innovatie (weight 60, max 10, threshold 5) and 2 Samenwerking (weight 40, max 10), so the
weighted total is 6 × s1 + 4 × s2 out of 100."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.grants.ranking.rules import (
    Candidate,
    CriterionRule,
    OutcomeStatus,
    RankingRules,
    Scenario,
    describe_funding_rule,
    describe_tie_break,
    mean_scores,
    rank,
)
from shared.problems import Invalid

INNOVATION = CriterionRule(id="c1", position=1, name="Innovatie", weight=Decimal(60), max_score=10,
                           min_threshold=Decimal(5))
COOPERATION = CriterionRule(id="c2", position=2, name="Samenwerking", weight=Decimal(40), max_score=10)
K = 100_000  # one thousand euro in cents


def candidate(id: str, s1: str, s2: str, requested: int = 10 * K, submitted: int = 0) -> Candidate:
    return Candidate(id=id, title=f"Project {id}", requested_cents=requested,
                     submitted_at=datetime(2026, 9, 30, 12, 0, submitted, tzinfo=UTC),
                     scores={"c1": Decimal(s1), "c2": Decimal(s2)})


def rules(budget: int = 100 * K, tie_break: tuple[str, ...] = (), partial: bool = False,
          partial_min_bp: int = 5000) -> RankingRules:
    return RankingRules(budget_cents=budget, criteria=[INNOVATION, COOPERATION], tie_break=tie_break,
                        partial_funding=partial, partial_funding_min_bp=partial_min_bp)


def by_id(ranking) -> dict:
    return {o.application_id: o for o in ranking.outcomes}


def test_a_score_below_a_threshold_excludes_whatever_the_total() -> None:
    # A: 6×4 + 4×10 = 64 but 4 < 5 on Innovatie; B: 6×6 + 4×5 = 56.
    result = by_id(rank(rules(), [candidate("a", "4", "10"), candidate("b", "6", "5")]))
    assert result["a"].status == OutcomeStatus.EXCLUDED and result["a"].rank is None and result["a"].amount_cents == 0
    assert result["a"].total == Decimal("64.00")
    assert "criterium 1 (Innovatie)" in result["a"].steps[0] and "(4,00 < 5,00)" in result["a"].steps[0]
    assert result["b"].rank == 1 and result["b"].total == Decimal("56.00")
    assert result["b"].status == OutcomeStatus.FUNDED


def test_a_score_equal_to_the_threshold_passes_and_a_near_miss_prints_enough_decimals() -> None:
    result = by_id(rank(rules(), [candidate("a", "5", "0"), candidate("b", "4.995", "10")]))
    assert result["a"].status == OutcomeStatus.FUNDED
    assert "(4,995 < 5,000)" in result["b"].steps[0]


def test_equal_totals_are_ordered_by_the_published_chain() -> None:
    # A: 6×8 + 4×5 = 68; B: 6×6 + 4×8 = 68.
    a, b = candidate("a", "8", "5", requested=20 * K), candidate("b", "6", "8", requested=10 * K)
    assert [o.application_id for o in rank(rules(tie_break=("criterion:2",)), [a, b]).outcomes] == ["b", "a"]
    assert [o.application_id for o in rank(rules(tie_break=("criterion:1",)), [a, b]).outcomes] == ["a", "b"]
    assert [o.application_id for o in rank(rules(tie_break=("requested_amount:asc",)), [a, b]).outcomes] == ["b", "a"]
    explained = by_id(rank(rules(tie_break=("criterion:2",)), [a, b]))
    assert explained["a"].rank == 2 and explained["b"].rank == 1
    assert any("Gelijk gewogen totaal (68,00) met «Project b»; staat er na" in s and
               "de hoogste score op criterium 2 (Samenwerking) (5,00 tegen 8,00)" in s for s in explained["a"].steps)


def test_a_tie_the_chain_does_not_break_falls_to_the_submission_time_then_the_id() -> None:
    assert [o.application_id for o in rank(rules(tie_break=("total:desc",)), [
        candidate("z", "8", "5"), candidate("y", "6", "8")]).outcomes] == ["y", "z"]
    a, b = candidate("a", "8", "5", submitted=30), candidate("b", "6", "8", submitted=10)
    ordered = rank(rules(tie_break=("requested_amount:asc", "submitted_at:asc")), [a, b]).outcomes
    assert [o.application_id for o in ordered] == ["b", "a"]
    same_time = rank(rules(tie_break=("requested_amount:asc",)), [candidate("z", "8", "5"), candidate("y", "6", "8")])
    assert [o.application_id for o in same_time.outcomes] == ["y", "z"]
    assert any("de laatste regel: het dossiernummer" in s for s in same_time.outcomes[0].steps)


def test_a_project_that_no_longer_fits_is_skipped_so_a_cheaper_lower_ranked_one_is_funded() -> None:
    # Ranks by total: A 90, B 80, C 70. Budget 100k: A 60k fits (40k left), B 50k does not, C 30k does.
    a, b, c = candidate("a", "9", "9", 60 * K), candidate("b", "8", "8", 50 * K), candidate("c", "7", "7", 30 * K)
    ranking = rank(rules(), [c, b, a])
    result = by_id(ranking)
    assert [o.application_id for o in ranking.outcomes] == ["a", "b", "c"]
    assert (result["a"].status, result["a"].amount_cents) == (OutcomeStatus.FUNDED, 60 * K)
    assert (result["b"].status, result["b"].amount_cents) == (OutcomeStatus.NOT_FUNDED, 0)
    assert (result["c"].status, result["c"].amount_cents) == (OutcomeStatus.FUNDED, 30 * K)
    assert ranking.awarded_cents == 90 * K and ranking.remaining_cents == 10 * K
    assert "(€ 40.000,00 < € 50.000,00)" in result["b"].steps[-1] and "overgeslagen" in result["b"].steps[-1]


def test_with_partial_funding_the_first_project_that_does_not_fit_gets_the_remainder() -> None:
    a, b, c = candidate("a", "9", "9", 60 * K), candidate("b", "8", "8", 50 * K), candidate("c", "7", "7", 30 * K)
    result = by_id(rank(rules(partial=True, partial_min_bp=5000), [a, b, c]))
    # 40k left is 80 % of B's 50k, at least the 50 % the call requires.
    assert (result["b"].status, result["b"].amount_cents) == (OutcomeStatus.PARTIAL, 40 * K)
    assert "80 % van de vraag, minimaal 50 % vereist" in result["b"].steps[-1]
    assert (result["c"].status, result["c"].amount_cents) == (OutcomeStatus.NOT_FUNDED, 0)
    assert "(€ 0,00 < € 30.000,00)" in result["c"].steps[-1]


def test_partial_funding_below_the_minimum_share_skips_and_only_the_first_misfit_is_considered() -> None:
    # Budget 100k, 80 % minimum. A 60k funded (40k left). B 70k: 40k < 56k, skipped. C 30k funded (10k left).
    # D 12.5k: 10k would be 80 %, but D is not the first that did not fit: skipped.
    projects = [candidate("a", "9", "9", 60 * K), candidate("b", "8", "8", 70 * K),
                candidate("c", "7", "7", 30 * K), candidate("d", "6", "6", 12_50_000)]
    result = by_id(rank(rules(partial=True, partial_min_bp=8000), projects))
    assert result["b"].status == OutcomeStatus.NOT_FUNDED
    assert any("Geen gedeeltelijke subsidie" in s and "80 %" in s for s in result["b"].steps)
    assert (result["c"].status, result["c"].amount_cents) == (OutcomeStatus.FUNDED, 30 * K)
    assert (result["d"].status, result["d"].amount_cents) == (OutcomeStatus.NOT_FUNDED, 0)
    assert not any("gedeeltelijke" in s.lower() for s in result["d"].steps)


def test_a_scenario_with_another_budget_or_threshold_changes_the_outcome_not_the_call() -> None:
    call_rules = rules()
    projects = [candidate("a", "9", "9", 60 * K), candidate("b", "8", "8", 50 * K),
                candidate("c", "7", "7", 30 * K), candidate("x", "4", "10", 5 * K)]
    bigger = by_id(rank(Scenario(budget_cents=150 * K).apply(call_rules), projects))
    assert {k: v.amount_cents for k, v in bigger.items()} == {"a": 60 * K, "b": 50 * K, "c": 30 * K, "x": 0}
    assert bigger["x"].status == OutcomeStatus.EXCLUDED
    no_threshold = by_id(rank(Scenario(thresholds={1: None}).apply(call_rules), projects))
    assert no_threshold["x"].rank == 4 and no_threshold["x"].amount_cents == 5 * K  # 64 points, 5k fits in 10k
    assert call_rules.budget_cents == 100 * K and INNOVATION.min_threshold == Decimal(5)
    with pytest.raises(Invalid):
        Scenario(thresholds={7: Decimal(1)}).apply(call_rules)


def test_every_application_gets_each_step_explained_in_dutch() -> None:
    projects = [candidate("a", "9", "9", 60 * K), candidate("b", "8", "8", 50 * K),
                candidate("x", "4", "10", 5 * K), Candidate("u", "Project u", K, None, {})]
    result = by_id(rank(rules(), projects))
    assert result["a"].steps == [
        "Haalt de minimumscore op elk criterium met een drempel.",
        "Rang 1 van 2 met een gewogen totaal van 90,00 op 100.",
        "Toegekend: € 60.000,00, het volledige gevraagde bedrag; daarna blijft er € 40.000,00 van het budget over.",
    ]
    assert result["b"].steps[1] == "Rang 2 van 2 met een gewogen totaal van 80,00 op 100."
    assert result["b"].steps[2].startswith("Niet gefinancierd: het resterende budget € 40.000,00 is kleiner")
    assert result["x"].steps[-1] == "Niet gerangschikt, ongeacht het gewogen totaal (64,00 op 100); geen subsidie."
    assert result["u"].status == OutcomeStatus.UNSCORED and "Geen scores van de jury" in result["u"].steps[0]


def test_an_unknown_tie_break_code_is_refused() -> None:
    with pytest.raises(Invalid, match="criterium 9"):
        rank(rules(tie_break=("criterion:9",)), [candidate("a", "5", "5")])
    with pytest.raises(Invalid):
        rank(rules(tie_break=("loting",)), [candidate("a", "5", "5")])


def test_the_tie_break_chain_and_the_funding_rule_read_in_dutch_for_the_public_page() -> None:
    assert describe_tie_break(["criterion:1", "requested_amount:asc", "submitted_at:asc"], {1: "Innovatie"}) == [
        "Bij gelijk gewogen totaal gaat voor: de hoogste score op criterium 1 (Innovatie).",
        "Blijft het gelijk, dan gaat voor: het laagste gevraagde bedrag.",
        "Blijft het gelijk, dan gaat voor: de vroegste indiening.",
        "Blijft het dan nog gelijk, dan beslist het dossiernummer van de aanvraag, oplopend: "
        "zo ligt de volgorde altijd vast.",
    ]
    assert describe_tie_break([]) == ["Bij gelijk gewogen totaal beslist het dossiernummer van de aanvraag, "
                                      "oplopend: zo ligt de volgorde altijd vast."]
    assert "minstens 60 % van het gevraagde bedrag" in describe_funding_rule(True, 6000)
    assert "gedeeltelijke" not in describe_funding_rule(False, 6000)


def test_the_mean_of_the_jurors_scores_is_taken_per_criterion() -> None:
    means = mean_scores({"j1": {"c1": Decimal(6), "c2": Decimal(7)}, "j2": {"c1": Decimal(9), "c2": Decimal(8)},
                         "j3": {"c1": Decimal(6)}})
    assert means == {"c1": Decimal(7), "c2": Decimal("7.5")}
