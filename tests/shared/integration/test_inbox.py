"""Idempotent consumers: an event delivered twice, or redelivered because its consumer died after the
effect and before the ack, is applied once. A poison message ends up on the dead-letter subject."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import ClassVar

import msgspec
import nats
import nats.js.errors
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.db import Database
from shared.events.consumer import Consumer, Subscription
from shared.events.envelope import Envelope, EventData, decode, encode, make_envelope
from shared.events.streams import DEAD_LETTER_STREAM, dead_letter_subject, ensure_streams
from shared.foreground import Foreground
from shared.ids import uuid7
from tests.support import held_request

WORKER = Path(__file__).with_name("inbox_crash_worker.py")
EVENT_TYPE = "be.regie.grants.inboxtest.happened.v1"


class InboxTestHappenedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = EVENT_TYPE
    note: str


class InboxTestIgnoredV1(EventData, frozen=True, kw_only=True):
    """An event on the test consumers' subjects that none of them has a handler for."""
    event_type: ClassVar[str] = "be.regie.grants.inboxtest.ignored.v1"
    note: str


@pytest.fixture(scope="module")
async def effects_table(grants_db: Database, stack_config: StackConfig) -> Database:
    owner = Database.from_url(stack_config.database_url("grants", "regie_owner"), 1)
    async with owner.transaction(None) as session:
        await session.execute(text("create table if not exists inbox_test_effects "
                                   "(tenant text not null, event_id text not null)"))
        await session.execute(text("alter table inbox_test_effects enable row level security"))
        await session.execute(text("alter table inbox_test_effects force row level security"))
        await session.execute(text("drop policy if exists tenant_isolation on inbox_test_effects"))
        await session.execute(text("create policy tenant_isolation on inbox_test_effects "
                                   "using (tenant = current_setting('app.tenant', true)) "
                                   "with check (tenant = current_setting('app.tenant', true))"))
        await session.execute(text("grant select, insert on inbox_test_effects to regie_app"))
    await owner.dispose()
    return grants_db


@pytest.fixture(autouse=True)
async def fresh_test_subject(infra: Stack, stack_config: StackConfig) -> None:
    """The test events' subject is shared by every run; old runs' events would be read first."""
    nc = await nats.connect(stack_config.nats_url)
    js = nc.jetstream()
    await ensure_streams(js, 1)
    await js.purge_stream("GRANTS", subject="grants.west-vlaanderen.inboxtest.happened")
    await js.purge_stream("GRANTS", subject="grants.west-vlaanderen.inboxtest.ignored")
    await nc.drain()


async def effects(db: Database, event_id: str) -> int:
    async with db.transaction("west-vlaanderen") as session:
        return (await session.execute(text("select count(*) from inbox_test_effects where event_id = :e"),
                                      {"e": event_id})).scalar_one()


async def jetstream(stack_config: StackConfig):  # type: ignore[no-untyped-def]
    """A connection to the stack's NATS and its JetStream, the streams ensured."""
    nc = await nats.connect(stack_config.nats_url)
    js = nc.jetstream()
    await ensure_streams(js, 1)
    return nc, js


async def one_published(stack_config: StackConfig):  # type: ignore[no-untyped-def]
    """The connection, and a fresh test event published once."""
    nc, js = await jetstream(stack_config)
    envelope = inbox_event(str(uuid7()))
    await publish_raw(js, envelope, envelope.id)
    return nc, js, envelope


async def publish_raw(js, envelope: Envelope, msg_id: str | None) -> None:
    headers = {"Nats-Msg-Id": msg_id} if msg_id else None
    await js.publish(envelope.nats_subject, encode(envelope), headers=headers)


def inbox_event(note: str) -> Envelope:
    return make_envelope(InboxTestHappenedV1(note=note), tenant="west-vlaanderen", subject=note)


async def wait_until_acked(js, durable: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    info = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            info = await js.consumer_info("GRANTS", durable)
        except nats.js.errors.NotFoundError:  # the consumer process has not subscribed yet
            await asyncio.sleep(0.2)
            continue
        if info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq > 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"consumer {durable} did not ack everything within {timeout}s: {info}")


async def run_until_acked(js, consumer: Consumer) -> None:  # type: ignore[no-untyped-def]
    """Runs the consumer until it has acked everything on its subject."""
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await wait_until_acked(js, consumer.subscription.durable)
    stop.set()
    await task


async def dead_letters_of(js, consumer: Consumer) -> list:  # type: ignore[no-untyped-def]
    """Runs the consumer until its first dead letter arrives; that message."""
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    dead = await js.pull_subscribe(dead_letter_subject(consumer.subscription.durable), durable=None,
                                   stream=DEAD_LETTER_STREAM,
                                   config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL))
    try:
        return list(await dead.fetch(1, timeout=20.0))
    finally:
        stop.set()
        await task


async def record(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(text("insert into inbox_test_effects (tenant, event_id) values (:t, :e)"),
                          {"t": envelope.tenant, "e": envelope.id})


async def test_the_same_event_delivered_twice_is_applied_once(
        infra: Stack, effects_table: Database, stack_config: StackConfig) -> None:
    nc, js = await jetstream(stack_config)
    run = str(uuid7())
    envelope = inbox_event(run)
    # Two copies with different message ids get past the server's dedupe, as after its window would.
    await publish_raw(js, envelope, f"{envelope.id}-a")
    await publish_raw(js, envelope, f"{envelope.id}-b")
    durable = f"test-inbox-twice-{run[-12:]}"
    subject = envelope.nats_subject
    consumer = Consumer(js, effects_table, Subscription(durable=durable, producer="grants", subject=subject,
                                                        handlers={EVENT_TYPE: record}))
    await run_until_acked(js, consumer)
    await nc.drain()
    assert await effects(effects_table, envelope.id) == 1


async def test_a_consumer_killed_after_its_effect_and_before_its_ack_applies_the_event_once(
        infra: Stack, effects_table: Database, stack_config: StackConfig) -> None:
    nc, js, envelope = await one_published(stack_config)
    run = envelope.subject
    durable = f"test-inbox-kill-{run[-12:]}"
    argv = [sys.executable, str(WORKER), stack_config.database_url("grants", "regie_app"), stack_config.nats_url,
            durable, envelope.nats_subject]
    dying = await asyncio.create_subprocess_exec(*argv, "kill", "30")
    assert await asyncio.wait_for(dying.wait(), 30) == -signal.SIGKILL
    assert await effects(effects_table, envelope.id) == 1  # the effect was committed before the kill

    survivor = await asyncio.create_subprocess_exec(*argv, "live", "6")
    await wait_until_acked(js, durable)
    assert await asyncio.wait_for(survivor.wait(), 30) == 0
    info = await js.consumer_info("GRANTS", durable)
    await nc.drain()
    assert info.num_redelivered >= 0 and info.delivered.consumer_seq >= 2, "the event was delivered again"
    assert await effects(effects_table, envelope.id) == 1


async def test_an_event_that_keeps_failing_goes_to_the_dead_letter_subject(
        infra: Stack, effects_table: Database, stack_config: StackConfig) -> None:
    nc, js, envelope = await one_published(stack_config)
    run = envelope.subject
    attempts = 0

    async def failing(session: AsyncSession, _: Envelope) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("the handler is broken")

    durable = f"test-inbox-poison-{run[-12:]}"
    consumer = Consumer(js, effects_table, Subscription(durable=durable, producer="grants",
                                                        subject=envelope.nats_subject,
                                                        handlers={EVENT_TYPE: failing}),
                        max_deliver=3, ack_wait_seconds=1.0)
    messages = await dead_letters_of(js, consumer)
    await nc.drain()
    assert attempts == 3
    # What the alerts watch (deploy/k8s/base/monitoring.yaml): two retries, then one dead letter.
    from prometheus_client import REGISTRY
    assert REGISTRY.get_sample_value("regie_events_retried_total", {"consumer": durable}) == 2
    assert REGISTRY.get_sample_value("regie_events_dead_lettered_total", {"consumer": durable}) == 1
    assert messages[0].data == encode(envelope)
    assert "the handler is broken" in messages[0].headers["Regie-Dead-Letter-Reason"]
    assert await effects(effects_table, envelope.id) == 0


FORGERIES = {
    # what the envelope claims, against what the subject and the stream say: each is dead-lettered unapplied
    "another province than its subject": lambda e: msgspec.structs.replace(e, tenant="limburg"),
    "another producer's type on this stream": lambda e: msgspec.structs.replace(
        e, type="be.regie.partners.inboxtest.happened.v1", source="/regie/partners"),
    "another producer as its source": lambda e: msgspec.structs.replace(e, source="/regie/partners"),
    "another event than its subject": lambda e: msgspec.structs.replace(
        e, type="be.regie.grants.inboxtest.forgotten.v1"),
}


@pytest.mark.parametrize("case", sorted(FORGERIES))
async def test_an_event_whose_envelope_does_not_match_its_subject_is_dead_lettered_unapplied(
        infra: Stack, effects_table: Database, stack_config: StackConfig, case: str) -> None:
    nc, js = await jetstream(stack_config)
    run = str(uuid7())
    honest = inbox_event(run)
    forged = FORGERIES[case](honest)
    # Published on the honest subject (grants.west-vlaanderen.inboxtest.happened), carrying the forged claim.
    await js.publish(honest.nats_subject, encode(forged), headers={"Nats-Msg-Id": forged.id})
    applied: list[str] = []

    async def apply(session: AsyncSession, envelope: Envelope) -> None:
        applied.append(envelope.id)
        await record(session, envelope)

    durable = f"test-inbox-forged-{run[-12:]}"
    handlers = {EVENT_TYPE: apply, forged.type: apply}
    consumer = Consumer(js, effects_table, Subscription(durable=durable, producer="grants",
                                                        subject=honest.nats_subject, handlers=handlers))
    messages = await dead_letters_of(js, consumer)
    await nc.drain()
    assert applied == [], case
    assert "does not match" in messages[0].headers["Regie-Dead-Letter-Reason"], case
    assert messages[0].headers["Regie-Deliveries"] == "1"  # refused at once, never retried
    for tenant in ("west-vlaanderen", "limburg"):
        async with effects_table.transaction(tenant) as session:
            count = (await session.execute(text("select count(*) from inbox_test_effects where event_id = :e"),
                                           {"e": forged.id})).scalar_one()
        assert count == 0, (case, tenant)


async def test_a_slow_handler_that_reports_progress_is_not_delivered_again(
        infra: Stack, effects_table: Database, stack_config: StackConfig) -> None:
    nc, js, envelope = await one_published(stack_config)
    calls = 0

    async def slow(session: AsyncSession, event: Envelope) -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(3.5)  # 3.5 ack-waits: without progress reports the server would redeliver
        await record(session, event)

    durable = f"test-inbox-slow-{envelope.id[-12:]}"
    consumer = Consumer(js, effects_table, Subscription(durable=durable, producer="grants",
                                                        subject=envelope.nats_subject, handlers={EVENT_TYPE: slow}),
                        ack_wait_seconds=1.0)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    await wait_until_acked(js, durable)
    info = await js.consumer_info("GRANTS", durable)
    stop.set()
    await task
    await nc.drain()
    assert calls == 1 and info.num_redelivered == 0, (calls, info)
    assert await effects(effects_table, envelope.id) == 1


async def test_a_dead_letter_is_listed_for_its_province_and_replayed_once_after_the_fix(
        infra: Stack, effects_table: Database, stack_config: StackConfig) -> None:
    from shared.events import deadletters
    from shared.problems import Conflict, NotFound

    nc, js, envelope = await one_published(stack_config)
    fixed = False

    async def until_fixed(session: AsyncSession, event: Envelope) -> None:
        if not fixed:
            raise RuntimeError("de sleutel van de mailserver ontbreekt")
        await record(session, event)

    subscription = Subscription(durable=f"test-inbox-replay-{envelope.id[-12:]}", producer="grants",
                                subject=envelope.nats_subject, handlers={EVENT_TYPE: until_fixed})
    consumer = Consumer(js, effects_table, subscription, max_deliver=2, ack_wait_seconds=1.0)
    (dead,) = await dead_letters_of(js, consumer)
    try:
        listed = await deadletters.dead_letters(js, [subscription], "west-vlaanderen")
        (letter,) = [d for d in listed if d.event_id == envelope.id]
        assert letter.sequence == dead.metadata.sequence.stream and letter.deliveries == 2
        assert "de sleutel van de mailserver ontbreekt" in letter.reason and letter.subject == envelope.nats_subject
        assert not [d for d in await deadletters.dead_letters(js, [subscription], "limburg")
                    if d.event_id == envelope.id]  # another province's admin does not see it
        with pytest.raises(NotFound):
            await deadletters.replay(js, effects_table, [subscription], "limburg", letter.sequence, max_deliver=2,
                                     actor="admin-limburg")
        with pytest.raises(Conflict):  # not fixed yet: it stays
            await deadletters.replay(js, effects_table, [subscription], "west-vlaanderen", letter.sequence,
                                     max_deliver=2, actor="admin")
        assert await effects(effects_table, envelope.id) == 0
        fixed = True
        await deadletters.replay(js, effects_table, [subscription], "west-vlaanderen", letter.sequence,
                                 max_deliver=2, actor="admin")
        assert await effects(effects_table, envelope.id) == 1
        assert not [d for d in await deadletters.dead_letters(js, [subscription], "west-vlaanderen")
                    if d.event_id == envelope.id]
        with pytest.raises(NotFound):  # replayed and gone: a second replay applies nothing
            await deadletters.replay(js, effects_table, [subscription], "west-vlaanderen", letter.sequence,
                                     max_deliver=2, actor="admin")
        assert await effects(effects_table, envelope.id) == 1
    finally:
        await nc.drain()


async def test_a_batch_with_a_failing_event_applies_the_others_once_and_dead_letters_that_one_alone(
        infra: Stack, effects_table: Database, stack_config: StackConfig) -> None:
    """What one fetch brings is applied in one transaction, each province's under its own tenant; a handler that
    fails rolls the batch back and its events go one by one: the others' effects once, the bad one dead-lettered
    with none."""
    nc, js = await jetstream(stack_config)
    await js.purge_stream("GRANTS", subject="grants.limburg.inboxtest.happened")
    run = str(uuid7())
    events = [make_envelope(InboxTestHappenedV1(note=note), tenant=tenant, subject=run) for note, tenant in (
        ("good", "west-vlaanderen"), ("good", "limburg"), ("bad", "west-vlaanderen"), ("good", "west-vlaanderen"),
        ("good", "limburg"))]
    for envelope in events:  # all waiting before the consumer starts: the fetches after the first take several
        await publish_raw(js, envelope, envelope.id)

    async def record_unless_bad(session: AsyncSession, envelope: Envelope) -> None:
        if envelope.data["note"] == "bad":
            raise RuntimeError("the handler is broken for this one")
        await record(session, envelope)

    durable = f"test-inbox-batch-{run[-12:]}"
    consumer = Consumer(js, effects_table, Subscription(durable=durable, producer="grants",
                                                        subject="grants.*.inboxtest.happened",
                                                        handlers={EVENT_TYPE: record_unless_bad}),
                        max_deliver=2, ack_wait_seconds=1.0)
    messages = await dead_letters_of(js, consumer)
    await nc.drain()
    assert [decode(m.data).id for m in messages] == [events[2].id]
    for envelope in events:
        async with effects_table.transaction(envelope.tenant) as session:
            applied = (await session.execute(text("select count(*) from inbox_test_effects where event_id = :e"),
                                             {"e": envelope.id})).scalar_one()
        assert applied == (0 if envelope is events[2] else 1), envelope.tenant


async def inbox_records(db: Database, durable: str) -> set[str]:
    async with db.transaction("west-vlaanderen") as session:
        return set((await session.execute(text("select event_id from inbox where consumer = :c"),
                                          {"c": durable})).scalars())


@pytest.mark.parametrize("alone", [True, False], ids=["alone", "in a batch"])
async def test_an_event_without_a_handler_is_acknowledged_with_no_inbox_record(
        infra: Stack, effects_table: Database, stack_config: StackConfig, alone: bool) -> None:
    """A subscription's subject may cover more than it acts on: what it has no handler for is acknowledged
    without a transaction or an inbox record, alone or among events it applies."""
    nc, js = await jetstream(stack_config)
    run = str(uuid7())
    ignored = [make_envelope(InboxTestIgnoredV1(note=run), tenant="west-vlaanderen", subject=f"{run}-{n}")
               for n in range(2)]
    applied = [] if alone else [inbox_event(f"{run}-{n}") for n in range(2)]
    for envelope in [ignored[0], *applied, *ignored[1:]] if not alone else ignored[:1]:
        await publish_raw(js, envelope, envelope.id)
    durable = f"test-inbox-ignored-{run[-12:]}"
    consumer = Consumer(js, effects_table, Subscription(durable=durable, producer="grants",
                                                        subject="grants.west-vlaanderen.inboxtest.>",
                                                        handlers={EVENT_TYPE: record}))
    await run_until_acked(js, consumer)
    info = await js.consumer_info("GRANTS", durable)
    await nc.drain()
    assert info.delivered.stream_seq > 0 and info.num_ack_pending == 0 and info.num_redelivered == 0
    assert await inbox_records(effects_table, durable) == {envelope.id for envelope in applied}
    for envelope in applied:
        assert await effects(effects_table, envelope.id) == 1


async def test_the_events_waiting_behind_the_first_pulled_are_applied_in_its_transaction(
        infra: Stack, effects_table: Database, stack_config: StackConfig) -> None:
    """A transaction's events are relayed together and the consumer pulls one at a time when none were waiting:
    the others, stored behind it, go into its transaction rather than into one of their own after it."""
    nc, js = await jetstream(stack_config)
    run = str(uuid7())
    envelopes = [inbox_event(f"{run}-{n}") for n in range(10)]
    for envelope in envelopes:
        await publish_raw(js, envelope, envelope.id)
    transactions: dict[str, str] = {}

    async def record_with_transaction(session: AsyncSession, envelope: Envelope) -> None:
        await record(session, envelope)
        transactions[envelope.id] = str(await session.scalar(text("select pg_current_xact_id()")))

    durable = f"test-inbox-waiting-{run[-12:]}"
    consumer = Consumer(js, effects_table, Subscription(durable=durable, producer="grants",
                                                        subject="grants.west-vlaanderen.inboxtest.happened",
                                                        handlers={EVENT_TYPE: record_with_transaction}),
                        waiting_seconds=10.0)  # (the server answers at once; no timing in this test)
    await run_until_acked(js, consumer)
    await nc.drain()
    assert set(transactions) == {envelope.id for envelope in envelopes}
    assert len(set(transactions.values())) == 1, transactions


@pytest.mark.parametrize("way", ["turn", "give_way"])
async def test_a_consumer_applies_its_events_after_the_request_its_process_is_answering(
        infra: Stack, effects_table: Database, stack_config: StackConfig, way: str) -> None:
    """Requests first (shared/foreground.py): the consumer takes its turn before it applies what it pulled; and,
    with no turn before the batch, its statements give way within the unit of work (Consumer.give_way,
    shared.db.GIVES_WAY_KEY) while a request is being answered, and go on once it is."""
    foreground = Foreground(max_wait_seconds=30, give_way_seconds=30)
    answer, answering = held_request(foreground)
    nc, js, envelope = await one_published(stack_config)
    durable = f"test-inbox-{way.replace('_', '-')}-{envelope.subject[-12:]}"
    waits = {"turn": foreground.turn} if way == "turn" else {"give_way": foreground.give_way}
    consumer = Consumer(js, effects_table, Subscription(durable=durable, producer="grants",
                                                        subject=envelope.nats_subject, handlers={EVENT_TYPE: record}),
                        **waits)
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    try:
        for _ in range(100):  # pulled, and held back while the request is being answered
            try:
                if (await js.consumer_info("GRANTS", durable)).num_ack_pending == 1:
                    break
            except nats.js.errors.NotFoundError:  # not subscribed yet
                pass
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the consumer did not pull the event, or applied it at once")
        await asyncio.sleep(0.5)
        assert await effects(effects_table, envelope.id) == 0
        assert foreground.answering == 1
        answer.set()
        await answering
        await wait_until_acked(js, durable)
        assert await effects(effects_table, envelope.id) == 1
    finally:
        stop.set()
        answer.set()
        await running
        await nc.drain()

