"""The yearly coordination report of an agreement with 200 indicators (10 objectives × 4 actions × 5 indicators,
targets for three years, most with an approved realisation and a paragraph of narrative), as PDF and as XLSX:
timed through the real HTTP API of a running partners process (`GET /{tenant}/plans/{id}/report`, the database
queries, the counting and the layout included), and in-process (build and layout alone) to show where the time
goes. Prints best and median of several runs; the limit is 2 s per report. Writes bench/results/partners_report.json.

    python -m bench.partners_report [--indicators 200] [--runs 5] [--profile test] [--in-process-only]

Uses the profile's stack (started if needed, as the tests do) and the partners service already running on it
(started if not). The plan's rows are written directly to the database; the reports go through HTTP."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.summary import save
from devstack.config import StackConfig
from devstack.platform import service_url, start_services
from devstack.stack import Stack
from services.partners.organisations import models as organisations  # noqa: F401  (the tables plans refer to)
from services.partners.plans.models import Action, Indicator, Objective, Plan, PlanParty, Target
from services.partners.plans.repository import Framework
from services.partners.plans.rules import Feed, ObjectiveLevel, PlanKind, PlanStatus
from services.partners.realisations.models import Realisation
from services.partners.realisations.rules import RealisationStatus
from services.partners.reports import pdf, xlsx
from services.partners.reports.builder import build
from shared.db import Database
from shared.ids import uuid7

TENANT = "west-vlaanderen"
YEAR = 2020
LIMIT_SECONDS = 2.0
RESULTS = Path(__file__).parent / "results" / "partners_report.json"
NARRATIVE = ("Toelichting bij de realisatie: wat er gebeurde, met welke partners en voor hoeveel deelnemers, "
             "met de verwijzing naar het verslag van de stuurgroep. ")


def make_plan(indicators: int) -> tuple[Framework, list[Realisation]]:
    """The plan's rows, in memory, with ids of their own (a fresh plan per run of the benchmark)."""
    plan = Plan(id=uuid7(), tenant=TENANT, kind=PlanKind.AGREEMENT, status=PlanStatus.ACTIVE,
                title=f"Benchmark: samenwerkingsovereenkomst met {indicators} indicatoren", summary="",
                starts_on=date(YEAR, 1, 1), ends_on=date(YEAR + 2, 12, 31), municipalities=["33011"],
                created_by="bench")
    parties = [PlanParty(id=uuid7(), tenant=TENANT, plan_id=plan.id, organisation_id=None, name=name, role=role,
                         position=position)
               for position, (name, role) in enumerate((("Provincie West-Vlaanderen", "provincie"),
                                                        ("VDAB", "partner"), ("Stad Ieper", "gemeente")))]
    framework = Framework(plan=plan, parties=parties, objectives=[], actions=[], indicators=[], targets=[])
    realisations: list[Realisation] = []
    per_action = max(1, -(-indicators // 40))
    made = 0
    for o in range(1, 11):
        objective = Objective(id=uuid7(), tenant=TENANT, plan_id=plan.id, parent_id=None, level=ObjectiveLevel.POLICY,
                              code=str(o), title=f"Beleidsdoelstelling {o}: de sociale economie in de regio versterken",
                              remarks="Opmerking van de stuurgroep bij deze doelstelling. " * 2, position=o)
        framework.objectives.append(objective)
        for a in range(1, 5):
            action = Action(id=uuid7(), tenant=TENANT, plan_id=plan.id, objective_id=objective.id, code=f"{o}.{a}",
                            title=f"Actie {o}.{a}: netwerking, begeleiding en toeleiding van doelgroepen",
                            position=len(framework.actions) + 1)
            framework.actions.append(action)
            for _ in range(per_action):
                if made >= indicators:
                    break
                made += 1
                indicator = Indicator(id=uuid7(), tenant=TENANT, plan_id=plan.id, action_id=action.id,
                                      name=f"Indicator {made}: aantal begeleide trajecten naar werk", unit="trajecten",
                                      baseline=Decimal(10), feed=Feed.ENTERED, rule=None, position=made)
                framework.indicators.append(indicator)
                framework.targets += [Target(id=uuid7(), tenant=TENANT, indicator_id=indicator.id, year=year,
                                             value=Decimal(100 + 10 * (year - YEAR))) for year in range(YEAR, YEAR + 3)]
                if made % 7:
                    realisations.append(Realisation(
                        id=uuid7(), tenant=TENANT, plan_id=plan.id, indicator_id=indicator.id, year=YEAR,
                        value=Decimal(made % 130), narrative=NARRATIVE * 2, status=RealisationStatus.APPROVED,
                        submitted_by="bench", submitted_at=datetime.now(UTC), decided_by="bench",
                        decided_at=datetime.now(UTC), reasons=""))
    return framework, realisations


def timed(runs: int, work: Callable[[], Any]) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return timings


def in_process(indicators: int, runs: int) -> dict[str, list[float]]:
    framework, realisations = make_plan(indicators)

    def report() -> Any:
        return build(framework, realisations, {YEAR: {}}, YEAR, datetime.now(UTC))

    return {"build": timed(runs, report), "pdf": timed(runs, lambda: pdf.render(report())),
            "xlsx": timed(runs, lambda: xlsx.render(report()))}


async def store(config: StackConfig, framework: Framework, realisations: list[Realisation]) -> None:
    db = Database.from_url(config.database_url("partners", "regie_app"), pool_size=1)
    try:
        async with db.transaction(TENANT) as session:
            session.add(framework.plan)
            session.add_all(framework.parties)
            await session.flush()
            for rows in (framework.objectives, framework.actions, framework.indicators, framework.targets,
                         realisations):
                session.add_all(rows)
                await session.flush()
    finally:
        await db.dispose()


def token(config: StackConfig, username: str) -> str:
    response = httpx.post(f"{config.keycloak_url}/realms/{TENANT}/protocol/openid-connect/token", timeout=10,
                          data={"grant_type": "password", "client_id": "regie-cli", "username": username,
                                "password": "demo", "scope": "openid"})
    response.raise_for_status()
    return str(response.json()["access_token"])


def through_http(config: StackConfig, indicators: int, runs: int) -> dict[str, list[float]]:
    framework, realisations = make_plan(indicators)
    asyncio.run(store(config, framework, realisations))
    url = f"{service_url(config, 'partners')}/{TENANT}/plans/{framework.plan.id}/report"
    headers = {"Authorization": f"Bearer {token(config, 'coordinator')}"}
    timings: dict[str, list[float]] = {}
    with httpx.Client(timeout=60) as http:
        for file_format in ("pdf", "xlsx"):
            def fetch(file_format: str = file_format) -> None:
                response = http.get(url, params={"year": YEAR, "format": file_format}, headers=headers)
                response.raise_for_status()
            fetch()  # the first request warms the connection pool and the code paths
            timings[f"http {file_format}"] = timed(runs, fetch)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.partners_report", description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", default="test")
    parser.add_argument("--in-process-only", action="store_true")
    args = parser.parse_args(argv)
    timings = in_process(args.indicators, args.runs)
    if not args.in_process_only:
        config = StackConfig.from_env(args.profile)
        Stack(config).up()
        start_services(config, ("partners",))
        timings |= through_http(config, args.indicators, args.runs)
    summary = {name: {"best_ms": round(min(t) * 1000, 1), "median_ms": round(statistics.median(t) * 1000, 1)}
               for name, t in timings.items()}
    for name, figures in summary.items():
        print(f"report of {args.indicators} indicators, {name}: {args.runs} runs: best {figures['best_ms']:.1f} ms, "
              f"median {figures['median_ms']:.1f} ms (limit {LIMIT_SECONDS * 1000:.0f} ms)")
    failed = any(statistics.median(t) >= LIMIT_SECONDS for t in timings.values())
    save(RESULTS, {"benchmark": "partners_report", "indicators": args.indicators, "runs": args.runs,
                   "limit_ms": LIMIT_SECONDS * 1000, "timings": summary, "passed": not failed,
                   "at": datetime.now(UTC).isoformat()})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
