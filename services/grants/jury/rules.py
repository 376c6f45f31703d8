"""Jury rules, pure: the weighted total (the ONE definition, also used by ranking), spread, calibration,
balanced assignment and the meeting order. No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

TWO_PLACES = Decimal("0.01")


class ScoredCriterion(Protocol):
    """What the weighted total needs of a criterion (calls.models.Criterion fits)."""

    @property
    def weight(self) -> Decimal: ...

    @property
    def max_score(self) -> int: ...


def weighted_total(scores: Mapping[object, Decimal], criteria: Mapping[object, ScoredCriterion]) -> Decimal:
    """Σ (score / max_score × weight) / Σ weight × 100 over `criteria` (keyed like `scores`, e.g. by
    criterion id), as a Decimal with 2 decimals, ROUND_HALF_UP. A criterion without a score counts as 0.
    No criteria (or all weights 0): 0.00."""
    total_weight = sum((Decimal(c.weight) for c in criteria.values()), Decimal(0))
    if total_weight == 0:
        return Decimal("0.00")
    acc = Decimal(0)
    for key, criterion in criteria.items():
        score = Decimal(scores.get(key, 0))
        acc += score / Decimal(criterion.max_score) * Decimal(criterion.weight)
    return (acc / total_weight * 100).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
