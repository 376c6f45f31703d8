"""JetStream on a cluster of three, streams with three replicas, while writers stage events, two outbox relays
publish them (as partners' user) and a durable consumer applies them (as grants'): one node killed, one paused
(SIGSTOP), one restarted. Afterwards every acknowledged event (committed by a writer and gone from the outbox: the
relay deletes a row once the cluster acked its publish) is read back from the stream once, none is there that was
not staged, each was applied once, and the three nodes' copies of the stream agree.

A consumer that starts while the cluster has lost its quorum (two nodes of three down) keeps asking to subscribe
and applies what comes once the cluster is back.

Another run kills all three nodes at once, with JetStream's default fsync interval: whatever that loses, the
same checker must report. It is shown able to: an acknowledged event deleted from the stream is reported
missing."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from prometheus_client import REGISTRY
from sqlalchemy import text

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.db import Database
from shared.events.consumer import Consumer, Subscription
from shared.events.envelope import decode, encode, make_envelope
from shared.events.outbox import OutboxRelay, stage
from shared.events.streams import ensure_streams
from shared.ids import uuid7
from tests.shared.integration.crash_worker import CrashTestHappenedV1
from tests.shared.integration.nats_cluster import NatsCluster
from tests.shared.integration.pipeline_world import (
    EVENT_TYPE,
    SUBJECT,
    answered,
    drained,
    events_in_stream,
    make_tables,
    outbox_of_its_own,
    record_effect,
)

SCHEMA = "clustertest"
"""An outbox of the test's own in partners' database: the services' relays (publishing to the single-server
stack) never see its rows."""
OF_THE_RUN = "convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'run_id' = :run"


@dataclass
class Report:
    acknowledged: set[str]
    read_back: list[str]
    applied: list[str]
    nodes_agree: bool
    node_states: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing(self) -> set[str]:
        return self.acknowledged - set(self.read_back)

    @property
    def unexpected(self) -> set[str]:
        return set(self.read_back) - self.acknowledged

    @property
    def doubled(self) -> int:
        return len(self.read_back) - len(set(self.read_back))

    @property
    def clean(self) -> bool:
        return (not self.missing and not self.unexpected and not self.doubled and self.nodes_agree
                and sorted(self.applied) == sorted(self.acknowledged))

    def __str__(self) -> str:
        return (f"{len(self.acknowledged)} acknowledged, {len(self.read_back)} read back, {len(self.missing)} "
                f"missing, {len(self.unexpected)} unexpected, {self.doubled} doubled, {len(self.applied)} applied "
                f"({len(self.applied) - len(set(self.applied))} twice); nodes agree: {self.nodes_agree} "
                f"{self.node_states}")


@pytest.fixture
async def outbox(partners_db: Database, grants_db: Database, stack_config: StackConfig) -> AsyncIterator[Database]:
    """The test's own outbox table, used by the writers and the relays."""
    await make_tables(stack_config)
    async with outbox_of_its_own(stack_config, SCHEMA, pool_size=8) as engine:
        yield Database(engine)


@pytest.fixture
async def cluster(infra: Stack, stack_config: StackConfig, tmp_path: Path) -> AsyncIterator[NatsCluster]:
    cluster = NatsCluster(tmp_path, stack_config)
    try:
        await asyncio.to_thread(cluster.up)
        admin = await connect(cluster, stack_config, "regie-admin")
        for _ in range(60):  # the servers answer before they have elected the cluster's JetStream leader
            try:
                await ensure_streams(admin.jetstream(), 3)
                break
            except Exception:
                await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"the cluster's JetStream never came up; see {tmp_path}")
        await admin.drain()
        yield cluster
    finally:
        await asyncio.to_thread(cluster.down)


async def connect(cluster: NatsCluster, config: StackConfig, user: str) -> Client:
    return await nats.connect(cluster.urls(), user=user, password=config.nats_password(user),
                              max_reconnect_attempts=-1, reconnect_time_wait=0.2, connect_timeout=2,
                              ping_interval=1, max_outstanding_pings=2)


async def check(cluster: NatsCluster, config: StackConfig, outbox: Database, grants_db: Database,
                run: str, committed: list[str]) -> Report:
    async with outbox.transaction(None) as session:
        left = set((await session.execute(text(f"select id from outbox where {OF_THE_RUN}"), {"run": run})).scalars())
    acknowledged = set(committed) - left
    admin = await connect(cluster, config, "regie-admin")
    try:
        read_back = await events_in_stream(admin.jetstream(), run)
    finally:
        await admin.close()
    applied = await effects_of(grants_db, run)
    agree, states = await cluster.agreeing_states("PARTNERS")
    return Report(acknowledged, read_back, applied, agree, states)


async def run_under_faults(cluster: NatsCluster, config: StackConfig, outbox: Database, grants_db: Database,
                           faults: Callable[[], Awaitable[None]]) -> tuple[str, list[str], int]:
    """Writers, two relays and a consumer at work while `faults` runs; then until everything is relayed and
    applied. The run's id, the events the writers committed, and how many publishes failed meanwhile (to be
    tried again)."""
    failures_before = REGISTRY.get_sample_value("regie_outbox_publish_failures_total") or 0
    run = str(uuid7())
    rng = random.Random(run)
    producer, consumer_connection = await connect(cluster, config, "partners"), await connect(cluster, config, "grants")
    stop_writing, stop = asyncio.Event(), asyncio.Event()
    committed: list[str] = []

    async def write() -> None:
        while not stop_writing.is_set():
            async with outbox.transaction("antwerpen") as session:
                event_id = stage(session, CrashTestHappenedV1(run_id=run, writer=0), tenant="antwerpen", subject=run)
                await asyncio.sleep(rng.random() * 0.01)
            committed.append(event_id)

    relays = [OutboxRelay(outbox.engine, producer, batch_size=20, poll_seconds=0.02,
                          publish_timeout=2.0) for _ in range(2)]
    durable = f"grants-cluster-{run[-12:]}"
    consumer = Consumer(consumer_connection.jetstream(), grants_db,
                        Subscription(durable=durable, producer="partners", subject=SUBJECT,
                                     handlers={EVENT_TYPE: record_effect}),
                        max_deliver=1000, ack_wait_seconds=5.0)
    writers = [asyncio.create_task(write()) for _ in range(4)]
    workers = [asyncio.create_task(relay.run(stop)) for relay in relays]
    workers.append(asyncio.create_task(consumer.run(stop)))
    try:
        await faults()
        stop_writing.set()
        await asyncio.gather(*writers)
        await relayed(outbox, run)
        await drained(consumer_connection.jetstream(), durable)
        stop.set()
        await asyncio.gather(*workers)
        await producer.drain()
        await consumer_connection.drain()
    finally:
        await stopped([*writers, *workers], [producer, consumer_connection])
    return run, committed, int((REGISTRY.get_sample_value("regie_outbox_publish_failures_total") or 0)
                               - failures_before)


async def stopped(tasks: list[asyncio.Task[None]], connections: list[Client]) -> None:
    """What a run started, ended also when it failed: left running, its connections would keep reconnecting to
    a cluster that is gone, and the test's event loop would wait for them at its close."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for connection in connections:
        await connection.close()


async def deleted(js: JetStreamContext, stream: str, seq: int) -> None:
    """The message deleted, also when an earlier try that timed out had deleted it."""
    try:
        await js.delete_msg(stream, seq)
    except nats.js.errors.ServiceUnavailableError:
        raise
    except nats.js.errors.APIError:
        try:
            await js.get_msg(stream, seq)
        except nats.js.errors.NotFoundError:
            return
        raise


async def relayed(outbox: Database, run: str, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        async with outbox.transaction(None) as session:
            unsent = (await session.execute(text(f"select count(*) from outbox where {OF_THE_RUN}"),
                                            {"run": run})).scalar_one()
        if unsent == 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the outbox was not relayed within {timeout}s")


async def test_one_node_killed_paused_or_restarted_loses_no_acknowledged_event(
        cluster: NatsCluster, outbox: Database, grants_db: Database, stack_config: StackConfig) -> None:
    async def faults() -> None:
        await asyncio.sleep(1.5)
        cluster.kill(0)
        await asyncio.sleep(2.0)
        await asyncio.to_thread(cluster.start, 0)
        await asyncio.sleep(2.0)
        cluster.pause(1)
        await asyncio.sleep(3.0)
        cluster.resume(1)
        await asyncio.sleep(2.0)
        await asyncio.to_thread(cluster.restart, 2)
        await asyncio.sleep(2.0)

    run, committed, failed = await run_under_faults(cluster, stack_config, outbox, grants_db, faults)
    report = await check(cluster, stack_config, outbox, grants_db, run, committed)
    print(f"\nNATS cluster, one node at a time: {report}; {failed} publishes failed and were tried again")
    assert len(report.acknowledged) > 200, "the writers should have kept writing through the faults"
    assert report.clean, str(report)


async def test_all_nodes_killed_at_once_whatever_is_lost_the_checker_reports(
        cluster: NatsCluster, outbox: Database, grants_db: Database, stack_config: StackConfig) -> None:
    async def faults() -> None:
        await asyncio.sleep(2.0)
        for node in range(cluster.size):
            cluster.kill(node)
        await asyncio.sleep(0.5)
        for node in range(cluster.size):
            await asyncio.to_thread(cluster.start, node)
        await asyncio.to_thread(cluster.wait_ready)
        await asyncio.sleep(6.0)  # a new meta leader and stream leaders elected on a loaded machine

    run, committed, failed = await run_under_faults(cluster, stack_config, outbox, grants_db, faults)
    report = await check(cluster, stack_config, outbox, grants_db, run, committed)
    print(f"\nNATS cluster, all nodes killed at once: {report}; {failed} publishes failed and were tried again")
    assert report.acknowledged and report.read_back

    # The checker can fail: an acknowledged event that the stream no longer has is reported missing.
    admin = await connect(cluster, stack_config, "regie-admin")
    js: JetStreamContext = admin.jetstream()
    last = await answered(lambda: js.get_last_msg("PARTNERS", SUBJECT))
    lost = decode(last.data).id
    await answered(lambda: deleted(js, "PARTNERS", last.seq))
    await admin.drain()
    tampered = await check(cluster, stack_config, outbox, grants_db, run, committed)
    assert lost in report.acknowledged and tampered.missing == report.missing | {lost}
    assert not tampered.clean


async def test_a_consumer_started_while_the_cluster_has_no_quorum_subscribes_once_it_is_back(
        cluster: NatsCluster, grants_db: Database, stack_config: StackConfig) -> None:
    await make_tables(stack_config)
    cluster.kill(1)
    cluster.kill(2)
    run = str(uuid7())
    durable = f"grants-quorum-{run[-12:]}"
    connection = await connect(cluster, stack_config, "grants")
    consumer = Consumer(connection.jetstream(), grants_db,
                        Subscription(durable=durable, producer="partners", subject=SUBJECT,
                                     handlers={EVENT_TYPE: record_effect}))
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    producer = None
    try:
        await asyncio.sleep(8.0)  # longer than a JetStream API request waits for its answer (5 s)
        assert not task.done(), "the consumer gave up while the cluster had no quorum"

        for node in (1, 2):
            await asyncio.to_thread(cluster.start, node)
        await asyncio.to_thread(cluster.wait_ready)
        producer = await connect(cluster, stack_config, "partners")
        envelope = make_envelope(CrashTestHappenedV1(run_id=run, writer=0), tenant="antwerpen", subject=run)
        await answered(lambda: producer.jetstream().publish(envelope.nats_subject, encode(envelope),
                                                            headers={"Nats-Msg-Id": envelope.id}))
        # Waited for by its effect: a consumer just created on a node still catching up with the stream can
        # report nothing pending for a moment.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120
        while not await effects_of(grants_db, run) and loop.time() < deadline:
            await asyncio.sleep(0.2)
        await drained(connection.jetstream(), durable)
        stop.set()
        await task
    finally:
        await stopped([task], [connection] + ([producer] if producer else []))
    assert await effects_of(grants_db, run) == [envelope.id]


async def effects_of(grants_db: Database, run: str) -> list[str]:
    async with grants_db.transaction("antwerpen") as session:
        return list((await session.execute(text("select event_id from crash_effects where run_id = :run"),
                                           {"run": run})).scalars())
