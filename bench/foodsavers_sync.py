"""The drivers' phones syncing at scale: N concurrent clients (8 by default) post sync batches of exactly 500
pickup lines (50 pickups × 10 lines, every id fresh, as a phone makes them) through the gateway with the demo
driver's token for ~20 s, each client to its own round of today with its own donors (as separate vans would), so
every rule, the totals' upsert and the outbox events apply. Measures lines/s.

In the same run, the same number of equivalent rows (fresh ids; pickups first, then their lines) is COPYed into
`pickups` and `pickup_lines` with asyncpg's `copy_records_to_table`, as the database's superuser (COPY FROM is not
allowed under Row-Level Security, which binds every other role): the floor nothing can beat. The ratio is sync
lines/s ÷ COPY rows/s (both timings include the pickups' rows); the goal is ≥ 0.2. Writes
bench/results/foodsavers_sync.json {lines_per_s, copy_rows_per_s, ratio, goal, pass}.

    python -m bench.foodsavers_sync [--clients 8] [--seconds 20] [--profile test]

Uses the profile's stack (started if needed, as the tests do); the gateway is restarted with a rate limit above
the benchmark's rate, so that it measures the sync, not the limit a single client address would meet."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
import httpx

from bench.summary import save
from devstack import postgres
from devstack.config import StackConfig
from devstack.platform import start_services
from devstack.stack import Stack
from shared.municipalities import of_province

TENANT = "limburg"
GOAL = 0.2
LINES_PER_PICKUP = 10
PICKUPS_PER_BATCH = 50
RESULTS = Path(__file__).parent / "results" / "foodsavers_sync.json"
CATEGORIES = ("fresh-produce", "bread", "dairy", "meat-fish", "frozen", "prepared-meals", "dry", "non-food")
CELSIUS = {"dairy": "4.0", "meat-fish": "3.0", "prepared-meals": "5.0", "frozen": "-19.0"}
"""The chilled and frozen categories need a measured temperature."""
PICKUP_COLUMNS = ("id", "tenant", "round_id", "stop_id", "donor_id", "picked_up_at", "van_full", "left_behind_grams",
                  "note", "driver_id")
LINE_COLUMNS = ("id", "tenant", "pickup_id", "round_id", "donor_id", "picked_up_at", "category", "grams",
                "refused_grams", "refused_reason", "date_kind", "best_date", "celsius", "flags")


class Api:
    """foodsavers' API behind the gateway as one user."""

    def __init__(self, http: httpx.AsyncClient, config: StackConfig, tenant: str) -> None:
        self.http = http
        self.config = config
        self.tenant = tenant
        self.tokens: dict[str, str] = {}

    async def token(self, username: str) -> str:
        if username not in self.tokens:
            response = await self.http.post(
                f"{self.config.keycloak_url}/realms/{self.tenant}/protocol/openid-connect/token",
                data={"grant_type": "password", "client_id": "regie-cli", "username": username, "password": "demo"})
            response.raise_for_status()
            self.tokens[username] = response.json()["access_token"]
        return self.tokens[username]

    def url(self, path: str) -> str:
        return f"{self.config.gateway_url}/{self.tenant}/api/foodsavers{path}"

    async def call(self, method: str, path: str, user: str = "coordinator", **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {await self.token(user)}", **kwargs.pop("headers", {})}
        response = await self.http.request(method, self.url(path), headers=headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:400]}")
        return response.json()

    async def driver(self, username: str = "driver") -> str:
        """The id of the driver registered for the demo login `username`, registering it the first time."""
        found = (await self.call("GET", "/drivers", params={"username": username}))["items"]
        if found:
            return str(found[0]["id"])
        return str((await self.call("POST", "/drivers", json={"name": "Bench chauffeur", "username": username}))["id"])

    async def world(self, clients: int, donors_per_client: int = 5, day: date | None = None,
                    ) -> list[tuple[str, list[str], str]]:
        """Per client its round of `day` (today, Brussels) and its donors: [(round id, donor ids, driver id)]."""
        municipality = of_province(self.tenant)[0].code
        run = uuid.uuid4().hex[:6]
        driver = await self.driver()
        vehicle = await self.call("POST", "/vehicles", json={
            "name": f"Bench vrachtwagen {run}", "refrigerated": True, "capacity_grams": 40_000_000,
            "emission_grams_per_km": 600})
        day = day or datetime.now(ZoneInfo("Europe/Brussels")).date()
        made = []
        for c in range(clients):
            donors = [str((await self.call("POST", "/donors", json={
                "name": f"Bench schenker {run}-{c}-{d}", "kind": "supermarket", "municipality": municipality}))["id"])
                for d in range(donors_per_client)]
            round_ = await self.call("POST", "/rounds", json={
                "day": day.isoformat(), "kind": "rescue", "start_time": "00:00", "driver_id": driver,
                "vehicle_id": vehicle["id"], "stops": [{"kind": "pickup", "donor_id": d} for d in donors]})
            made.append((str(round_["id"]), donors, driver))
        return made


def batch(round_id: str, donors: Sequence[str], picked_up_at: str) -> dict[str, Any]:
    """50 pickups × 10 lines, fresh ids, as a phone sends them."""
    pickups = []
    for p in range(PICKUPS_PER_BATCH):
        lines = []
        for n in range(LINES_PER_PICKUP):
            category = CATEGORIES[(p + n) % len(CATEGORIES)]
            lines.append({"id": str(uuid.uuid4()), "category": category, "grams": 1000 + 137 * n,
                          "refused_grams": 0, "refused_reason": "", "date_kind": "none", "best_date": None,
                          "celsius": CELSIUS.get(category)})
        pickups.append({"id": str(uuid.uuid4()), "round_id": round_id, "stop_id": None,
                        "donor_id": donors[p % len(donors)], "picked_up_at": picked_up_at, "van_full": False,
                        "left_behind_grams": 0, "note": "", "lines": lines})
    return {"pickups": pickups, "deliveries": [], "closings": []}


async def sync(api: Api, world: list[tuple[str, list[str], str]], seconds: float) -> dict[str, Any]:
    """Each client posts batches until `seconds` have passed; counts the lines stored."""
    stored = 0
    refused: list[Any] = []
    batches = 0
    picked_up_at = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token = await api.token("driver")
    url = api.url("/sync")

    async def client(round_id: str, donors: list[str]) -> None:
        nonlocal stored, batches
        while time.perf_counter() < deadline:
            body = batch(round_id, donors, picked_up_at)
            response = await api.http.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 200:
                raise RuntimeError(f"sync: {response.status_code} {response.text[:400]}")
            answer = response.json()
            stored += sum(1 for item in answer["stored"]
                          if item["kind"] == "pickup-line" and item["outcome"] == "stored")
            refused.extend(answer["refused"])
            batches += 1

    await api.http.post(url, json=batch(world[0][0], world[0][1], picked_up_at),  # warm up
                        headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(client(round_id, donors) for round_id, donors, _ in world))
    wall = time.perf_counter() - started
    return {"batches": batches, "lines": stored, "seconds": round(wall, 2), "lines_per_s": round(stored / wall, 1),
            "refused": len(refused), "refused_examples": refused[:3]}


async def superuser(config: StackConfig, database: str = "foodsavers") -> asyncpg.Connection:
    """The database's superuser over the stack's unix socket (trusted there only)."""
    return await asyncpg.connect(host=str(postgres.socket_dir(config)), port=config.pg_port,
                                 user=config.pg_superuser, database=database)


def copy_rows(tenant: str, round_id: uuid.UUID, donors: Sequence[uuid.UUID], driver: uuid.UUID | None,
              lines: int, at: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Pickups and their lines equivalent to what the sync stores, fresh ids."""
    pickups: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    for p in range(lines // LINES_PER_PICKUP):
        pickup = uuid.uuid4()
        donor = donors[p % len(donors)]
        pickups.append((pickup, tenant, round_id, None, donor, at, False, 0, "", driver))
        for n in range(LINES_PER_PICKUP):
            category = CATEGORIES[(p + n) % len(CATEGORIES)]
            celsius = CELSIUS.get(category)
            rows.append((uuid.uuid4(), tenant, pickup, round_id, donor, at, category, 1000 + 137 * n, 0, "", "none",
                         None, None if celsius is None else Decimal(celsius), []))
    return pickups, rows


async def copy(config: StackConfig, world: list[tuple[str, list[str], str]], lines: int) -> dict[str, Any]:
    round_id, donors, driver = world[0]
    pickups, rows = copy_rows(TENANT, uuid.UUID(round_id), [uuid.UUID(d) for d in donors], uuid.UUID(driver),
                              lines, datetime.now(UTC) - timedelta(minutes=1))
    connection = await superuser(config)
    try:
        started = time.perf_counter()
        async with connection.transaction():
            await connection.copy_records_to_table("pickups", records=pickups, columns=PICKUP_COLUMNS)
            await connection.copy_records_to_table("pickup_lines", records=rows, columns=LINE_COLUMNS)
        wall = time.perf_counter() - started
    finally:
        await connection.close()
    return {"rows": len(rows), "pickups": len(pickups), "seconds": round(wall, 2),
            "copy_rows_per_s": round(len(rows) / wall, 1)}


async def run(config: StackConfig, clients: int, seconds: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        api = Api(http, config, TENANT)
        world = await api.world(clients)
        synced = await sync(api, world, seconds)
    copied = await copy(config, world, max(synced["lines"], 500))
    ratio = synced["lines_per_s"] / copied["copy_rows_per_s"] if copied["copy_rows_per_s"] else 0.0
    return {"clients": clients, "batch_lines": PICKUPS_PER_BATCH * LINES_PER_PICKUP, "sync": synced, "copy": copied,
            "lines_per_s": synced["lines_per_s"], "copy_rows_per_s": copied["copy_rows_per_s"],
            "ratio": round(ratio, 3), "goal": GOAL, "pass": ratio >= GOAL and synced["refused"] == 0}


def started(profile: str) -> StackConfig:
    """The profile's stack up, the services (re)started, the gateway with a rate limit above any bench's rate."""
    config = StackConfig.from_env(profile)
    Stack(config).up()
    os.environ["REGIE_RATE_LIMIT_PER_MINUTE"] = "1000000"
    os.environ["REGIE_TOKEN_RATE_LIMIT_PER_MINUTE"] = "1000000"
    start_services(config, ("partners", "grants", "foodsavers"), restart=True)
    start_services(config, ("gateway",), restart=True)
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.foodsavers_sync", description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    config = started(args.profile)
    summary = asyncio.run(run(config, args.clients, args.seconds))
    save(RESULTS, summary)
    print(f"  sync through the gateway: {summary['lines_per_s']} lines/s ({summary['sync']['batches']} batches of "
          f"{summary['batch_lines']} lines, {args.clients} clients, {summary['sync']['refused']} refused)")
    print(f"  COPY of as many rows:     {summary['copy_rows_per_s']} rows/s")
    print(f"  {'ok  ' if summary['pass'] else 'FAIL'} ratio {summary['ratio']} (goal ≥ {GOAL})")
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
