"""The jury's pure rules: weighted total, spread, calibration, balanced assignment, meeting order."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest

from services.grants.jury import rules
from shared.problems import Invalid


@dataclass(frozen=True)
class Crit:
    weight: Decimal
    max_score: int


CRITERIA = {"impact": Crit(Decimal(40), 10), "samenwerking": Crit(Decimal(30), 10), "begroting": Crit(Decimal(30), 5)}


def test_weighted_total_is_the_weighted_share_of_the_maxima_on_a_hundred() -> None:
    scores = {"impact": Decimal(8), "samenwerking": Decimal(6), "begroting": Decimal(5)}
    # (0.8×40 + 0.6×30 + 1×30) / 100 × 100
    assert rules.weighted_total(scores, CRITERIA) == Decimal("80.00")


def test_weighted_total_rounds_half_up_to_two_decimals() -> None:
    criteria = {"a": Crit(Decimal(1), 3), "b": Crit(Decimal(1), 8)}
    # (1/3 + 1/8)/2 × 100 = 22.916…
    assert rules.weighted_total({"a": Decimal(1), "b": Decimal(1)}, criteria) == Decimal("22.92")
    assert rules.weighted_total({"b": Decimal("0.1")}, {"b": Crit(Decimal(1), 8)}) == Decimal("1.25")
    # 0.01 / 8 × 100 = 0.125 exactly: half goes up
    assert rules.weighted_total({"b": Decimal("0.01")}, {"b": Crit(Decimal(1), 8)}) == Decimal("0.13")


def test_a_missing_score_counts_as_zero_and_no_weights_give_zero() -> None:
    assert rules.weighted_total({"impact": Decimal(10)}, CRITERIA) == Decimal("40.00")
    assert rules.weighted_total({}, {}) == Decimal("0.00")


def test_spread_is_the_population_standard_deviation() -> None:
    assert rules.spread([Decimal(70), Decimal(80), Decimal(90)]) == Decimal("8.16")
    assert rules.spread([Decimal(50), Decimal(50)]) == Decimal("0.00")
    assert rules.spread([Decimal(42)]) == Decimal("0.00")
    assert rules.spread([]) is None


def test_calibration_is_each_jurors_own_average() -> None:
    averages = rules.calibration({"strict": [Decimal(40), Decimal(50)], "mild": [Decimal(90)], "idle": []})
    assert averages == {"strict": Decimal("45.00"), "mild": Decimal("90.00")}


def test_scores_must_be_within_zero_and_the_maximum_of_their_criterion() -> None:
    assert rules.validate_scores([("impact", Decimal("7.5"))], CRITERIA) == {"impact": Decimal("7.5")}
    with pytest.raises(Invalid, match="tussen 0 en 5"):
        rules.validate_scores([("begroting", Decimal(6))], CRITERIA)
    with pytest.raises(Invalid):
        rules.validate_scores([("impact", Decimal(-1))], CRITERIA)
    with pytest.raises(Invalid, match="hoort niet bij de oproep"):
        rules.validate_scores([("elders", Decimal(1))], CRITERIA)
    with pytest.raises(Invalid, match="één score"):
        rules.validate_scores([("impact", Decimal(1)), ("impact", Decimal(2))], CRITERIA)
    with pytest.raises(Invalid, match="twee cijfers"):
        rules.validate_scores([("impact", Decimal("1.234"))], CRITERIA)


def test_a_review_is_complete_only_with_every_criterion_scored_and_justified() -> None:
    names = {"impact": "Impact", "begroting": "Begroting"}
    rules.check_complete({"impact": (Decimal(1), "goed"), "begroting": (Decimal(2), "helder")}, names)
    with pytest.raises(Invalid) as missing:
        rules.check_complete({"impact": (Decimal(1), "  ")}, names)
    assert missing.value.extensions == {"unscored": ["Begroting"], "unjustified": ["Impact"]}


def test_a_juror_is_conflicted_when_declared_or_when_their_organisation_applies() -> None:
    assert rules.is_conflicted("0400000196", ["0400000196", "0400000295"], declared=False)
    assert rules.is_conflicted(None, ["0400000196"], declared=True)
    assert not rules.is_conflicted(None, ["0400000196"], declared=False)
    assert not rules.is_conflicted("0400000394", ["0400000196"], declared=False)


# --- assignment ---------------------------------------------------------------------------------------


def assert_valid(proposal: rules.AssignmentProposal, conflicts: dict, per_application: int) -> None:
    for key, jurors in proposal.assignments.items():
        assert not set(jurors) & conflicts[key], f"{key} got a conflicted juror"
        assert len(jurors) == len(set(jurors)) <= per_application
    counted = {j: 0 for j in proposal.load}
    for jurors in proposal.assignments.values():
        for juror in jurors:
            counted[juror] += 1
    assert counted == proposal.load


def test_assignment_without_conflicts_gives_every_application_its_jurors_with_loads_one_apart() -> None:
    conflicts = {f"app{i}": frozenset() for i in range(10)}
    proposal = rules.propose_assignments(conflicts, ["a", "b", "c", "d"], 3)
    assert_valid(proposal, conflicts, 3)
    assert all(len(j) == 3 for j in proposal.assignments.values())
    assert sorted(proposal.load.values()) == [7, 7, 8, 8]
    assert proposal.shortfalls == {}


def test_assignment_never_gives_a_conflicted_juror_and_still_balances_by_moving_work() -> None:
    # "a" is conflicted on the first half: a greedy pass that fills the first applications with the idle
    # jurors first would overload them; the balanced proposal hands work to "a" on the second half.
    conflicts = {f"app{i}": frozenset({"a"}) if i < 4 else frozenset() for i in range(8)}
    proposal = rules.propose_assignments(conflicts, ["a", "b", "c", "d"], 2)
    assert_valid(proposal, conflicts, 2)
    assert all(len(j) == 2 for j in proposal.assignments.values())
    assert sorted(proposal.load.values()) == [4, 4, 4, 4]


def test_a_conflict_can_force_imbalance_and_the_proposal_says_which_application_falls_short() -> None:
    # Everyone but "a" is conflicted on app1, and "a" may score only app1 of the others' load: app1 needs 2
    # jurors but only "a" is free; the rest balance as well as that allows.
    conflicts = {"app1": frozenset({"b", "c"}), "app2": frozenset({"a"}), "app3": frozenset({"a"})}
    proposal = rules.propose_assignments(conflicts, ["a", "b", "c"], 2)
    assert_valid(proposal, conflicts, 2)
    assert proposal.assignments == {"app1": ["a"], "app2": ["b", "c"], "app3": ["b", "c"]}
    assert proposal.load == {"a": 1, "b": 2, "c": 2}
    assert set(proposal.shortfalls) == {"app1"}
    assert "slechts 1 van de 3 juryleden" in proposal.shortfalls["app1"]


def test_a_conflict_that_forces_loads_more_than_one_apart_is_the_best_possible() -> None:
    # "d" may only score app0; everything else has to go to a, b, c.
    conflicts = {"app0": frozenset()} | {f"app{i}": frozenset({"d"}) for i in range(1, 7)}
    proposal = rules.propose_assignments(conflicts, ["a", "b", "c", "d"], 1)
    assert_valid(proposal, conflicts, 1)
    assert proposal.load["d"] == 1
    assert sorted(proposal.load[j] for j in "abc") == [2, 2, 2]


@pytest.mark.parametrize("seed", range(25))
def test_assignment_on_random_conflicts_is_valid_maximal_and_as_even_as_exhaustive_search(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    jurors = ["a", "b", "c", "d"]
    conflicts = {f"app{i}": frozenset(j for j in jurors if rnd.random() < 0.3) for i in range(5)}
    proposal = rules.propose_assignments(conflicts, jurors, 2)
    assert_valid(proposal, conflicts, 2)
    # Exhaustive: every choice of up to 2 free jurors per application.
    options = [[c for r in (2, 1, 0) for c in itertools.combinations([j for j in jurors if j not in conflicts[k]], r)]
               for k in conflicts]
    best_total, best_loads = -1, None
    for choice in itertools.product(*options):
        total = sum(len(c) for c in choice)
        loads = sorted((sum(j in c for c in choice) for j in jurors), reverse=True)
        if total > best_total or (total == best_total and loads < best_loads):
            best_total, best_loads = total, loads
    assert sum(proposal.load.values()) == best_total
    assert sorted(proposal.load.values(), reverse=True) == best_loads


# --- meeting order ------------------------------------------------------------------------------------


def test_room_moves_count_every_leave_and_every_return() -> None:
    a, b, none = frozenset({"a"}), frozenset({"b"}), frozenset()
    assert rules.room_moves([none, none]) == 0
    assert rules.room_moves([a]) == 2  # leaves, comes back
    assert rules.room_moves([a, b, a]) == 6
    assert rules.room_moves([a, a, b]) == 4


def test_meeting_order_groups_identical_conflicts_and_beats_the_naive_order() -> None:
    a, b, ab, none = frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b"}), frozenset()
    absent = {1: a, 2: none, 3: b, 4: a, 5: none, 6: ab, 7: b}
    order = rules.meeting_order(absent)
    assert sorted(order) == list(absent)
    sets = [absent[k] for k in order]
    naive = rules.room_moves(list(absent.values()))
    assert naive == 10
    # the optimum: none, none, a, a, ab, b, b → a leaves, b leaves, a returns, b returns = 4
    assert rules.room_moves(sets) == 4
    # identical sets sit together
    for s in (a, b, none):
        positions = [i for i, x in enumerate(sets) if x == s]
        assert positions == list(range(positions[0], positions[0] + len(positions)))


@pytest.mark.parametrize("seed", range(10))
def test_meeting_order_is_never_worse_than_the_naive_order(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    jurors = "abcdef"
    absent = {i: frozenset(j for j in jurors if rnd.random() < 0.2) for i in range(30)}
    order = rules.meeting_order(absent)
    assert sorted(order) == list(absent)
    assert rules.room_moves([absent[k] for k in order]) <= rules.room_moves(list(absent.values()))
