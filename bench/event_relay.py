"""The outbox relay against JetStream's own publish rate (issue 12's event relay row).

Raw baseline first: the same payloads (grants' award.tranche.paid envelope, fresh ids) published straight to
JetStream with nats-py's async publish, 256 acks outstanding, one `Nats-Msg-Id` each, as fast as it goes.

Then the relay as the services run it (`shared.events.outbox.OutboxRelay`, the relay role, the stack's NATS admin,
on uvloop as uvicorn runs the services; the writers and the baseline too)
for a sustained `--seconds` (60 by default, after a few seconds' warm-up), while many writers in other processes
commit outbox rows through the library (`stage()` in transactions of the request role, under Row-Level Security,
every province in turn, `--per-commit` events per transaction). The writers hold back while the backlog is above
`--backlog` rows, so the relay always has work (the figure is the relay's, not the writers') and the drain at the
end is short. The relay's rate is the rows the server acked (and the relay deleted) during the window. Afterwards
every row the writers committed must be in the stream exactly once (read back by message id) and none left in
the outbox: 0 lost, 0 doubled.

Both run on their own database (`bench_events`, an outbox table like every service's) and stream (`BENCH_EVENTS`,
subjects `bench.>`), so no service's relay or consumer takes part and nothing is left in theirs. Writes
bench/results/event_relay.json.

    python -m bench.event_relay [--seconds 60] [--processes 2] [--writers 4] [--per-commit 50] [--profile test]"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
import nats
import uvloop
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from prometheus_client import REGISTRY
from sqlalchemy import text

from bench.summary import save
from devstack import postgres
from devstack.config import StackConfig
from devstack.stack import Stack
from services.grants.events.published import TranchePaidV1
from shared.db import Base, Database, make_engine
from shared.events.envelope import encode, make_envelope
from shared.events.outbox import (
    OutboxMessage,
    OutboxRelay,
    outbox_ddl,
    outbox_notify_ddl,
    relay_engine,
    stage,
)
from shared.events.streams import DUPLICATE_WINDOW_SECONDS
from shared.tenancy import TENANTS

RESULTS = Path(__file__).parent / "results" / "event_relay.json"
BACKLOG_SQL = "select count(*) from (select from outbox order by created_at desc, id desc limit $1) newest"
"""The backlog while the writers and the relay run, counted from the newest row and no further than the cap: a
`count(*)` of the whole outbox also reads every row the relay has deleted since the last vacuum, twenty times a
second from the writers' processes, at a cost that grew with the run."""
GOAL = 0.3
DATABASE = "bench_events"
STREAM = "BENCH_EVENTS"
WINDOW = 256
"""Acks outstanding in the raw baseline."""
WARM_UP_SECONDS = 5.0


class BenchTranchePaidV1(TranchePaidV1, frozen=True, kw_only=True):
    """grants' award.tranche.paid payload under the bench's own producer name, so that it goes to the bench's
    stream (`bench.<tenant>.award.tranche.paid`) and no service consumes it."""

    event_type: ClassVar[str] = "be.regie.bench.award.tranche.paid.v1"


def payment(run: str, n: int) -> BenchTranchePaidV1:
    return BenchTranchePaidV1(application_id=f"bench-{run}-{n}", tranche=1 + n % 3, amount_cents=1_250_000 + n,
                              paid_on="2026-12-03", applicant_enterprise_number="0000000097",
                              co_applicant_enterprise_numbers=["0000000196", "0000000295"])


async def superuser(config: StackConfig, database: str) -> asyncpg.Connection:
    """The database's superuser over the stack's unix socket (trusted there only)."""
    return await asyncpg.connect(host=str(postgres.socket_dir(config)), port=config.pg_port,
                                 user=config.pg_superuser, database=database)


def plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def prepare_database(config: StackConfig) -> None:
    """`bench_events` with an outbox as every service's migrations make it today (its policies, grants and
    trigger), made afresh for each run."""
    admin = await superuser(config, "postgres")
    try:
        if not await admin.fetchval("select 1 from pg_database where datname = $1", DATABASE):
            await admin.execute(f"create database {DATABASE} owner regie_owner")
    finally:
        await admin.close()
    connection = await superuser(config, DATABASE)
    try:
        await connection.execute("alter schema public owner to regie_owner; revoke create on schema public from public;"
                                 "grant usage on schema public to regie_app, regie_relay")
    finally:
        await connection.close()
    owner = make_engine(config.database_url(DATABASE, "regie_owner"), pool_size=1)
    try:
        async with owner.begin() as connection:
            table = OutboxMessage.__tablename__
            await connection.execute(text(f"drop table if exists {table}"))
            await connection.run_sync(Base.metadata.create_all, tables=[Base.metadata.tables[table]])
            for statement in [*outbox_ddl(), *outbox_notify_ddl()]:
                await connection.execute(text(statement))
    finally:
        await owner.dispose()


async def fresh_stream(js: JetStreamContext) -> None:
    try:
        await js.delete_stream(STREAM)
    except NotFoundError:
        pass
    await js.add_stream(StreamConfig(name=STREAM, subjects=["bench.>"], retention=RetentionPolicy.LIMITS,
                                     storage=StorageType.FILE, num_replicas=1,
                                     duplicate_window=DUPLICATE_WINDOW_SECONDS))


async def baseline(config: StackConfig, count: int) -> dict[str, Any]:
    """The same payloads straight to JetStream, `WINDOW` acks outstanding."""
    run = uuid.uuid4().hex[:8]
    tenants = sorted(TENANTS)
    envelopes = [make_envelope(payment(run, n), tenant=tenants[n % len(tenants)], subject=f"bench-{run}")
                 for n in range(count)]
    messages = [(e.nats_subject, encode(e), {"Nats-Msg-Id": e.id}) for e in envelopes]
    nc = await nats.connect(config.nats_url)
    try:
        js = nc.jetstream(publish_async_max_pending=WINDOW)
        await js.publish(messages[0][0], messages[0][1], headers={"Nats-Msg-Id": str(uuid.uuid4())})  # warm up
        started = time.perf_counter()
        acks = [await js.publish_async(subject, payload, headers=headers) for subject, payload, headers in messages]
        await asyncio.gather(*acks)
        wall = time.perf_counter() - started
        await js.purge_stream(STREAM)
    finally:
        await nc.drain()
    return {"messages": count, "seconds": round(wall, 2), "per_second": round(count / wall, 1),
            "bytes_per_message": len(messages[0][1])}


# --- the writers (a process of their own: `python -m bench.event_relay --write '<spec>'`) ---

async def write(spec: dict[str, Any]) -> dict[str, Any]:
    """Writers committing outbox rows through the library until `seconds` have passed, each transaction one
    province's; paused while the backlog (the outbox's rows, read as the relay role) is above `backlog`. The ids
    committed go to the file `ids` (one per line) at the end: the outbox keeps none that were published."""
    db = Database.from_url(spec["app_url"], spec["writers"])
    probe = await asyncpg.connect(plain_dsn(spec["relay_url"]))
    room = asyncio.Event()
    room.set()
    deadline = time.perf_counter() + spec["seconds"]
    committed = transactions = paused = 0
    ids: list[str] = []
    tenants = sorted(TENANTS)

    async def watch() -> None:
        nonlocal paused
        while time.perf_counter() < deadline:
            unsent = await probe.fetchval(BACKLOG_SQL, spec["backlog"] + 1)
            if unsent > spec["backlog"]:
                room.clear()
                paused += 1
            else:
                room.set()
            await asyncio.sleep(0.1)
        room.set()

    async def writer(w: int) -> None:
        nonlocal committed, transactions
        n = 0
        while time.perf_counter() < deadline:
            await room.wait()
            tenant = tenants[(w + n) % len(tenants)]
            async with db.transaction(tenant) as session:
                staged = []
                for _ in range(spec["per_commit"]):
                    staged.append(stage(session, payment(spec["run"], (spec["process"] * 1000 + w) * 10_000_000 + n),
                                        tenant=tenant, subject=spec["run"]))
                    n += 1
            ids.extend(staged)
            committed += spec["per_commit"]
            transactions += 1

    await asyncio.gather(watch(), *(writer(w) for w in range(spec["writers"])))
    await probe.close()
    await db.dispose()
    Path(spec["ids"]).write_text("\n".join(ids))
    return {"committed": committed, "transactions": transactions, "paused_checks": paused}


# --- the relay, measured ---

async def relay_run(config: StackConfig, seconds: float, processes: int, writers: int, per_commit: int,
                    backlog: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    scratch = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    spec = {"app_url": config.database_url(DATABASE, "regie_app"),
            "relay_url": config.database_url(DATABASE, "regie_relay"), "seconds": WARM_UP_SECONDS + seconds,
            "writers": writers, "per_commit": per_commit, "backlog": backlog, "run": run}
    specs = [json.dumps({**spec, "process": p, "ids": str(scratch / f"{p}.ids")}) for p in range(processes)]
    writing = [await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.event_relay", "--write", one,
                                                    stdout=asyncio.subprocess.PIPE) for one in specs]
    nc = await nats.connect(config.nats_url)
    engine = relay_engine(config.database_url(DATABASE, "regie_relay"))
    probe = await superuser(config, DATABASE)
    relay = OutboxRelay(engine, nc)
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    unsent_sql = "select count(*) from outbox"
    try:
        await asyncio.sleep(WARM_UP_SECONDS)
        sent_before, started = sent_by_relay(), time.perf_counter()
        lowest = None
        while time.perf_counter() - started < seconds:
            await asyncio.sleep(1.0)
            unsent = await probe.fetchval(BACKLOG_SQL, 2 * backlog)
            lowest = unsent if lowest is None else min(lowest, unsent)
        sent_after, wall = sent_by_relay(), time.perf_counter() - started
        ends = [json.loads((await w.communicate())[0].decode().strip().splitlines()[-1]) for w in writing]
        written = {key: sum(end[key] for end in ends) for key in ends[0]}
        drain_started = time.perf_counter()
        while await probe.fetchval(unsent_sql) and time.perf_counter() - drain_started < 300:
            await asyncio.sleep(0.2)
        drained = round(time.perf_counter() - drain_started, 2)
    finally:
        stop.set()
        await relaying
        await engine.dispose()
        await nc.drain()
    try:
        left = await probe.fetchval(unsent_sql)
    finally:
        await probe.close()
    rows = [line for p in range(processes) for line in (scratch / f"{p}.ids").read_text().split("\n") if line]
    shutil.rmtree(scratch)
    stream = await ids_in_stream(config)
    counts = Counter(stream)
    committed = set(rows)
    return {"run": run, "seconds": round(wall, 2), "sent": sent_after - sent_before,
            "per_second": round((sent_after - sent_before) / wall, 1), "lowest_backlog": lowest,
            "writers": processes * writers, "processes": processes, "per_commit": per_commit, "backlog_cap": backlog,
            "written": written,
            "drain_seconds": drained, "committed_rows": len(rows), "in_stream": len(stream),
            "lost": len(committed - counts.keys()), "doubled": sum(c - 1 for c in counts.values() if c > 1),
            "foreign": len(counts.keys() - committed), "left_in_outbox": left,
            "writers_agree": written["committed"] == len(rows)}


def sent_by_relay() -> float:
    """The rows this process's relay has had acked (and deleted) so far: its own counter."""
    return REGISTRY.get_sample_value("regie_events_published_total", {"producer": "bench"}) or 0.0


async def ids_in_stream(config: StackConfig) -> list[str]:
    """Every message id in the bench stream, read back through an ephemeral consumer."""
    nc = await nats.connect(config.nats_url)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(STREAM)).state.messages
        psub = await js.pull_subscribe("bench.>", stream=STREAM, config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, max_ack_pending=-1))
        ids: list[str] = []
        while len(ids) < total:
            for msg in await psub.fetch(1000, timeout=5.0):
                ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))
        await psub.unsubscribe()
        await js.delete_stream(STREAM)
    finally:
        await nc.drain()
    return ids


async def measure(config: StackConfig, seconds: float, processes: int, writers: int, per_commit: int,
                  backlog: int, baseline_messages: int) -> dict[str, Any]:
    await prepare_database(config)
    nc = await nats.connect(config.nats_url)
    try:
        await fresh_stream(nc.jetstream())
    finally:
        await nc.drain()
    raw = await baseline(config, baseline_messages)
    relay = await relay_run(config, seconds, processes, writers, per_commit, backlog)
    ratio = round(relay["per_second"] / raw["per_second"], 3)
    sound = relay["lost"] == 0 and relay["doubled"] == 0 and relay["left_in_outbox"] == 0 and relay["foreign"] == 0
    return {"baseline": raw, "relay": relay, "per_second": relay["per_second"],
            "baseline_per_second": raw["per_second"], "ratio": ratio, "goal": GOAL, "seconds": relay["seconds"],
            "lost": relay["lost"] + relay["left_in_outbox"], "doubled": relay["doubled"],
            "pass": ratio >= GOAL and sound and relay["writers_agree"] and relay["seconds"] >= seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.event_relay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=2, help="writer processes")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers per process")
    parser.add_argument("--per-commit", type=int, default=50)
    parser.add_argument("--backlog", type=int, default=20_000)
    parser.add_argument("--baseline-messages", type=int, default=100_000)
    parser.add_argument("--profile", default="test")
    parser.add_argument("--write", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write:
        print(json.dumps(uvloop.run(write(json.loads(args.write)))), flush=True)
        return 0
    config = StackConfig.from_env(args.profile)
    Stack(config).up()
    summary = uvloop.run(measure(config, args.seconds, args.processes, args.writers, args.per_commit, args.backlog,
                                 args.baseline_messages))
    save(RESULTS, summary)
    raw, relay = summary["baseline"], summary["relay"]
    print(f"  JetStream async publish, {WINDOW} acks outstanding: {raw['per_second']} messages/s "
          f"({raw['messages']} of {raw['bytes_per_message']} bytes)")
    print(f"  outbox relay: {relay['per_second']} rows/s published and deleted over {relay['seconds']} s "
          f"({relay['written']['committed']} rows committed by {relay['writers']} writers in {relay['processes']} "
          f"processes, {relay['per_commit']} per commit; lowest backlog {relay['lowest_backlog']}"
          f"{': the relay kept up with the writers' if not relay['lowest_backlog'] else ''}; "
          f"drained in {relay['drain_seconds']} s)")
    print(f"  {relay['committed_rows']} rows committed, {relay['in_stream']} in the stream: {relay['lost']} lost, "
          f"{relay['doubled']} doubled, {relay['left_in_outbox']} left in the outbox, {relay['foreign']} unknown")
    print(f"  {'ok  ' if summary['pass'] else 'FAIL'} ratio {summary['ratio']} (goal ≥ {GOAL}, 0 lost)")
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
