"""Submission under load: 200 applicants submit in the last second before a deadline a few seconds away,
some just after it, through the real HTTP API of a running grants process. Asserts that no submission is
lost or doubled: every 200 is a submitted row with exactly one application.submitted event in the stream (none
left in the outbox), every refusal left a draft, call.closed counts exactly the accepted ones. Prints p50/p95.

The raw baseline, in the same run: the same requests on the same schedule as single-row UPDATEs through an
asyncpg pool on the same database (as many connections as a grants process may open), flipping the status of a
copy of the same drafts (table bench_submissions, made for the run and dropped after it) with the deadline in the
statement: what one submission costs PostgreSQL without the service. Three such deadlines one after the other
(three calls, each with its own schedule), the p95 of each side taken over all three. The goal: p95 at most 5× the
baseline's, nothing lost or doubled. Writes bench/results/submit_load.json.

    python -m bench.submit_load [--applicants 200] [--late 20] [--deadlines 3] [--profile test]

Uses the profile's stack (started if needed, as the tests do) and the grants service already running on
it (started if not). Setup rows (the call, the drafts) are written directly to the database; the submits
go through HTTP."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text

from bench.summary import save
from devstack.config import StackConfig
from devstack.platform import service_url, start_services
from devstack.realms import enterprise_number
from devstack.stack import Stack
from services.grants.applications.models import Application
from services.grants.calls.models import Call, Criterion
from shared.db import Database
from shared.events.envelope import decode
from shared.ids import uuid7

TENANT = "west-vlaanderen"
SUBMITTED = "be.regie.grants.application.submitted.v1"
CLOSED = "be.regie.grants.call.closed.v1"
RESULTS = Path(__file__).parent / "results" / "submit_load.json"
GOAL_RATIO = 5.0
"""p95 through the API at most this many times the raw UPDATE's p95."""
POOL = 20
"""Connections of the baseline's pool: as many as one grants process may open (pool 10 + overflow 10)."""
KEPT_CONNECTIONS = 10
"""Before the burst, as many requests at once as a grants process keeps connections in its pool (pool 10): a grants
that has been running meets a deadline with them open, where the first run after a start opened them during the
burst. (Each connection still prepares the submission's statements at its first submission.)"""
DEADLINES = 3
"""Calls closing one after the other, each with its own applicants' schedule and each replayed as the baseline's
UPDATEs right after it; the goal is checked on the p95 of each side over all of them. One deadline's p95 is the
12th slowest of 240 requests on each side: on this 2-core machine it moved the ratio by about ±1 between runs of
the same code (bench/README.md, "The eighth look")."""
BASELINE_UPDATE = ("UPDATE bench_submissions SET status = 'submitted', submitted_at = clock_timestamp() "
                   "WHERE id = $1 AND status = 'draft' AND clock_timestamp() < $2 RETURNING id")


def token(config: StackConfig, username: str) -> str:
    response = httpx.post(f"{config.keycloak_url}/realms/{TENANT}/protocol/openid-connect/token", timeout=10,
                          data={"grant_type": "password", "client_id": "regie-cli", "username": username,
                                "password": "demo", "scope": "openid"})
    response.raise_for_status()
    return response.json()["access_token"]


async def prepare(db: Database, applicants: int, closes_in: float) -> tuple[Call, list[str]]:
    async with db.transaction(TENANT) as session:
        now = await session.scalar(text("select clock_timestamp()"))
        call = Call(id=uuid7(), tenant=TENANT, title="Benchmark: indienen onder belasting", status="published",
                    total_budget_cents=100_000_000, max_per_project_cents=5_000_000, cofinancing_rate_bp=8_000,
                    opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(seconds=closes_in),
                    published_at=now, created_by="bench", tie_break=["submitted_at:asc"],
                    eligibility={}, required_attachments=[])
        call.criteria = [Criterion(id=uuid7(), tenant=TENANT, call_id=call.id, position=1, name="Kwaliteit",
                                   weight=100, max_score=10)]
        session.add(call)
        await session.flush()
        number = enterprise_number(TENANT, "applicant")
        ids = []
        for index in range(applicants):
            application = Application(
                id=uuid7(), tenant=TENANT, call_id=call.id, applicant_sub="bench", applicant_username="applicant",
                applicant_enterprise_number=number, applicant_name=f"Onderneming {index}",
                title=f"Project {index}", requested_cents=1_000_000 + index, total_cost_cents=2_000_000,
                budget_lines=[], status="draft", withdrawal_reason="")
            session.add(application)
            ids.append(str(application.id))
    return call, ids


async def listed(http: aiohttp.ClientSession, url: str) -> None:
    async with http.get(url, params={"limit": 1}) as response:
        response.raise_for_status()
        await response.read()


async def submit(http: aiohttp.ClientSession, url: str, at: float) -> tuple[int, float, str]:
    await asyncio.sleep(max(0.0, at - time.time()))
    started = time.perf_counter()
    async with http.post(url, headers={"If-Match": '"1"'}) as response:  # the draft as written, unchanged since
        body = await response.text()
    return response.status, time.perf_counter() - started, body


async def stream_count(nats_url: str, call_id: str) -> tuple[dict[str, int], list[int]]:
    """The call's application.submitted messages per application, and the submissions each of its call.closed
    messages counted."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    sub = await js.pull_subscribe(f"grants.{TENANT}.>", durable=None, stream="GRANTS",
                                  config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL))
    counts: dict[str, int] = {}
    closed: list[int] = []
    while True:
        # The stream keeps every earlier run's submissions too: read until none is pending, since a fetch on a busy
        # machine may time out (as nats' or asyncio's TimeoutError) with more still to come.
        try:
            messages = await sub.fetch(1000, timeout=2.0)
        except (nats.errors.TimeoutError, TimeoutError):
            messages = []
        if not messages and (await sub.consumer_info()).num_pending == 0:
            break
        for message in messages:
            envelope = decode(message.data)
            if envelope.data.get("call_id") != call_id:
                continue
            if envelope.type == SUBMITTED:
                counts[envelope.data["application_id"]] = counts.get(envelope.data["application_id"], 0) + 1
            elif envelope.type == CLOSED:
                closed.append(int(envelope.data["submitted_applications"]))
    await nc.close()
    return counts, closed


async def raw_updates(config: StackConfig, ids: list[str], plan: list[tuple[str, float]],
                      deadline: float) -> dict[str, Any]:
    """The baseline: `plan` (application id, moment) replayed from a second from now, each a single-row UPDATE of
    a copy of the drafts through an asyncpg pool, refused at or after the replayed `deadline` like a late
    submission. Latency from the planned moment to the answer, pool wait included (as the API's includes its
    queue). The database's clock is this machine's."""
    dsn = config.database_url("grants", "regie_owner").replace("postgresql+asyncpg://", "postgresql://")
    owner = await asyncpg.connect(dsn)
    await owner.execute("DROP TABLE IF EXISTS bench_submissions")
    await owner.execute("CREATE TABLE bench_submissions (id uuid PRIMARY KEY, status text NOT NULL, "
                        "submitted_at timestamptz)")
    await owner.executemany("INSERT INTO bench_submissions (id, status) VALUES ($1, 'draft')",
                            [(uuid.UUID(i),) for i in ids])
    pool = await asyncpg.create_pool(dsn, min_size=POOL, max_size=POOL)
    shift = time.time() + 1.0 - min(at for _, at in plan)
    replayed_deadline = datetime.fromtimestamp(deadline + shift, UTC)

    async def one(application_id: str, at: float) -> tuple[float, bool]:
        await asyncio.sleep(max(0.0, at + shift - time.time()))
        started = time.perf_counter()
        async with pool.acquire() as connection:
            row = await connection.fetchrow(BASELINE_UPDATE, uuid.UUID(application_id), replayed_deadline)
        return time.perf_counter() - started, row is not None

    try:
        results = await asyncio.gather(*(one(i, at) for i, at in plan))
        updated = await owner.fetch("SELECT id::text FROM bench_submissions WHERE status = 'submitted'")
    finally:
        await pool.close()
        await owner.execute("DROP TABLE IF EXISTS bench_submissions")
        await owner.close()
    accepted = [i for (i, _), (_, ok) in zip(plan, results, strict=True) if ok]
    latencies = [seconds for seconds, _ in results]
    rows = {r[0] for r in updated}
    return {"requests": len(plan), "updated": len(accepted), "p95_ms": ms(percentile(latencies, 0.95)),
            "latencies": latencies, "lost": len(rows.symmetric_difference(accepted)),
            "doubled": len(accepted) - len(set(accepted))}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


async def one_deadline(config: StackConfig, applicants: int, late: int, closes_in: float,
                       seed: int) -> dict[str, Any]:
    """One call's deadline: its drafts, the burst through the API, the checks, and the same plan replayed as the
    baseline's UPDATEs right after it. The latencies of both sides, the checks and the counts."""
    grants = service_url(config, "grants")
    db = Database.from_url(config.database_url("grants", "regie_app"), pool_size=2)
    relay = Database.from_url(config.database_url("grants", "regie_relay"), pool_size=2)
    call, ids = await prepare(db, applicants + late, closes_in)
    assert call.closes_at is not None
    deadline = call.closes_at.timestamp()
    bearer = {"Authorization": f"Bearer {token(config, 'applicant')}"}
    rng = random.Random(seed)
    # The last minute compressed: a quarter in the very last second, the rest in the seconds before; a tenth
    # twice (a client retrying); `late` just after the deadline.
    rush = applicants // 4
    plan = [(i, deadline - rng.uniform(0.05, 1.0)) for i in ids[:rush]]
    plan += [(i, deadline - rng.uniform(1.0, closes_in - 3.0)) for i in ids[rush:applicants]]
    plan += [(i, deadline - rng.uniform(0.05, 0.5)) for i in rng.sample(ids[:applicants], applicants // 10)]
    plan += [(i, deadline + rng.uniform(0.05, 0.5)) for i in ids[applicants:]]
    # aiohttp, not httpx: the client's own time is in every latency measured, and httpx spent several times
    # aiohttp's CPU per request (bench/README.md, "Submissions at the deadline").
    connector = aiohttp.TCPConnector(limit=len(plan), keepalive_timeout=60)
    async with aiohttp.ClientSession(headers=bearer, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with http.get(f"{grants}/{TENANT}/calls", params={"limit": 1}) as warm:  # warm up the token check
            await warm.read()
        await asyncio.gather(*(listed(http, f"{grants}/{TENANT}/applications") for _ in range(KEPT_CONNECTIONS)))
        results = await asyncio.gather(*(submit(http, f"{grants}/{TENANT}/applications/{i}/submit", at)
                                         for i, at in plan))
    by_id: dict[str, set[int]] = {}
    for (application_id, _), (status, _, _) in zip(plan, results, strict=True):
        by_id.setdefault(application_id, set()).add(status)
    unexpected = [(status, body[:200]) for status, _, body in results if status not in (200, 409)]
    accepted = {i for i, statuses in by_id.items() if 200 in statuses}
    last_second = [status for (i, at), (status, _, _) in zip(plan, results, strict=True)
                   if deadline - 1.0 <= at < deadline]

    await asyncio.sleep(3.0)  # the relay publishes, the scheduler closes the call
    async with db.transaction(TENANT) as session:
        rows: dict[str, str] = dict((await session.execute(text(
            "select id::text, status from applications where call_id = :call"), {"call": call.id})).all())
        late_submissions = (await session.execute(text(
            "select count(*) from applications a join calls c on c.id = a.call_id "
            "where a.call_id = :call and a.submitted_at >= c.closes_at"), {"call": call.id})).scalar_one()
    async with relay.transaction(None) as session:  # what the relay has not published (it deletes what it did)
        unpublished = (await session.execute(text(
            "select count(*) from outbox where convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'call_id' = :call"),
            {"call": str(call.id)})).scalar_one()
    stream, closed = await stream_count(config.nats_url, str(call.id))
    await db.dispose()
    await relay.dispose()
    baseline = await raw_updates(config, ids, plan, deadline)

    submitted_rows = {i for i, status in rows.items() if status == "submitted"}
    # Lost: accepted without its row, event or message, or a row without its answer; doubled: more than one.
    return {
        "latencies": [seconds for _, seconds, _ in results], "baseline": baseline, "requests": len(plan),
        "accepted": len(accepted), "refused": len(set(ids) - accepted), "unexpected": unexpected,
        "last_second": len(last_second), "last_second_accepted": last_second.count(200),
        "lost": len(submitted_rows ^ accepted) + len(accepted - set(stream)) + unpublished,
        "doubled": sum(count - 1 for count in stream.values() if count > 1),
        "checks": {
            "no unexpected answers": not unexpected,
            "every 200 is a submitted row, every submitted row answered 200": submitted_rows == accepted,
            "every refused application is still a draft": all(rows[i] == "draft" for i in set(ids) - accepted),
            "no submission at or after the deadline": late_submissions == 0,
            "no submission after the deadline accepted": not (accepted & set(ids[applicants:])),
            "every event of the call published": unpublished == 0,
            "one stream message per accepted submission": stream == {i: 1 for i in accepted},
            "call.closed counts exactly the accepted ones": closed == [len(accepted)],
        }}


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def run(config: StackConfig, applicants: int, late: int, closes_in: float, rounds: int) -> int:
    deadlines = []
    for number in range(rounds):
        deadlines.append(await one_deadline(config, applicants, late, closes_in, seed=7 + number))
        d = deadlines[-1]
        print(f"  deadline {number + 1} of {rounds}: p95 {ms(percentile(d['latencies'], 0.95))} ms against the "
              f"UPDATEs' {d['baseline']['p95_ms']} ms; accepted {d['accepted']}, refused {d['refused']}; sent in the "
              f"last second {d['last_second']}, of which accepted {d['last_second_accepted']}")
    latencies = [seconds for d in deadlines for seconds in d["latencies"]]
    updates = [seconds for d in deadlines for seconds in d["baseline"]["latencies"]]
    checks = {name: all(d["checks"][name] for d in deadlines) for name in deadlines[0]["checks"]}
    unexpected = [answer for d in deadlines for answer in d["unexpected"]]
    baseline = {"requests": sum(d["baseline"]["requests"] for d in deadlines),
                "updated": sum(d["baseline"]["updated"] for d in deadlines),
                "p50_ms": ms(percentile(updates, 0.5)), "p95_ms": ms(percentile(updates, 0.95)),
                "max_ms": ms(max(updates)), "lost": sum(d["baseline"]["lost"] for d in deadlines),
                "doubled": sum(d["baseline"]["doubled"] for d in deadlines)}
    p95 = ms(percentile(latencies, 0.95))
    ratio = round(p95 / baseline["p95_ms"], 2) if baseline["p95_ms"] else None
    within = ratio is not None and ratio <= GOAL_RATIO
    each = [round(percentile(d["latencies"], 0.95) / percentile(d["baseline"]["latencies"], 0.95), 2)
            for d in deadlines]
    print(f"submit load: {rounds} deadlines of {deadlines[0]['requests']} requests ({applicants} applicants in the "
          f"last {closes_in - 3:.0f} s before the deadline, {applicants // 10} retries, {late} after it)")
    print(f"  accepted {sum(d['accepted'] for d in deadlines)}, refused {sum(d['refused'] for d in deadlines)}, "
          f"unexpected {len(unexpected)}")
    print(f"  latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p95 {p95:.1f} ms, "
          f"max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.1f} ms")
    print(f"  raw baseline, the same {baseline['requests']} requests as single-row UPDATEs through an asyncpg pool "
          f"of {POOL}: p50 {baseline['p50_ms']:.1f} ms, p95 {baseline['p95_ms']:.1f} ms, max "
          f"{baseline['max_ms']:.0f} ms ({baseline['updated']} updated, {baseline['lost']} lost, "
          f"{baseline['doubled']} doubled)")
    print(f"  {'ok  ' if within else 'FAIL'} p95 {p95:.1f} ms is {ratio}× the baseline's over the {rounds} deadlines "
          f"(goal ≤ {GOAL_RATIO:.0f}×; each deadline alone: {', '.join(f'{r}×' for r in each)})")
    for name, passed in checks.items():
        print(f"  {'ok  ' if passed else 'FAIL'} {name}")
    if unexpected:
        print(f"  e.g. {unexpected[:3]}")
    passed = all(checks.values()) and within
    save(RESULTS, {"requests": baseline["requests"], "deadlines": rounds, "ratio_of_each": each,
                   "applicants": applicants, "retries": applicants // 10, "late": late,
                   "accepted": sum(d["accepted"] for d in deadlines), "refused": sum(d["refused"] for d in deadlines),
                   "unexpected": len(unexpected), "p50_ms": ms(percentile(latencies, 0.5)), "p95_ms": p95,
                   "max_ms": ms(max(latencies)), "lost": sum(d["lost"] for d in deadlines),
                   "doubled": sum(d["doubled"] for d in deadlines), "baseline": baseline, "ratio": ratio,
                   "goal_ratio": GOAL_RATIO, "checks": checks, "passed": passed})
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.submit_load", description=__doc__)
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--late", type=int, default=20)
    parser.add_argument("--closes-in", type=float, default=15.0, help="seconds from setup to the deadline")
    parser.add_argument("--deadlines", type=int, default=DEADLINES, help="calls closing one after the other")
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    config = StackConfig.from_env(args.profile)
    Stack(config).up()
    start_services(config, ("partners", "grants"))
    # The deadline is set after setup; leave the clients time to be ready before the last second.
    return asyncio.run(run(config, args.applicants, args.late, args.closes_in, args.deadlines))


if __name__ == "__main__":
    sys.exit(main())
