"""Ranking and selection, pure: thresholds exclude, the weighted total ranks, the call's published tie-break
chain orders equal totals, the budget is filled in rank order, and every application gets its explanation,
step by step, in Dutch. No I/O: the service feeds it, the benchmark times it.

The selection rule, exactly (also `describe_funding_rule`, which the public page and letters print):
- a project's request counts only up to the call's maximum per project (`fundable_cents`): no project is ever
  awarded more than that maximum, whatever it asked;
- in rank order, a project whose full request fits in what remains of the budget gets its full request;
- a project that does not fit is skipped, and the next ones are still tried: a cheaper, lower-ranked project
  may still be funded;
- with partial funding allowed by the call, the FIRST project in rank order that does not fit gets everything
  that remains, provided that is at least `partial_funding_min_bp` of its request (and more than zero); the
  budget is then used up. If it is less, that project is skipped like any other. Only the first project that
  does not fit is ever considered for partial funding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from services.grants.calls.rules import tie_break_label, tie_break_problems
from services.grants.jury.rules import weigher
from shared.i18n import N_, _
from shared.portal.formats import euros as euro
from shared.portal.formats import fixed as number
from shared.portal.formats import moment_numeric, unequal
from shared.portal.formats import percentage as percent
from shared.problems import Invalid


class OutcomeStatus(StrEnum):
    """Where an application ends up in the ranking and selection."""

    FUNDED = "funded"
    PARTIAL = "partially-funded"
    NOT_FUNDED = "not-funded"
    EXCLUDED = "excluded"
    UNSCORED = "unscored"


OUTCOME_LABELS: dict[OutcomeStatus, str] = {
    OutcomeStatus.FUNDED: N_("gefinancierd"), OutcomeStatus.PARTIAL: N_("gedeeltelijk gefinancierd"),
    OutcomeStatus.NOT_FUNDED: N_("niet gefinancierd"), OutcomeStatus.EXCLUDED: N_("uitgesloten"),
    OutcomeStatus.UNSCORED: N_("nog geen scores"),
}
"""An outcome of the ranking as the call manager's pages name it."""
BASIS = 10_000  # basis points in a whole


@dataclass(frozen=True, slots=True)
class CriterionRule:
    """A criterion as ranking needs it (calls.models.Criterion converted, or a scenario's override)."""

    id: Any
    position: int
    name: str
    weight: Decimal
    max_score: int
    min_threshold: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible application with its final score per criterion id (empty: not scored)."""

    id: str
    title: str
    requested_cents: int
    submitted_at: datetime | None
    scores: Mapping[Any, Decimal]


@dataclass(frozen=True, slots=True)
class RankingRules:
    """The call's published rules: budget, criteria with thresholds, tie-break chain, partial funding."""

    budget_cents: int
    criteria: Sequence[CriterionRule]
    tie_break: Sequence[str] = ()
    partial_funding: bool = False
    partial_funding_min_bp: int = 5000
    max_per_project_cents: int | None = None
    """The call's maximum per project: no project is ever awarded more (None: no maximum)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if: another budget, other thresholds (by criterion position; None removes one), another
    tie-break chain. What is not given stays as the call publishes it."""

    budget_cents: int | None = None
    thresholds: Mapping[int, Decimal | None] = field(default_factory=dict)
    tie_break: Sequence[str] | None = None

    def apply(self, rules: RankingRules) -> RankingRules:
        positions = {c.position for c in rules.criteria}
        unknown = sorted(set(self.thresholds) - positions)
        if unknown:
            raise Invalid(_("de oproep heeft geen criterium met volgnummer %(positions)s")
                          % {"positions": ", ".join(map(str, unknown))}, field="thresholds")
        if self.budget_cents is not None and self.budget_cents < 0:
            raise Invalid(_("het budget kan niet negatief zijn"), field="budget_cents")
        criteria = [replace(c, min_threshold=self.thresholds[c.position]) if c.position in self.thresholds else c
                    for c in rules.criteria]
        return replace(rules, criteria=criteria,
                       budget_cents=rules.budget_cents if self.budget_cents is None else self.budget_cents,
                       tie_break=rules.tie_break if self.tie_break is None else tuple(self.tie_break))


@dataclass(slots=True)
class Outcome:
    application_id: str
    title: str
    status: OutcomeStatus
    requested_cents: int
    amount_cents: int = 0
    rank: int | None = None
    total: Decimal | None = None
    steps: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"application_id": self.application_id, "title": self.title, "status": self.status,
                "requested_cents": self.requested_cents, "amount_cents": self.amount_cents, "rank": self.rank,
                "total": None if self.total is None else str(self.total), "steps": self.steps}


@dataclass(slots=True)
class Ranking:
    rules: RankingRules
    outcomes: list[Outcome]  # ranked ones in rank order, then excluded, then unscored
    awarded_cents: int

    @property
    def remaining_cents(self) -> int:
        return self.rules.budget_cents - self.awarded_cents


def deviations(published: RankingRules, applied: RankingRules,
               criteria_names: Mapping[int, str] | None = None) -> list[str]:
    """How `applied` (a what-if's rules) leaves the call's published rules, in Dutch, one sentence each: a
    budget above the call's, a threshold other than the published one (lowered, raised, added or dropped),
    another tie-break chain. Empty: the scenario stays within the budget and the published rules."""
    names = criteria_names or {c.position: c.name for c in published.criteria}
    found: list[str] = []
    if applied.budget_cents > published.budget_cents:
        found.append(f"Het budget van het voorstel ({euro(applied.budget_cents)}) is hoger dan het budget van de "
                     f"oproep ({euro(published.budget_cents)}).")
    thresholds = {c.position: c.min_threshold for c in applied.criteria}
    for criterion in sorted(published.criteria, key=lambda c: c.position):
        before, after = criterion.min_threshold, thresholds.get(criterion.position, criterion.min_threshold)
        if before == after:
            continue
        label = f"criterium {criterion.position} ({names.get(criterion.position, criterion.name)})"
        if before is None and after is not None:
            found.append(f"Het voorstel legt een drempel {number(after)} op {label}, waar de oproep geen drempel "
                         "publiceerde.")
        elif before is not None and after is None:
            found.append(f"De gepubliceerde drempel {number(before)} op {label} geldt niet in het voorstel.")
        elif before is not None and after is not None:
            found.append(f"De drempel op {label} is {number(after)} in het voorstel, {number(before)} in de oproep.")
    if tuple(applied.tie_break) != tuple(published.tie_break):
        found.append("Bij gelijke stand volgt het voorstel een andere regel dan de gepubliceerde: "
                     + " ".join(describe_tie_break(applied.tie_break, names)))
    return found


# --- the tie-break chain ------------------------------------------------------------------------------

LAST_RULE = "het dossiernummer van de aanvraag, oplopend: zo ligt de volgorde altijd vast"


def check_tie_break(chain: Sequence[str], positions: Sequence[int]) -> None:
    """The published vocabulary is the calls capability's (calls.rules.TIE_BREAKS and criterion:<position>);
    an empty chain is allowed here (a scenario may drop it: the application id still decides)."""
    problems = tie_break_problems(chain, positions) if chain else []
    if problems:
        raise Invalid("; ".join(problems), field="tie_break")


def describe_tie_rule(code: str, criteria_names: Mapping[int, str] | None = None) -> str:
    return tie_break_label(code, criteria_names)


def describe_tie_break(chain: Sequence[str], criteria_names: Mapping[int, str] | None = None) -> list[str]:
    """The published chain in Dutch, one sentence per rule, in the order they apply, for the call's public
    page: ["Bij gelijk gewogen totaal gaat voor: de hoogste score op criterium 1 (Innovatie).", …]."""
    sentences = []
    for index, code in enumerate(chain):
        lead = "Bij gelijk gewogen totaal gaat voor" if index == 0 else "Blijft het gelijk, dan gaat voor"
        sentences.append(f"{lead}: {describe_tie_rule(code, criteria_names)}.")
    lead = "Blijft het dan nog gelijk, dan beslist" if chain else "Bij gelijk gewogen totaal beslist"
    sentences.append(f"{lead} {LAST_RULE}.")
    return sentences


def describe_funding_rule(partial_funding: bool, partial_funding_min_bp: int) -> str:
    """The selection rule in Dutch, as the public page and the letters state it."""
    rule = ("Het budget wordt verdeeld in de volgorde van de rangschikking: elk project krijgt het volledige "
            "gevraagde bedrag zolang dat binnen het resterende budget past. Een project dat niet meer past, "
            "wordt overgeslagen; lager gerangschikte projecten die wel nog passen, worden verder gefinancierd.")
    if partial_funding:
        rule += (" Het eerste project in de rangschikking dat niet meer volledig past, krijgt het volledige "
                 "resterende budget als gedeeltelijke subsidie, op voorwaarde dat dat minstens "
                 f"{percent(partial_funding_min_bp)} van het gevraagde bedrag is; daarmee is het budget op. "
                 "Is het minder, dan wordt ook dat project overgeslagen.")
    return rule


def _sort_key(candidate: Candidate, total: Decimal, chain: Sequence[tuple[str, Any]]) -> tuple[Any, ...]:
    key: list[Any] = [-total]
    for kind, arg in chain:
        key.append(_tie_value(candidate, kind, arg))
    key.append(candidate.id)
    return tuple(key)


def _tie_value(candidate: Candidate, kind: str, arg: Any) -> Any:
    """Smaller sorts first."""
    if kind == "total:desc":  # equal by definition within a tie: published for completeness
        return 0
    if kind == "criterion":
        return -Decimal(candidate.scores.get(arg, 0))
    if kind == "requested_amount:asc":
        return candidate.requested_cents
    if kind == "requested_amount:desc":
        return -candidate.requested_cents
    moment = candidate.submitted_at.timestamp() if candidate.submitted_at else math.inf
    return moment if kind == "submitted_at:asc" else -moment


def _tie_shown(candidate: Candidate, kind: str, arg: Any, words: _Words) -> str:
    if kind == "criterion":
        return words.number(Decimal(candidate.scores.get(arg, 0)))
    if kind.startswith("requested_amount"):
        return words.euro(candidate.requested_cents)
    if kind == "total:desc":
        return ""
    moment = candidate.submitted_at
    return words.moment(moment) if moment else "niet ingediend"


class _Words:
    """The amounts, scores, moments and tie-break rules of one ranking as the explanations write them, each
    written once: in a call of 2,000 applications the same totals, amounts and rules recur thousands of
    times, and the reader's language cannot change while a ranking is worked out (it is synchronous)."""

    def __init__(self, names: Mapping[int, str]) -> None:
        self.euro = cache(euro)
        self.number = cache(number)
        self.moment = cache(moment_numeric)
        self.rule = cache(lambda code: describe_tie_rule(code, names))


# --- the engine ---------------------------------------------------------------------------------------


def rank(rules: RankingRules, candidates: Sequence[Candidate]) -> Ranking:
    criteria = sorted(rules.criteria, key=lambda c: c.position)
    by_position = {c.position: c for c in criteria}
    check_tie_break(rules.tie_break, list(by_position))
    names = {c.position: c.name for c in criteria}
    chain = [("criterion", by_position[int(code.split(":")[1])].id) if code.startswith("criterion:")
             else (code, None) for code in rules.tie_break]
    total_of = weigher({c.id: c for c in criteria})
    thresholds = [(c, c.min_threshold) for c in criteria if c.min_threshold is not None]
    words = _Words(names)

    ranked: list[tuple[tuple[Any, ...], Candidate, Decimal]] = []
    excluded: list[Outcome] = []
    unscored: list[Outcome] = []
    for candidate in candidates:
        if not candidate.scores:
            unscored.append(Outcome(candidate.id, candidate.title, OutcomeStatus.UNSCORED, candidate.requested_cents,
                                    steps=["Geen scores van de jury: de aanvraag kan niet gerangschikt worden en "
                                           "krijgt geen subsidie."]))
            continue
        total = total_of(candidate.scores)
        failed = [(c, minimum) for c, minimum in thresholds if Decimal(candidate.scores.get(c.id, 0)) < minimum]
        if failed:
            steps = []
            for c, minimum in failed:
                score, threshold = unequal(Decimal(candidate.scores.get(c.id, 0)), minimum)
                steps.append(f"Uitgesloten door de drempel op criterium {c.position} ({c.name}): de score "
                             f"{score} is lager dan de minimumscore {threshold} ({score} < {threshold}).")
            steps.append(f"Niet gerangschikt, ongeacht het gewogen totaal ({words.number(total)} op 100); "
                         "geen subsidie.")
            excluded.append(Outcome(candidate.id, candidate.title, OutcomeStatus.EXCLUDED, candidate.requested_cents,
                                    total=total, steps=steps))
            continue
        ranked.append((_sort_key(candidate, total, chain), candidate, total))

    ranked.sort(key=lambda item: item[0])
    count = len(ranked)
    outcomes: list[Outcome] = []
    for index, (key, candidate, total) in enumerate(ranked):
        steps = ["Haalt de minimumscore op elk criterium met een drempel."] if thresholds else []
        steps.append(f"Rang {index + 1} van {count} met een gewogen totaal van {words.number(total)} op 100.")
        for neighbour_index, before in ((index - 1, True), (index + 1, False)):
            if 0 <= neighbour_index < count and ranked[neighbour_index][2] == total:
                other_key, other, _total = ranked[neighbour_index]
                steps.append(_tie_step((key, candidate), (other_key, other), before, total, chain, rules.tie_break,
                                       words))
        outcomes.append(Outcome(candidate.id, candidate.title, OutcomeStatus.NOT_FUNDED, candidate.requested_cents,
                                rank=index + 1, total=total, steps=steps))

    awarded = _fill_budget(rules, outcomes, words)
    return Ranking(rules=rules, outcomes=[*outcomes, *excluded, *unscored], awarded_cents=awarded)


def _tie_step(ranked: tuple[tuple[Any, ...], Candidate], neighbour: tuple[tuple[Any, ...], Candidate],
              other_is_above: bool, total: Decimal, chain: Sequence[tuple[str, Any]], codes: Sequence[str],
              words: _Words) -> str:
    """Why `ranked` stands after or before its `neighbour` with the same total: the first rule of the chain on
    which their sort keys (`_sort_key`: the total, then one value per rule) differ."""
    (key, candidate), (other_key, other) = ranked, neighbour
    where = "na" if other_is_above else "vóór"
    lead = f"Gelijk gewogen totaal ({words.number(total)}) met «{other.title}»; staat er {where} volgens "
    for place, ((kind, arg), code) in enumerate(zip(chain, codes, strict=True), start=1):
        if key[place] != other_key[place]:
            return (f"{lead}de gepubliceerde regel: {words.rule(code)} "
                    f"({_tie_shown(candidate, kind, arg, words)} tegen {_tie_shown(other, kind, arg, words)}).")
    return f"{lead}de laatste regel: {LAST_RULE}."


def fundable_cents(requested_cents: int, max_per_project_cents: int | None) -> int:
    """What a project can be awarded at most: its request, capped by the call's maximum per project."""
    if max_per_project_cents is None:
        return requested_cents
    return min(requested_cents, max_per_project_cents)


def _fill_budget(rules: RankingRules, ranked: list[Outcome], words: _Words) -> int:
    remaining = rules.budget_cents
    misfit_seen = False
    for outcome in ranked:
        asked = fundable_cents(outcome.requested_cents, rules.max_per_project_cents)
        wanted = words.euro(asked)
        if asked < outcome.requested_cents:
            requested = words.euro(outcome.requested_cents)
            outcome.steps.append(
                f"Het gevraagde bedrag {requested} is hoger dan het maximum per project {wanted} ({requested} > "
                f"{wanted}): er kan hoogstens {wanted} toegekend worden.")
        named = "het gevraagde bedrag" if asked == outcome.requested_cents else "het maximum per project"
        if asked <= remaining:
            remaining -= asked
            outcome.status, outcome.amount_cents = OutcomeStatus.FUNDED, asked
            whole = "het volledige gevraagde bedrag" if asked == outcome.requested_cents else "het maximum per project"
            outcome.steps.append(f"Toegekend: {wanted}, {whole}; daarna blijft er "
                                 f"{words.euro(remaining)} van het budget over.")
            continue
        left = words.euro(remaining)
        first_misfit, misfit_seen = not misfit_seen, True
        if rules.partial_funding and first_misfit:
            if remaining > 0 and remaining * BASIS >= asked * rules.partial_funding_min_bp:
                share = remaining * BASIS // asked
                outcome.status, outcome.amount_cents = OutcomeStatus.PARTIAL, remaining
                outcome.steps.append(
                    f"Gedeeltelijk toegekend: het resterende budget {left} is kleiner dan {named} "
                    f"{wanted}; als eerste project dat niet meer volledig past, krijgt het het volledige "
                    f"resterende budget ({percent(share)} van de vraag, minimaal "
                    f"{percent(rules.partial_funding_min_bp)} vereist). Het budget is daarmee op.")
                remaining = 0
                continue
            outcome.steps.append(
                f"Geen gedeeltelijke subsidie: het resterende budget {left} is minder dan "
                f"{percent(rules.partial_funding_min_bp)} van {named} {wanted}.")
        outcome.steps.append(
            f"Niet gefinancierd: het resterende budget {left} is kleiner dan {named} {wanted} ({left} < {wanted}); "
            "het project wordt overgeslagen, zodat lager gerangschikte projecten die wel passen nog gefinancierd "
            "kunnen worden.")
    return rules.budget_cents - remaining


def mean_scores(juror_scores: Mapping[str, Mapping[Any, Decimal]]) -> dict[Any, Decimal]:
    """Per criterion, the mean of the jurors' submitted scores (what ranking uses where the chair recorded
    no consensus; jury.service.final_scores does the same from the database). Each criterion's scores are
    gathered first and summed at once, in the jurors' order (so rounded the same way), from 0."""
    columns: dict[Any, list[Decimal]] = {}
    for scores in juror_scores.values():
        for key, score in scores.items():
            column = columns.get(key)
            if column is None:
                columns[key] = [score]
            else:
                column.append(score)
    return {key: sum(map(Decimal, column), Decimal(0)) / len(column) for key, column in columns.items()}
