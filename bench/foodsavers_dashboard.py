"""The coordinator's dashboard totals over 10 million pickup lines: one province (vlaams-brabant) with two years
of workday rounds, 10,000,000 pickup lines (1,000,000 pickups of 10 lines) and 2,000,000 delivery lines, then 16
concurrent clients reading the figures the dashboard shows over a half year: the impact API through the gateway
(totals, and by category, week, donor, recipient, municipality) and the dashboard page itself. Prints
p50/p95/p99; the limit is p95 < 100 ms for the totals through the API as coordinators read them (the figures a
replica keeps for impact.cache.SECONDS, forgotten at each sync). A second, shorter pass asks every read for a
period nobody asked before, so each one is computed from the rollups: its figures are reported beside, as the
cost of a read right after the totals changed. Writes bench/results/foodsavers_dashboard.json.

    python -m bench.foodsavers_dashboard [--lines 10000000] [--requests 2000] [--clients 16] [--profile test]

The registry, the series and its rounds are made through the API; the lines themselves are seeded with COPY
(asyncpg `copy_records_to_table` as the database's superuser, with the foreign keys' per-row triggers off for
the session: the rows are consistent by construction), because 10 million lines through the sync API
would take the bench's whole budget (bench/foodsavers_sync.py measures that path); then the daily totals are
recomputed from the lines with `impact.totals.rebuild`, with their rollups (what the sync keeps as lines
arrive). A second run finds the lines (counted first) and only reads (rebuilding first if the rollups are
missing). The page is read from foodsavers with the headers the gateway forwards
(bearer token and CSRF), since through the gateway a page rides on a browser session; the API goes through the
gateway."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.catalogue_search import latencies
from bench.foodsavers_sync import CATEGORIES, CELSIUS, LINE_COLUMNS, PICKUP_COLUMNS, Api, started, superuser
from devstack.config import StackConfig
from devstack.platform import service_url
from services.foodsavers.impact import totals
from shared.db import Database
from shared.municipalities import of_province

TENANT = "vlaams-brabant"
LIMIT_MS = 100.0
RESULTS = Path(__file__).parent / "results" / "foodsavers_dashboard.json"
PERIOD = (date(2024, 1, 1), date(2025, 12, 31))
"""The seeded rounds' period: two years of workdays."""
READ = (date(2025, 7, 1), date(2025, 12, 31))
"""The period the clients read: a half year, the dashboard's default view and the region's report period."""
SERIES_NAME = "Bench: twee jaar werkdagen"
DONORS = 20
RECIPIENTS = 30
CHUNK = 200_000
DELIVERY_COLUMNS = ("id", "tenant", "round_id", "stop_id", "recipient_id", "delivered_at", "confirmed_by", "note",
                    "driver_id")
DELIVERY_LINE_COLUMNS = ("id", "tenant", "delivery_id", "round_id", "recipient_id", "delivered_at", "category",
                         "grams")
QUERIES: list[dict[str, str]] = [
    {}, {"by": "category"}, {"by": "week"}, {"by": "donor"}, {"by": "recipient"}, {"by": "municipality"},
]


async def world(api: Api) -> tuple[list[tuple[uuid.UUID, date]], list[uuid.UUID], list[uuid.UUID], uuid.UUID]:
    """The series' rounds (id, day), donors, recipients and driver: found, or made through the API."""
    driver = uuid.UUID(await api.driver())
    series = [s for s in (await api.call("GET", "/series", params={"limit": 200}))["items"]
              if s["name"] == SERIES_NAME]
    if series:
        donors = [uuid.UUID(str(s["party_id"])) for s in series[0]["stops"] if s["kind"] == "pickup"]
        recipients = [uuid.UUID(str(s["party_id"])) for s in series[0]["stops"] if s["kind"] == "delivery"]
    else:
        municipalities = [m.code for m in of_province(TENANT)]
        donors = [uuid.UUID(str((await api.call("POST", "/donors", json={
            "name": f"Bench supermarkt {n}", "kind": "supermarket",
            "municipality": municipalities[n % len(municipalities)]}))["id"])) for n in range(DONORS)]
        recipients = [uuid.UUID(str((await api.call("POST", "/recipients", json={
            "name": f"Bench voedselhulp {n}", "kind": "social-grocery", "people_served": 50 + n,
            "municipality": municipalities[(7 * n) % len(municipalities)]}))["id"])) for n in range(RECIPIENTS)]
        vehicle = await api.call("POST", "/vehicles", json={
            "name": "Bench koelwagen", "refrigerated": True, "capacity_grams": 2_000_000,
            "emission_grams_per_km": 250})
        await api.call("POST", "/series", json={
            "name": SERIES_NAME, "kind": "rescue", "weekdays": [1, 2, 3, 4, 5],
            "starts_on": PERIOD[0].isoformat(), "ends_on": PERIOD[1].isoformat(), "start_time": "08:00",
            "driver_id": str(driver), "vehicle_id": vehicle["id"],
            "stops": [*({"kind": "pickup", "donor_id": str(d)} for d in donors[:3]),
                      *({"kind": "delivery", "recipient_id": str(r)} for r in recipients[:3])]})
    rounds: list[tuple[uuid.UUID, date]] = []
    cursor: str | None = None
    while True:
        page = await api.call("GET", "/rounds", params={"from": PERIOD[0].isoformat(), "until": PERIOD[1].isoformat(),
                                                         "limit": 500, **({"cursor": cursor} if cursor else {})})
        rounds += [(uuid.UUID(r["id"]), date.fromisoformat(r["day"])) for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return rounds, donors, recipients, driver


def moment(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 300))


async def seed(config: StackConfig, api: Api, wanted: int) -> int:
    """COPYs lines until the tenant has `wanted` pickup lines; returns how many were added (0: found)."""
    rounds, donors, recipients, driver = await world(api)
    connection = await superuser(config)
    try:
        have = await connection.fetchval("SELECT count(*) FROM pickup_lines WHERE tenant = $1", TENANT)
        if have >= wanted:
            return 0
        # Bulk seeding of rows that are consistent by construction: the foreign keys' per-row triggers are skipped
        # for this session (the superuser's replica mode), which makes the COPY several times faster.
        await connection.execute("SET session_replication_role = replica")
        rng = random.Random(2026)
        started = time.perf_counter()
        added = 0
        while added < wanted - have:
            size = min(CHUNK, wanted - have - added)
            pickups: list[tuple[Any, ...]] = []
            lines: list[tuple[Any, ...]] = []
            deliveries: list[tuple[Any, ...]] = []
            delivery_lines: list[tuple[Any, ...]] = []
            for p in range(size // 10):
                round_id, day = rounds[(added // 10 + p) % len(rounds)]
                pickup, donor, at = uuid.uuid4(), donors[rng.randrange(len(donors))], moment(day, rng)
                pickups.append((pickup, TENANT, round_id, None, donor, at, False, 0, "", driver))
                for _ in range(10):
                    category = CATEGORIES[rng.randrange(len(CATEGORIES))]
                    celsius = CELSIUS.get(category)
                    grams = rng.randrange(200, 20_000)
                    refused = grams // 10 if rng.random() < 0.02 else 0
                    lines.append((uuid.uuid4(), TENANT, pickup, round_id, donor, at, category, grams, refused,
                                  "verpakking beschadigd" if refused else "", "none", None,
                                  None if celsius is None else Decimal(celsius), []))
                if p % 5 == 0:  # one delivery of 10 lines per 5 pickups: 2 million delivery lines for 10 million
                    delivery, recipient = uuid.uuid4(), recipients[rng.randrange(len(recipients))]
                    deliveries.append((delivery, TENANT, round_id, None, recipient, at, "bench", "", driver))
                    delivery_lines += [(uuid.uuid4(), TENANT, delivery, round_id, recipient, at, category,
                                        rng.randrange(1000, 50_000)) for category in CATEGORIES + CATEGORIES[:2]]
            async with connection.transaction():
                await connection.copy_records_to_table("pickups", records=pickups, columns=PICKUP_COLUMNS)
                await connection.copy_records_to_table("pickup_lines", records=lines, columns=LINE_COLUMNS)
                await connection.copy_records_to_table("deliveries", records=deliveries, columns=DELIVERY_COLUMNS)
                await connection.copy_records_to_table("delivery_lines", records=delivery_lines,
                                                       columns=DELIVERY_LINE_COLUMNS)
            added += size
            print(f"  seeded {have + added} pickup lines ({time.perf_counter() - started:.0f} s)", flush=True)
        await connection.execute("ANALYZE pickup_lines; ANALYZE delivery_lines; ANALYZE pickups; ANALYZE deliveries")
        return added
    finally:
        await connection.close()


async def rebuild(config: StackConfig) -> float:
    db = Database.from_url(config.database_url("foodsavers", "regie_app"), pool_size=1)
    started = time.perf_counter()
    try:
        async with db.transaction(TENANT) as session:
            await totals.rebuild(session, TENANT)
    finally:
        await db.dispose()
    connection = await superuser(config)
    try:
        await connection.execute("ANALYZE daily_totals; ANALYZE monthly_totals; ANALYZE category_days; "
                                 "ANALYZE recipient_days")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def rolled_up(config: StackConfig) -> bool:
    """Whether the tenant's totals have their monthly rollup (a seed from before the rollups has none)."""
    connection = await superuser(config)
    try:
        return bool(await connection.fetchval("SELECT count(*) FROM monthly_totals WHERE tenant = $1", TENANT))
    finally:
        await connection.close()


def period_of(n: int, computed: bool) -> dict[str, str]:
    """The half year every coordinator reads; or, to measure the computing itself, a period no request read
    before (its first day moves forward a day, its last day back a day, so no answer comes from the figures
    kept per replica)."""
    if not computed:
        return {"from": READ[0].isoformat(), "until": READ[1].isoformat()}
    return {"from": (READ[0] + timedelta(days=n % 60)).isoformat(),
            "until": (READ[1] - timedelta(days=n // 60)).isoformat()}


async def read(config: StackConfig, api: Api, requests: int, clients: int, *, computed: bool = False
               ) -> dict[str, Any]:
    """`requests` reads by `clients` at once: nine in ten through the impact API (the totals and each breakdown),
    one in ten the dashboard page. With `computed`, every read asks a period not asked before."""
    api.tokens.clear()  # the seed may have outlived the tokens
    token = await api.token("coordinator")
    period = period_of(0, False)
    page = f"{service_url(config, 'foodsavers')}/{TENANT}/voedsel/"
    plan: list[tuple[str, str, dict[str, str]]] = []
    for n in range(requests):
        asked = period_of(n, computed)
        if n % 10 == 9:
            plan.append(("page", page, {"van": asked["from"], "tot": asked["until"]}))
        else:
            plan.append(("api", api.url("/impact"), {**asked, **QUERIES[n % len(QUERIES)]}))
    random.Random(7).shuffle(plan)
    headers = {"Authorization": f"Bearer {token}", "x-csrf-token": "bench"}
    timings: dict[str, list[float]] = {"api": [], "page": []}
    failures: list[tuple[int, str]] = []
    queue: asyncio.Queue[tuple[str, str, dict[str, str]]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    http = api.http
    for n in range(30):  # warm up: connections and query plans (with periods the measured reads do not ask)
        kind, url, params = plan[n]
        await http.get(url, params={**params, **({"until": (READ[1] + timedelta(days=1 + n)).isoformat()}
                                                  if computed and kind == "api" else {})}, headers=headers)

    async def client() -> None:
        while not queue.empty():
            kind, url, params = queue.get_nowait()
            started = time.perf_counter()
            response = await http.get(url, params=params, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                failures.append((response.status_code, response.text[:200]))
            timings[kind].append(elapsed * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    sample = (await http.get(api.url("/impact"), params=period, headers=headers)).json()
    everything = timings["api"] + timings["page"]
    summary: dict[str, Any] = {"requests": requests, "clients": clients, "seconds": round(wall, 2),
                               "requests_per_second": round(requests / wall, 1), "failures": len(failures),
                               "sample_figures": {k: v for k, v in sample.items() if not isinstance(v, list | dict)}}
    for kind, values in (("api", timings["api"]), ("page", timings["page"]), ("all", everything)):
        summary[kind] = latencies(values)
    if failures:
        summary["failure_examples"] = failures[:3]
    return summary


async def run(config: StackConfig, lines: int, requests: int, clients: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        api = Api(http, config, TENANT)
        started = time.perf_counter()
        added = await seed(config, api, lines)
        seeded = time.perf_counter() - started
        rebuilt = await rebuild(config) if added or not await rolled_up(config) else None
        print(f"dashboard: {lines} pickup lines in {TENANT} ({added} added in {seeded:.0f} s"
              + (f", totals rebuilt in {rebuilt:.1f} s)" if rebuilt is not None else ")"), flush=True)
        summary = await read(config, api, requests, clients)
        summary["computed"] = await read(config, api, requests // 4, clients, computed=True)
    connection = await superuser(config)
    try:
        summary["pickup_lines"] = await connection.fetchval(
            "SELECT count(*) FROM pickup_lines WHERE tenant = $1", TENANT)
        summary["daily_totals_rows"] = await connection.fetchval(
            "SELECT count(*) FROM daily_totals WHERE tenant = $1", TENANT)
        summary["monthly_totals_rows"] = await connection.fetchval(
            "SELECT count(*) FROM monthly_totals WHERE tenant = $1", TENANT)
    finally:
        await connection.close()
    summary["rebuild_seconds"] = round(rebuilt, 1) if rebuilt is not None else None
    summary["limit_ms"] = LIMIT_MS
    summary["pass"] = summary["failures"] == 0 and summary["api"]["p95_ms"] < LIMIT_MS
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.foodsavers_dashboard", description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    config = started(args.profile)
    summary = asyncio.run(run(config, args.lines, args.requests, args.clients))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    for label, measured in (("as read", summary), ("computed", summary["computed"])):
        for kind in ("api", "page"):
            figures = measured[kind]
            print(f"  {label:<9}{kind:<5} p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
                  f"p99 {figures['p99_ms']} ms")
    print(f"  {summary['requests_per_second']} requests/s at {args.clients} clients, {summary['failures']} failures, "
          f"{summary['pickup_lines']} pickup lines, {summary['daily_totals_rows']} daily totals")
    print(f"  {'ok  ' if summary['pass'] else 'FAIL'} totals through the API as coordinators read them: p95 under "
          f"{LIMIT_MS:.0f} ms with no failures")
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
