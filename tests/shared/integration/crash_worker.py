"""Rounds of the event pipeline that die by SIGKILL at its worst moments, for test_pipeline_crash.py; not a
test itself.

The process imports everything once, then reads one JSON round per line on stdin, forks a child that runs it
on fresh connections, waits for the child and prints how it ended ({"code": n} or {"signal": n}). A fork costs
milliseconds where a new interpreter costs a second, so a hundred rounds per crash point fit in a test run.

usage: crash_worker.py <partners_app_url> <partners_relay_url> <grants_app_url> <nats_url>

A "produce" round: writers stage events through the outbox in transactions of random length (so they commit
out of order), a share of them rolled back, while a relay publishes; its `mode` says where it dies:
  after-commit   right after a writer's commit, before that event can have been relayed;
  after-publish  after the server's ack of a batch's first row, before the batch is deleted;
  mid-batch      after the ack of a later row of a batch, some of the batch published, none deleted;
  none           writes, relays until the outbox is empty, and exits 0.
A "consume" round: a durable consumer applies events (one row in crash_effects each); `mode`:
  after-commit   dies after its first batch's effects are committed (the first event pulled and up to `batch`
                 waiting behind it, in one transaction), before the acks;
  before-commit  dies inside its first fresh event's effect, before the commit;
  none           applies what arrives for `seconds`, then exits 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import traceback
from typing import Any, ClassVar

import nats
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.consumer import Consumer, Subscription
from shared.events.envelope import Envelope, EventData
from shared.events.outbox import OutboxRelay, stage

TENANT = "antwerpen"
SUBJECT = f"partners.{TENANT}.crashtest.happened"


class CrashTestHappenedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.partners.crashtest.happened.v1"
    run_id: str
    writer: int


def die(**where: Any) -> None:
    """SIGKILL, after telling the test where (a line on stdout, read before the round's end)."""
    print(json.dumps({"died": where}), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


class DyingRelay(OutboxRelay):
    """Dies after the server acked the row at `kill_at` (1 = a batch's first row) of some batch."""

    def __init__(self, *args: Any, kill_at: int | None, odds: float, rng: random.Random, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kill_at, self.odds, self.rng = kill_at, odds, rng
        self.position = 0

    async def publish_batch(self) -> int:
        self.position = 0
        return await super().publish_batch()

    def after_publish(self, event_id: str) -> None:
        self.position += 1
        if self.kill_at is not None and self.position >= self.kill_at and self.rng.random() < self.odds:
            die(at="publish", position=self.position)


class Rollback(Exception):
    pass


async def produce(urls: dict[str, str], spec: dict[str, Any]) -> None:
    rng = random.Random(spec["seed"])
    mode, run_id = spec["mode"], spec["run"]
    writers, per_writer = spec["writers"], spec["per_writer"]
    app_db = Database.from_url(urls["app"], writers)
    relay_db = Database.from_url(urls["relay"], 2)
    nc = await nats.connect(urls["nats"])
    kill_at = {"after-publish": 1, "mid-batch": rng.randint(2, 5)}.get(mode)
    relay = DyingRelay(relay_db.engine, nc, batch_size=10 if mode == "mid-batch" else rng.choice([1, 3]),
                       poll_seconds=0.03 if mode == "mid-batch" else 0.005,
                       # After an ack: odds high enough that most rounds die although the other process's relay,
                       # woken by the same commits, publishes a share of the rows.
                       kill_at=kill_at, odds=0.7 if mode == "after-publish" else 0.4, rng=rng,
                       # Mid-batch needs batches of several rows: polled, not woken by every single commit.
                       listen=mode != "mid-batch")
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    commits = 0
    kill_after_commit = rng.randint(1, writers * per_writer // 2) if mode == "after-commit" else None

    async def write(writer: int) -> None:
        nonlocal commits
        for _ in range(per_writer):
            try:
                async with app_db.transaction(TENANT) as session:
                    event_id = stage(session, CrashTestHappenedV1(run_id=run_id, writer=writer),
                                     tenant=TENANT, subject=run_id)
                    await session.execute(text(
                        "insert into crash_changes (tenant, run_id, event_id) values (:t, :r, :e)"),
                        {"t": TENANT, "r": run_id, "e": event_id})
                    await asyncio.sleep(rng.random() * 0.02)  # transactions of random length commit out of order
                    if rng.random() < spec["rollback_odds"]:
                        raise Rollback
            except Rollback:
                continue
            commits += 1
            if commits == kill_after_commit:
                die(at="commit", commits=commits)

    await asyncio.gather(*(write(writer) for writer in range(writers)))
    stop.set()
    await relaying
    while await relay.publish_batch():
        pass
    await nc.drain()


class DyingConsumer(Consumer):
    def __init__(self, *args: Any, mode: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode

    def before_ack(self, envelope: Envelope) -> None:
        if self.mode == "after-commit":
            die(at="ack", event=envelope.id)


async def consume(urls: dict[str, str], spec: dict[str, Any]) -> None:
    mode = spec["mode"]
    db = Database.from_url(urls["grants"], 2)

    async def apply(session: AsyncSession, envelope: Envelope) -> None:
        await session.execute(text("insert into crash_effects (tenant, run_id, event_id) values (:t, :r, :e)"),
                              {"t": envelope.tenant, "r": envelope.data["run_id"], "e": envelope.id})
        if mode == "before-commit":
            await session.flush()
            die(at="commit", event=envelope.id)

    nc = await nats.connect(urls["nats"])
    subscription = Subscription(durable=spec["durable"], producer="partners", subject=SUBJECT,
                                handlers={CrashTestHappenedV1.event_type: apply})
    consumer = DyingConsumer(nc.jetstream(), db, subscription, mode=mode, max_deliver=1000,
                             ack_wait_seconds=spec["ack_wait"], batch=spec["batch"])
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(spec["seconds"], stop.set)
    await consumer.run(stop)
    await nc.drain()


def run_round(urls: dict[str, str], spec: dict[str, Any]) -> None:
    kind = produce if spec["kind"] == "produce" else consume
    asyncio.run(kind(urls, spec))


def main() -> None:
    partners_app, partners_relay, grants_app, nats_url = sys.argv[1:5]
    urls = {"app": partners_app, "relay": partners_relay, "grants": grants_app, "nats": nats_url}
    for line in sys.stdin:
        spec = json.loads(line)
        child = os.fork()
        if child == 0:
            try:
                run_round(urls, spec)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(child, 0)
        ended = {"signal": os.WTERMSIG(status)} if os.WIFSIGNALED(status) else {"code": os.WEXITSTATUS(status)}
        print(json.dumps(ended), flush=True)


if __name__ == "__main__":
    main()
