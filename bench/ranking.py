"""Ranking and selection of one call: 2,000 applications, 9 jurors, 6 criteria (seeded random scores),
from the jurors' raw scores (aggregated to the mean per criterion) to the ranked, budgeted, explained
outcome, timed in-process on the pure engine. Prints best and median of several runs and writes them to
bench/results/ranking.json; the goal is on the median.

    python -m bench.ranking [--applications 2000] [--jurors 9] [--criteria 6] [--runs 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.summary import save
from services.grants.ranking.rules import Candidate, CriterionRule, RankingRules, mean_scores, rank

LIMIT_MS = 100.0
RESULTS = Path(__file__).parent / "results" / "ranking.json"


Raw = list[tuple[str, int, datetime, dict[str, dict[str, Decimal]]]]


def make_call(applications: int, jurors: int, criteria: int, seed: int) -> tuple[RankingRules, Raw]:
    rng = random.Random(seed)
    rules = [CriterionRule(id=f"c{i}", position=i, name=f"Criterium {i}", weight=Decimal(rng.choice([10, 15, 20, 25])),
                           max_score=10, min_threshold=Decimal(3) if i <= 2 else None)
             for i in range(1, criteria + 1)]
    opened = datetime(2026, 9, 1, tzinfo=UTC)
    raw: Raw = []
    for n in range(applications):
        requested = rng.randrange(5_000, 50_001) * 100
        # integer scores 0..10 per juror make many equal totals: the tie-break chain is exercised.
        scores = {f"j{j}": {c.id: Decimal(rng.randint(2, 10)) for c in rules} for j in range(jurors)}
        raw.append((f"{n:08d}", requested, opened + timedelta(seconds=rng.randrange(30 * 86400)), scores))
    budget = sum(r[1] for r in raw) // 4
    call = RankingRules(budget_cents=budget, criteria=rules,
                        tie_break=("criterion:1", "requested_amount:asc", "submitted_at:asc"),
                        partial_funding=True, partial_funding_min_bp=5000)
    return call, raw


def run_once(call: RankingRules, raw: Raw) -> tuple[float, int]:
    started = time.perf_counter()
    candidates = [Candidate(id=id, title=f"Project {id}", requested_cents=requested, submitted_at=submitted,
                            scores=mean_scores(scores)) for id, requested, submitted, scores in raw]
    ranking = rank(call, candidates)
    elapsed = time.perf_counter() - started
    steps = sum(len(o.steps) for o in ranking.outcomes)
    return elapsed, steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--jurors", type=int, default=9)
    parser.add_argument("--criteria", type=int, default=6)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    call, raw = make_call(args.applications, args.jurors, args.criteria, args.seed)
    timings = []
    for _ in range(args.runs):
        elapsed, steps = run_once(call, raw)
        timings.append(elapsed)
    best, median = round(min(timings) * 1000, 1), round(statistics.median(timings) * 1000, 1)
    passed = median <= LIMIT_MS
    save(RESULTS, {"applications": args.applications, "jurors": args.jurors, "criteria": args.criteria,
                   "explanation_steps": steps, "runs": args.runs, "best_ms": best, "median_ms": median,
                   "limit_ms": LIMIT_MS, "passed": passed})
    print(f"ranking: {args.applications} applications, {args.jurors} jurors, {args.criteria} criteria, "
          f"{steps} explanation steps; {args.runs} runs: best {best} ms, median {median} ms "
          f"(limit {LIMIT_MS:.0f} ms)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
