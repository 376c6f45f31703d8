"""Event latency across services (issue 12's row): from the commit of an event in grants' database to the commit
of its effect in partners', at 1,000 events/s.

The event is grants' `award.tranche.paid` (grants publishes it when a call manager records a paid tranche;
partners keeps it as a fact for the agreements' indicators, consumer `partners-grants-payments`). grants consumes
none of its own tranche events, so the only work an event causes is the path measured: writers in this process
commit it through the library (`stage()` in transactions on grants' database as its request role, the provinces in
turn, 10 events per transaction by default: 100 transactions a second, since one Python process committing 1,000
single-event transactions a second through the ORM would need more than the two cores this was built on), grants'
own relay (in the grants service process) publishes it, and partners' consumer (in the partners service process)
applies it: its inbox row and its `grant_payments` row.

Both ends are read from PostgreSQL's own clock: the commit time of the writer's transaction and of partners'
effect (`pg_xact_commit_timestamp`, the stack runs with `track_commit_timestamp`). On a server without it the
transactions' start times are used (the outbox row's `created_at`, the inbox row's `received_at`), and the result
says so. The first two seconds are left out (warm-up).

Raw baseline in the same run: the same payload published straight to JetStream at the same rate (a stream of the
bench's own) and received by a durable pull consumer in this process; from before the publish to the receipt.

The bench's facts are deleted from partners afterwards (and its rows from grants' outbox). Writes
bench/results/event_latency.json.

    python -m bench.event_latency [--rate 1000] [--seconds 20] [--per-commit 10] [--profile test]"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text

from bench.event_relay import STREAM, fresh_stream, payment, superuser
from bench.foodsavers_sync import started
from bench.summary import save
from devstack.config import StackConfig
from services.grants.events.published import TranchePaidV1
from services.partners.facts.handlers import GRANT_PAYMENTS
from shared.db import Database
from shared.events.envelope import encode, make_envelope
from shared.events.outbox import stage
from shared.tenancy import TENANTS

RESULTS = Path(__file__).parent / "results" / "event_latency.json"
GOALS = {"p99_ms": 25.0, "vs_baseline": 10.0}
WARM_UP_SECONDS = 2.0
CONCURRENCY = 32
"""Writers' transactions open at once at most (the pool's size)."""


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0, "mean_ms": 0.0}

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(ordered[-1], 2),
            "mean_ms": round(statistics.fmean(ordered), 2)}


async def paced(rate: float, seconds: float, action: Callable[[int], Coroutine[Any, Any, None]]) -> float:
    """Starts `action(n)` `rate` times a second for `seconds`, each as its own task; returns the wall time until
    every one has finished."""
    started = time.perf_counter()
    total = int(rate * seconds)
    tasks: list[asyncio.Task[None]] = []
    while len(tasks) < total:
        due = min(total, int((time.perf_counter() - started) * rate) + 1)
        tasks += [asyncio.create_task(action(n)) for n in range(len(tasks), due)]
        await asyncio.sleep(0.0005)
    await asyncio.gather(*tasks)
    return time.perf_counter() - started


async def baseline(config: StackConfig, rate: float, seconds: float) -> dict[str, Any]:
    """The same payload straight through JetStream to a durable pull consumer, timed in this process."""
    tenants = sorted(TENANTS)
    run = uuid.uuid4().hex[:8]
    sent: dict[str, float] = {}
    latencies: list[float] = []
    nc = await nats.connect(config.nats_url)
    try:
        js = nc.jetstream()
        await fresh_stream(js)
        durable = f"bench-latency-{run}"
        psub = await js.pull_subscribe("bench.>", durable=durable, stream=STREAM, config=ConsumerConfig(
            durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL))
        done = asyncio.Event()
        warm_up = int(rate * WARM_UP_SECONDS)

        async def consume() -> None:
            while not done.is_set() or len(sent) > len(latencies):
                try:
                    messages = await psub.fetch(100, timeout=1.0)
                except (TimeoutError, NatsTimeoutError):
                    continue
                for msg in messages:
                    received = time.perf_counter()
                    latencies.append(1000 * (received - sent[(msg.headers or {})["Nats-Msg-Id"]]))
                    await msg.ack()

        acks = []

        async def publish(n: int) -> None:
            envelope = make_envelope(payment(run, n), tenant=tenants[n % len(tenants)], subject=f"bench-{run}")
            payload = encode(envelope)
            sent[envelope.id] = time.perf_counter()
            acks.append(await js.publish_async(envelope.nats_subject, payload, headers={"Nats-Msg-Id": envelope.id}))

        consuming = asyncio.create_task(consume())
        wall = await paced(rate, seconds + WARM_UP_SECONDS, publish)
        await asyncio.gather(*acks)
        done.set()
        await asyncio.wait_for(consuming, 60)
        await psub.unsubscribe()
        await js.delete_stream(STREAM)
    finally:
        await nc.drain()
    return {"events": len(sent), "rate_per_second": round(len(sent) / wall, 1), **percentiles(latencies[warm_up:])}


async def through_services(config: StackConfig, rate: float, seconds: float, per_commit: int) -> dict[str, Any]:
    """Events committed in grants at `rate` (`per_commit` in each transaction), timed to their effect committed in
    partners."""
    tenants = sorted(TENANTS)
    run = uuid.uuid4().hex[:8]
    committed: list[tuple[int, str, str]] = []  # (n, event id, transaction id)
    started_at: dict[str, datetime] = {}  # event id → its transaction's start (the clock without commit times)
    grants = Database.from_url(config.database_url("grants", "regie_app"), CONCURRENCY // 2)
    room = asyncio.Semaphore(CONCURRENCY)

    async def commit(t: int) -> None:
        tenant = tenants[t % len(tenants)]
        async with room, grants.transaction(tenant) as session:
            staged = []
            for n in range(t * per_commit, (t + 1) * per_commit):
                staged.append((n, stage(session, TranchePaidV1(
                    application_id=f"bench-{run}-{n}", tranche=1, amount_cents=1_250_000, paid_on="2026-12-03",
                    applicant_enterprise_number="0000000097", co_applicant_enterprise_numbers=["0000000196"]),
                    tenant=tenant, subject=f"bench-{run}-{n}")))
            xid, start = (await session.execute(text("select pg_current_xact_id()::text, now()"))).one()
        committed.extend((n, event_id, xid) for n, event_id in staged)
        started_at.update((event_id, start) for _, event_id in staged)

    try:
        wall = await paced(rate / per_commit, seconds + WARM_UP_SECONDS, commit)
    finally:
        await grants.dispose()
    ids = [event_id for _, event_id, _ in committed]
    stored = await stored_at(config, set(ids))
    partners = await superuser(config, "partners")
    grants_admin = await superuser(config, "grants")
    try:
        exact = await grants_admin.fetchval("show track_commit_timestamp") == "on"
        waited = time.perf_counter()
        applied = 0
        while time.perf_counter() - waited < 60:
            applied = await partners.fetchval("select count(*) from grant_payments where event_id = any($1::uuid[])",
                                              ids)
            if applied >= len(ids):
                break
            await asyncio.sleep(0.5)
        if exact:
            starts = dict(await grants_admin.fetch(
                "select x, pg_xact_commit_timestamp(x::xid) from unnest($1::text[]) x", [x for *_, x in committed]))
            begun = {event_id: starts[xid] for _, event_id, xid in committed}
            effects = await partners.fetch("select event_id::text, pg_xact_commit_timestamp(xmin) from grant_payments"
                                           " where event_id = any($1::uuid[])", ids)
        else:
            begun = {event_id: started_at[event_id] for event_id in ids}
            effects = await partners.fetch("select event_id, received_at from inbox where consumer = $1 and "
                                           "event_id = any($2)", GRANT_PAYMENTS.durable, ids)
        done: dict[str, datetime] = dict(effects)
        # Where the time went: when JetStream stored it (`stored`, above) and when partners' transaction that
        # applied it began (the inbox row's received_at).
        received = dict(await partners.fetch("select event_id, received_at from inbox where consumer = $1 and "
                                             "event_id = any($2)", GRANT_PAYMENTS.durable, ids))
        await partners.execute("delete from grant_payments where event_id = any($1::uuid[])", ids)
        await partners.execute("delete from inbox where consumer = $1 and event_id = any($2)",
                               GRANT_PAYMENTS.durable, ids)
        await grants_admin.execute("delete from outbox where id = any($1)", ids)  # (any the relay left)
    finally:
        await partners.close()
        await grants_admin.close()
    warm_up = int(rate * WARM_UP_SECONDS)
    measured = [event_id for n, event_id, _ in committed if n >= warm_up and event_id in done]

    def since_commit(times: dict[str, datetime]) -> list[float]:
        return [1000 * (times[event_id] - begun[event_id]).total_seconds() for event_id in measured
                if times.get(event_id) is not None]

    latencies = since_commit(done)
    return {"events": len(committed), "rate_per_second": round(len(committed) / wall, 1), "applied": len(done),
            "lost": len(set(ids) - done.keys()), "clock": "commit times" if exact else "transaction start times",
            **percentiles(latencies),
            "stored": percentiles(since_commit(stored)),
            "partners_began": percentiles(since_commit(received))}


async def stored_at(config: StackConfig, ids: set[str]) -> dict[str, datetime]:
    """When JetStream stored each of the events (its own clock, the same machine's), read back from grants'
    stream through an ephemeral consumer from a little before the run."""
    nc = await nats.connect(config.nats_url)
    found: dict[str, datetime] = {}
    try:
        js = nc.jetstream()
        psub = await js.pull_subscribe("grants.*.award.tranche.paid", stream="GRANTS", config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.BY_START_TIME,
            opt_start_time=datetime.now(UTC) - timedelta(minutes=10)))
        while len(found) < len(ids):
            try:
                messages = await psub.fetch(1000, timeout=2.0)
            except (TimeoutError, NatsTimeoutError):
                break
            for msg in messages:
                event_id = (msg.headers or {}).get("Nats-Msg-Id", "")
                if event_id in ids:
                    found[event_id] = msg.metadata.timestamp
        await psub.unsubscribe()
    finally:
        await nc.drain()
    return found


async def measure(config: StackConfig, rate: float, seconds: float, per_commit: int) -> dict[str, Any]:
    raw = await baseline(config, rate, seconds)
    services = await through_services(config, rate, seconds, per_commit)
    vs_baseline = round(services["p99_ms"] / raw["p99_ms"], 2) if raw["p99_ms"] else 0.0
    passed = {"p99_ms": services["p99_ms"] <= GOALS["p99_ms"], "vs_baseline": vs_baseline <= GOALS["vs_baseline"]}
    return {"rate": rate, "seconds": seconds, "per_commit": per_commit, "baseline": raw, "services": services,
            "vs_baseline": vs_baseline,
            "goals": GOALS, "passed": passed,
            "pass": all(passed.values()) and services["lost"] == 0 and services["rate_per_second"] >= 0.95 * rate}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.event_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--per-commit", type=int, default=10, help="events per writer transaction")
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    config = started(args.profile)
    summary = asyncio.run(measure(config, args.rate, args.seconds, args.per_commit))
    save(RESULTS, summary)
    raw, services = summary["baseline"], summary["services"]
    print(f"  JetStream publish → durable pull consumer: p50 {raw['p50_ms']} ms, p99 {raw['p99_ms']} ms "
          f"({raw['events']} events at {raw['rate_per_second']}/s)")
    print(f"  commit in grants → effect committed in partners: p50 {services['p50_ms']} ms, p99 {services['p99_ms']} "
          f"ms, max {services['max_ms']} ms ({services['events']} events at {services['rate_per_second']}/s, "
          f"{services['lost']} lost; {services['clock']})")
    for key, label in (("stored", "JetStream stored it"), ("partners_began", "partners' transaction began")):
        print(f"    {label}: p50 {services[key]['p50_ms']} ms, p99 {services[key]['p99_ms']} ms after the commit")
    print(f"  {'ok  ' if summary['pass'] else 'FAIL'} p99 {services['p99_ms']} ms (goal ≤ {GOALS['p99_ms']} ms), "
          f"{summary['vs_baseline']}× the baseline's (goal ≤ {GOALS['vs_baseline']}×)")
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
