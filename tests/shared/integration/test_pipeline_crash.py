"""The event pipeline under SIGKILL, a hundred rounds per crash point, on the real PostgreSQL and NATS.

Producing side (partners' outbox): concurrent writers in two processes at once commit in random order, some
roll back, while two relays publish; each round's process is killed after a commit before its publish, after
a publish before the delete, or in the middle of a batch. A consumer in another service's database applies
every event meanwhile. Afterwards: every committed change has exactly one event in the stream, no event
exists for a rolled-back change, no row is left unsent, and every event was applied downstream exactly once.

Consuming side (grants' inbox): consumers killed after the effect's commit and before the ack, or before the
commit, a hundred times each: applied effects = distinct event ids = committed changes."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from nats.js import JetStreamContext
from sqlalchemy import text

from devstack.config import StackConfig
from devstack.platform import start_service
from devstack.processes import running_pid, stop_process
from devstack.stack import Stack
from shared.db import Database
from shared.events.consumer import Consumer, Subscription
from shared.ids import uuid7
from tests.shared.integration.pipeline_world import (
    EVENT_TYPE,
    SUBJECT,
    drained,
    events_in_stream,
    make_tables,
    record_effect,
)

WORKER = Path(__file__).with_name("crash_worker.py")
ROUNDS = 100
BATCH = 2
"""The dying consumers' batch: the events waiting behind the first one pulled that go into its transaction."""


@dataclass
class Zygote:
    """One crash_worker.py process: forks a child per round."""

    process: asyncio.subprocess.Process
    deaths: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def start(cls, config: StackConfig) -> Zygote:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(WORKER), config.database_url("partners", "regie_app"),
            config.database_url("partners", "regie_relay"), config.database_url("grants", "regie_app"),
            config.nats_url, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            cwd=Path(__file__).parents[3])
        return cls(process)

    async def run(self, spec: dict[str, Any]) -> dict[str, int]:
        """Runs one round; how its process ended. Where it died is kept in `deaths`."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(spec).encode() + b"\n")
        await self.process.stdin.drain()
        while True:
            line = json.loads(await asyncio.wait_for(self.process.stdout.readline(), 180))
            if "died" in line:
                self.deaths.append(line["died"])
            else:
                return line  # type: ignore[no-any-return]

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await asyncio.wait_for(self.process.wait(), 30)


@pytest.fixture(scope="module")
def only_the_tests_relays(infra: Stack, stack_config: StackConfig) -> Iterator[None]:
    """The partners service, where an earlier test started it, stopped for the module and started again after:
    its relay, woken by every commit on the same outbox, published most rows before a dying relay could claim
    them, so most rounds ended without reaching their crash point (97 of 100 mid-batch rounds in a CI run)."""
    was_running = running_pid(stack_config, "partners") is not None
    if was_running:
        stop_process(stack_config, "partners")
    yield
    if was_running:
        start_service(stack_config, "partners")


@pytest.fixture(scope="module")
async def tables(only_the_tests_relays: None, partners_db: Database, grants_db: Database,
                 stack_config: StackConfig) -> None:
    await make_tables(stack_config)


async def rows(config: StackConfig, service: str, sql: str, run: str, *, role: str = "regie_app") -> list[str]:
    """As the request role, in the test's province (so under its RLS), or as the relay (which bypasses it)."""
    db = Database.from_url(config.database_url(service, role), 1)
    async with db.transaction("antwerpen" if role == "regie_app" else None) as session:
        found = list((await session.execute(text(sql), {"run": run})).scalars().all())
    await db.dispose()
    return found


async def committed_changes(config: StackConfig, run: str) -> list[str]:
    return await rows(config, "partners", "select event_id from crash_changes where run_id = :run", run)


async def left_in_outbox(config: StackConfig, run: str) -> list[str]:
    """The run's events still in the outbox: not yet acked by the server (the relay deletes what was)."""
    of_the_run = "convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'run_id' = :run"
    return await rows(config, "partners", f"select id from outbox where {of_the_run}", run, role="regie_relay")


async def applied_effects(config: StackConfig, run: str) -> list[str]:
    return await rows(config, "grants", "select event_id from crash_effects where run_id = :run", run)


async def play(zygotes: list[Zygote], rounds: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """The rounds shared out between the processes, run at once; per mode, how many were killed."""
    ended: Counter[tuple[str, str]] = Counter()

    async def share(zygote: Zygote, its_rounds: list[dict[str, Any]]) -> None:
        for spec in its_rounds:
            outcome = await zygote.run(spec)
            ended[spec["mode"], "killed" if outcome.get("signal") == 9 else f"exit {outcome.get('code')}"] += 1

    await asyncio.gather(*(share(zygote, rounds[i::len(zygotes)]) for i, zygote in enumerate(zygotes)))
    return ended


def produce(run: str, mode: str, seed: int, *, writers: int = 4, per_writer: int = 5,
            rollback_odds: float = 0.2) -> dict[str, Any]:
    return {"kind": "produce", "run": run, "mode": mode, "seed": seed, "writers": writers,
            "per_writer": per_writer, "rollback_odds": rollback_odds}


async def test_outbox_killed_at_each_crash_point_a_hundred_times_loses_and_doubles_nothing(
        tables: None, js: JetStreamContext, grants_db: Database, stack_config: StackConfig) -> None:
    run = str(uuid7())
    durable = f"crash-downstream-{run[-12:]}"
    downstream = Consumer(js, grants_db, Subscription(durable=durable, producer="partners", subject=SUBJECT,
                                                      handlers={EVENT_TYPE: record_effect}),
                          max_deliver=1000, ack_wait_seconds=5.0)
    stop = asyncio.Event()
    consuming = asyncio.create_task(downstream.run(stop))
    zygotes = [await Zygote.start(stack_config) for _ in range(2)]  # two writer-and-relay processes at once
    modes = ("after-commit", "after-publish", "mid-batch")
    rounds = [produce(run, mode, seed) for seed, mode in enumerate(m for m in modes for _ in range(ROUNDS))]
    ended = await play(zygotes, rounds)
    assert await zygotes[0].run(produce(run, "none", 0, writers=0)) == {"code": 0}  # a clean relay drains
    deaths = Counter(death["at"] for zygote in zygotes for death in zygote.deaths)
    in_the_middle = sum(1 for zygote in zygotes for death in zygote.deaths if death.get("position", 0) >= 2)
    for zygote in zygotes:
        await zygote.stop()

    changes = await committed_changes(stack_config, run)
    left = await left_in_outbox(stack_config, run)
    await drained(js, durable)
    stop.set()
    await consuming
    in_stream = await events_in_stream(js, run)
    effects = await applied_effects(stack_config, run)
    print(f"\noutbox crash table: rounds {dict(ended)}; died at {dict(deaths)}, {in_the_middle} mid-batch; "
          f"{len(changes)} changes committed, {len(in_stream)} events in the stream, {len(effects)} effects")

    for mode in modes:
        assert ended[mode, "killed"] >= ROUNDS * 0.9, f"{mode}: the worker should have been killed most rounds"
    assert deaths["commit"] >= ROUNDS * 0.9 and deaths["publish"] >= ROUNDS * 1.8
    assert in_the_middle >= ROUNDS * 0.5, "many deaths should leave a batch half published"
    assert left == [], "a clean relay publishes (and deletes) every row"
    assert len(in_stream) == len(set(in_stream)), "an event twice in the stream"
    assert set(in_stream) == set(changes), "events missing, or an event for a rolled-back change"
    assert len(effects) == len(set(effects)), "an event applied twice downstream"
    assert set(effects) == set(changes)


async def test_consumers_killed_before_and_after_their_commit_a_hundred_times_apply_each_event_once(
        tables: None, js: JetStreamContext, grants_db: Database, stack_config: StackConfig) -> None:
    run = str(uuid7())
    durable = f"crash-consumer-{run[-12:]}"
    zygotes = [await Zygote.start(stack_config) for _ in range(2)]  # two consumer replicas, killed in turn
    # An after-commit round commits a batch (the first event and up to BATCH waiting behind it) before it dies:
    # enough events that the before-commit rounds still find fresh ones.
    assert await zygotes[0].run(produce(run, "none", 1, writers=6, per_writer=80, rollback_odds=0.1)) == {"code": 0}
    modes = ("after-commit", "before-commit")
    rounds = [{"kind": "consume", "durable": durable, "mode": mode, "seconds": 5.0, "ack_wait": 1.0, "batch": BATCH}
              for mode in modes for _ in range(ROUNDS)]
    ended = await play(zygotes, rounds)
    deaths = Counter(death["at"] for zygote in zygotes for death in zygote.deaths)
    for zygote in zygotes:
        await zygote.stop()
    survivor = Consumer(js, grants_db, Subscription(durable=durable, producer="partners", subject=SUBJECT,
                                                    handlers={EVENT_TYPE: record_effect}),
                        max_deliver=1000, ack_wait_seconds=1.0)
    stop = asyncio.Event()
    consuming = asyncio.create_task(survivor.run(stop))
    await drained(js, durable)
    stop.set()
    await consuming

    changes = await committed_changes(stack_config, run)
    left = await left_in_outbox(stack_config, run)
    effects = await applied_effects(stack_config, run)
    info = await js.consumer_info("PARTNERS", durable)
    print(f"\nconsumer crash table: rounds {dict(ended)}; died at {dict(deaths)}; {len(changes)} events, "
          f"{len(effects)} effects, {info.delivered.consumer_seq} deliveries")
    for mode in modes:
        assert ended[mode, "killed"] == ROUNDS, f"{mode}: every round should have died on its first batch"
    assert deaths == {"ack": ROUNDS, "commit": ROUNDS}
    assert left == [] and len(changes) > 2 * ROUNDS
    assert len(effects) == len(set(effects)) == len(changes), "applied effects = distinct event ids = changes"
    assert set(effects) == set(changes)
