"""The transactional outbox under SIGKILL: a process that stages events and relays them is killed, again and
again, between the commit and the publish and between the publish and the mark; after a clean restart every
event is in the stream, none twice."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.db import Database
from shared.events.envelope import decode
from shared.ids import uuid7

WORKER = Path(__file__).with_name("outbox_crash_worker.py")
ROUNDS = 30


async def run_worker(config: StackConfig, run_id: str, to_stage: int, mode: str, seed: int) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), config.database_url("partners", "regie_app"),
        config.database_url("partners", "regie_relay"), config.nats_url, run_id, str(to_stage), mode, str(seed),
        cwd=Path(__file__).parents[3],
    )
    return await asyncio.wait_for(process.wait(), 60)


async def events_in_stream(nats_url: str, run_id: str) -> list[str]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    sub = await js.pull_subscribe("partners.antwerpen.crashtest.happened", durable=None, stream="PARTNERS",
                                  config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL))
    seen: list[str] = []
    while True:
        try:
            messages = await sub.fetch(500, timeout=1.0)
        except TimeoutError:  # nats-py's own, or asyncio's when the first probe's answer comes late
            break
        for message in messages:
            envelope = decode(message.data)
            if envelope.data["run_id"] == run_id:
                seen.append(envelope.id)
    await nc.drain()
    return seen


async def test_sigkill_between_commit_publish_and_mark_loses_nothing_and_doubles_nothing(
        infra: Stack, partners_db: Database, stack_config: StackConfig) -> None:
    run_id = str(uuid7())
    rng = random.Random(run_id)
    killed = 0
    for round_number in range(ROUNDS):
        mode = "after-commit" if round_number % 2 == 0 else "after-publish"
        code = await run_worker(stack_config, run_id, rng.randint(1, 4), mode, rng.randrange(1 << 30))
        killed += code == -signal.SIGKILL
    assert killed >= ROUNDS // 2, "the worker should really have been killed most rounds"

    assert await run_worker(stack_config, run_id, 0, "none", 0) == 0

    relay_db = Database.from_url(stack_config.database_url("partners", "regie_relay"), 1)
    async with relay_db.transaction(None) as session:
        staged = (await session.execute(text(
            "select id from outbox where convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'run_id' = :run"),
            {"run": run_id})).scalars().all()
        unsent = (await session.execute(text(
            "select count(*) from outbox where published_at is null"))).scalar_one()
    await relay_db.dispose()
    seen = await events_in_stream(stack_config.nats_url, run_id)
    assert len(staged) >= ROUNDS // 2
    assert unsent == 0
    assert sorted(seen) == sorted(staged), "every staged event delivered exactly once"
