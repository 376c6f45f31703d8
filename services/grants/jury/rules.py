"""Jury rules, pure: the weighted total (the ONE definition, also used by ranking), spread, calibration,
balanced assignment and the meeting order. No I/O."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from services.grants.applications.rules import ApplicationStatus
from shared.i18n import N_, _
from shared.problems import Invalid

TWO_PLACES = Decimal("0.01")

K = TypeVar("K", bound=Hashable)
"""What identifies a criterion or an application to these rules: an id in the service, a name in the tests."""


class ScoredCriterion(Protocol):
    """What the weighted total needs of a criterion (calls.models.Criterion fits)."""

    @property
    def weight(self) -> Decimal: ...

    @property
    def max_score(self) -> int: ...


def weighted_total(scores: Mapping[K, Decimal], criteria: Mapping[K, ScoredCriterion]) -> Decimal:
    """Σ (score / max_score × weight) / Σ weight × 100 over `criteria` (keyed like `scores`, e.g. by
    criterion id), as a Decimal with 2 decimals, ROUND_HALF_UP. A criterion without a score counts as 0.
    No criteria (or all weights 0): 0.00."""
    return weigher(criteria)(scores)


def weigher(criteria: Mapping[K, ScoredCriterion]) -> Callable[[Mapping[K, Decimal]], Decimal]:
    """`weighted_total` against fixed criteria, their weights summed and converted once: ranking totals
    thousands of applications against the same criteria. The same operations in the same order, so the
    same rounding."""
    total_weight = sum((Decimal(c.weight) for c in criteria.values()), Decimal(0))
    terms = [(key, Decimal(c.max_score), Decimal(c.weight)) for key, c in criteria.items()]

    def total(scores: Mapping[K, Decimal]) -> Decimal:
        if total_weight == 0:
            return Decimal("0.00")
        acc = Decimal(0)
        for key, max_score, weight in terms:
            score = scores.get(key, 0)
            acc += (score if type(score) is Decimal else Decimal(score)) / max_score * weight
        return (acc / total_weight * 100).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

    return total


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


REVIEW_STATUS_LABELS: dict[ReviewStatus | None, str] = {None: N_("nog niet begonnen"),
                                                        ReviewStatus.DRAFT: N_("concept"),
                                                        ReviewStatus.SUBMITTED: N_("ingediend")}
"""A juror's review as the jury portal names it; None: the juror saved nothing yet."""
JURY_WORK_STATUSES = frozenset({ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW})
"""Applications a jury works on: screened eligible, not withdrawn or decided. One that is only submitted waits
for its screening: it is never assigned, scored, ranked or awarded before it is found eligible."""
JURY_VISIBLE_STATUSES = JURY_WORK_STATUSES | {ApplicationStatus.AWARDED, ApplicationStatus.REJECTED}
"""Applications whose scores stay readable to the jury after the decision."""
MANAGERS = ("call-manager", "province-admin")


def validate_scores(scores: Sequence[tuple[K, Decimal]], criteria: Mapping[K, ScoredCriterion]) -> dict[K, Decimal]:
    """Scores per criterion of this call, each once, within 0..max_score, at most two decimals."""
    result: dict[K, Decimal] = {}
    for i, (criterion_id, score) in enumerate(scores):
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise Invalid(_("dit criterium hoort niet bij de oproep"), field=f"scores[{i}].criterion_id")
        if criterion_id in result:
            raise Invalid(_("elk criterium krijgt één score"), field=f"scores[{i}].criterion_id")
        if not score.is_finite() or score < 0 or score > criterion.max_score:
            raise Invalid(_("de score moet tussen 0 en %(maximum)s liggen") % {"maximum": criterion.max_score},
                          field=f"scores[{i}].score")
        if score != score.quantize(TWO_PLACES):
            raise Invalid(_("een score heeft hoogstens twee cijfers na de komma"), field=f"scores[{i}].score")
        result[criterion_id] = score
    return result


def check_complete(scores: Mapping[K, tuple[Decimal, str]], criteria: Mapping[K, str]) -> None:
    """Every criterion (id → name) has a score with a written justification; else 422 naming what is missing."""
    unscored = [name for key, name in criteria.items() if key not in scores]
    unjustified = [name for key, name in criteria.items() if key in scores and not scores[key][1].strip()]
    if unscored or unjustified:
        parts = []
        if unscored:
            parts.append(_("geen score voor: %(names)s") % {"names": ", ".join(unscored)})
        if unjustified:
            parts.append(_("geen motivering voor: %(names)s") % {"names": ", ".join(unjustified)})
        raise Invalid(_("de beoordeling is niet volledig: %(parts)s") % {"parts": "; ".join(parts)},
                      unscored=unscored, unjustified=unjustified)


def mean(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    return sum(values, Decimal(0)) / len(values)


def spread(values: Sequence[Decimal]) -> Decimal | None:
    """Population standard deviation (Decimal, 2 decimals, ROUND_HALF_UP); None without values."""
    average = mean(values)
    if average is None:
        return None
    variance = sum(((v - average) ** 2 for v in values), Decimal(0)) / len(values)
    return variance.sqrt().quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def two_places(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def calibration(totals_by_juror: Mapping[str, Sequence[Decimal]]) -> dict[str, Decimal]:
    """Each juror's own average weighted total over all their submitted reviews in the call: a juror whose
    every score sits 10 points above their colleagues' is a strict or a mild marker, not a verdict."""
    return {juror: two_places(sum(totals, Decimal(0)) / len(totals))
            for juror, totals in totals_by_juror.items() if totals}


def is_conflicted(juror_number: str | None, applicant_numbers: Sequence[str], declared: bool) -> bool:
    """Declared by the juror, or detected from the registry: the juror's organisation applies or co-applies."""
    return declared or (bool(juror_number) and juror_number in applicant_numbers)


# --- Balanced assignment ------------------------------------------------------------------------------


class AssignmentProposal(Generic[K]):
    """Who scores which application, each juror's load, and why an application falls short."""

    def __init__(self, assignments: dict[K, list[str]], load: dict[str, int], shortfalls: dict[K, str]) -> None:
        self.assignments = assignments
        self.load = load
        self.shortfalls = shortfalls


def propose_assignments(applications: Mapping[K, frozenset[str]], jurors: Sequence[str],
                        per_application: int) -> AssignmentProposal[K]:
    """Give each application (key → the jurors conflicted on it) `per_application` jurors, never a
    conflicted one, with loads as even as the conflicts allow.

    A min-cost flow with convex costs (a juror's k-th application costs k): source → application (capacity
    per_application) → juror (capacity 1, only when not conflicted) → sink. Each step adds one assignment
    along the cheapest residual path: to the least-loaded juror the application can reach, directly or by
    a chain that moves an assignment from one juror to another. The result gives every application as many
    jurors as it can get and, among such, minimises Σ load²: loads differ by at most 1 unless conflicts force
    otherwise. Deterministic: ties go to the earlier juror in `jurors`."""
    keys = list(applications)
    jurors = list(dict.fromkeys(jurors))
    eligible = [[j for j, juror in enumerate(jurors) if juror not in applications[key]] for key in keys]
    chosen: list[set[int]] = [set() for _ in keys]
    apps_of: list[set[int]] = [set() for _ in jurors]  # juror → the applications it is chosen for
    load = [0] * len(jurors)
    # The most constrained applications first: they have the fewest jurors to choose from.
    for a in sorted(range(len(keys)), key=lambda i: len(eligible[i])):
        for _turn in range(per_application):
            path = _cheapest_path(a, eligible, chosen, apps_of, load)
            if path is None:
                break
            for app, gained, lost in path:
                chosen[app].add(gained)
                apps_of[gained].add(app)
                if lost is not None:
                    chosen[app].discard(lost)
                    apps_of[lost].discard(app)
            load[path[0][1]] += 1
    assignments = {key: [jurors[j] for j in sorted(chosen[i])] for i, key in enumerate(keys)}
    shortfalls: dict[K, str] = {}
    for i, key in enumerate(keys):
        if len(chosen[i]) >= per_application:
            continue
        shortfalls[key] = (_("slechts %(free)s van de %(jurors)s juryleden hebben geen belangenconflict met deze "
                             "aanvraag; er zijn er %(needed)s nodig")
                           % {"free": len(eligible[i]), "jurors": len(jurors), "needed": per_application})
    return AssignmentProposal(assignments, {juror: load[j] for j, juror in enumerate(jurors)}, shortfalls)


def _cheapest_path(start: int, eligible: list[list[int]], chosen: list[set[int]], apps_of: list[set[int]],
                   load: list[int]) -> list[tuple[int, int, int | None]] | None:
    """Breadth-first over the residual graph from application `start`: application → an eligible juror not
    yet chosen for it; juror → an application it is chosen for (that application may hand it over). Every
    such edge costs 0, so the cheapest path ends at the least-loaded reachable juror (then the shortest
    chain, then the earliest juror). Returns the hops (application, juror gained, juror handed over), the
    juror whose load grows first; None when no juror can be reached."""
    lowest = min(load, default=0)
    juror_from: dict[int, int] = {}  # juror → the application that reached it
    app_from: dict[int, int | None] = {start: None}  # application → the juror that reached it
    frontier = [start]
    best: int | None = None
    while frontier and (best is None or load[best] > lowest):
        reached = []
        for a in frontier:
            for j in eligible[a]:
                if j not in chosen[a] and j not in juror_from:
                    juror_from[j] = a
                    reached.append(j)
        for j in sorted(reached):
            if best is None or load[j] < load[best]:
                best = j
        frontier = []
        for j in reached:
            for a in sorted(apps_of[j]):
                if a not in app_from:
                    app_from[a] = j
                    frontier.append(a)
    if best is None:
        return None
    hops: list[tuple[int, int, int | None]] = []
    gained: int | None = best
    while gained is not None:
        a = juror_from[gained]
        handed_over = app_from[a]
        hops.append((a, gained, handed_over))
        gained = handed_over
    return hops


# --- Meeting order ------------------------------------------------------------------------------------


def room_moves(absent: Sequence[frozenset[str]]) -> int:
    """Leave and re-enter moves for discussing applications in this order, where absent[i] is who may not
    be in the room for the i-th: everyone starts and ends in the room."""
    moves, inside_out = 0, frozenset[str]()
    for out in [*absent, frozenset()]:
        moves += len(inside_out ^ out)
        inside_out = out
    return moves


def meeting_order(absent: Mapping[K, frozenset[str]]) -> list[K]:
    """An order of the applications (key → the jurors who must leave the room for it) with few leave and
    re-enter moves: identical conflict sets are discussed one after another (their moves are then free),
    and the groups are ordered by nearest neighbour from the full room, then improved by 2-opt. The
    distance between groups is the size of the symmetric difference of their sets; the path starts and ends
    at the empty set. Within a group, the given order is kept."""
    groups: dict[frozenset[str], list[K]] = {}
    for key, out in absent.items():
        groups.setdefault(frozenset(out), []).append(key)
    sets = list(groups)
    # Nearest neighbour from the empty set (everyone in the room); ties keep the first-seen group.
    route: list[frozenset[str]] = []
    left, here = list(sets), frozenset[str]()
    while left:
        nearest = min(left, key=lambda s: len(here ^ s))
        route.append(nearest)
        left.remove(nearest)
        here = nearest
    route = _two_opt(route)
    return [key for out in route for key in groups[out]]


def _two_opt(route: list[frozenset[str]]) -> list[frozenset[str]]:
    """Reverse segments while that lowers the moves; both ends are tied to the empty set."""
    empty = frozenset[str]()

    def at(i: int) -> frozenset[str]:
        return route[i] if 0 <= i < len(route) else empty

    improved = True
    while improved:
        improved = False
        for i in range(len(route)):
            for k in range(i + 1, len(route)):
                # Reversing route[i..k] replaces edges (i-1, i) and (k, k+1) with (i-1, k) and (i, k+1).
                before = len(at(i - 1) ^ at(i)) + len(at(k) ^ at(k + 1))
                after = len(at(i - 1) ^ at(k)) + len(at(i) ^ at(k + 1))
                if after < before:
                    route[i:k + 1] = reversed(route[i:k + 1])
                    improved = True
    return route


# --- what a refused write means to a person -------------------------------------------------------------

CONSTRAINT_REASONS: dict[str, str] = {
    # {constraint or unique index: the Dutch reason}: the loser of two concurrent requests is answered 409 with
    # this (services.grants.app gathers every capability's; shared.problems answers).
    "uq_jury_members_call_username": N_("dit jurylid werd tegelijk al aan de jury toegevoegd; laad de jury opnieuw"),
    "uq_jury_members_one_chair": N_("de jury kreeg tegelijk al een voorzitter; laad de jury opnieuw"),
    "uq_assignments_application_username": N_("dit jurylid werd tegelijk al aan de aanvraag toegewezen; laad de "
                                              "toewijzingen opnieuw"),
    "uq_conflict_declarations_application_username": N_("uw verklaring over een belangenconflict bij deze aanvraag "
                                                        "werd tegelijk al vastgelegd; laad de aanvraag opnieuw"),
    "uq_reviews_application_username": N_("uw beoordeling van deze aanvraag werd tegelijk al opgeslagen (bv. in een "
                                          "ander venster); laad ze opnieuw en werk verder op die versie"),
    "uq_review_scores_review_criterion": N_("deze score werd tegelijk al opgeslagen; laad uw beoordeling opnieuw"),
    "consensus_pkey": N_("de consensus over deze aanvraag werd tegelijk al vastgelegd; laad ze opnieuw en pas ze aan "
                         "op de versie die u dan ziet"),
}
