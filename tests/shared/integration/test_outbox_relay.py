"""The outbox holds the events not yet published: the relay deletes a row once JetStream has acked it, keeps a
row the server did not take (with its attempt and error), and the migration from the outbox that kept its sent
rows deletes those and keeps the rest. On the stack's PostgreSQL and NATS, in an outbox of the test's own (the
services' layout) in partners' database, so that partners' relay never sees its rows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.config import StackConfig
from shared.db import Database
from shared.events.envelope import EventData
from shared.events.outbox import (
    OutboxRelay,
    outbox_deleted_when_sent_ddl,
    outbox_deleted_when_sent_undone,
    relay_engine,
    stage,
)
from tests.shared.integration.crash_worker import CrashTestHappenedV1
from tests.shared.integration.pipeline_world import events_in_stream, outbox_of_its_own, search_path

SCHEMA = "outboxrelay"
SEARCH_PATH = search_path(SCHEMA)


class NowhereHappenedV1(EventData, frozen=True, kw_only=True):
    """An event of a service without a stream: its publish has no responder, the server never acks it."""

    event_type: ClassVar[str] = "be.regie.nowhere.thing.happened.v1"
    run_id: str


@pytest.fixture
async def owner(partners_db: Database, stack_config: StackConfig) -> AsyncIterator[AsyncEngine]:
    async with outbox_of_its_own(stack_config, SCHEMA, pool_size=2) as engine:
        yield engine


async def rows(owner: AsyncEngine) -> list[dict[str, object]]:
    async with owner.connect() as connection:
        found = await connection.execute(text("select id, attempts, last_error from outbox order by created_at, id"))
        return [dict(row) for row in found.mappings()]


async def test_the_relay_deletes_what_the_server_acked_and_keeps_what_it_did_not(
        owner: AsyncEngine, nc: Client, js: JetStreamContext, stack_config: StackConfig) -> None:
    run = str(uuid.uuid4())
    staged: list[str] = []
    for first in range(0, 30, 10):  # three transactions, as services commit them
        async with Database(owner).transaction("antwerpen") as session:
            for n in range(first, first + 10):
                data: EventData = (NowhereHappenedV1(run_id=run) if n == 12
                                   else CrashTestHappenedV1(run_id=run, writer=n))
                staged.append(stage(session, data, tenant="antwerpen", subject=run))
    nowhere = staged[12]
    assert [row["id"] for row in await rows(owner)] == staged

    relay = OutboxRelay(relay_engine(stack_config.database_url("partners", "regie_owner"), SEARCH_PATH), nc,
                        batch_size=20, publish_timeout=2.0, listen=False)
    try:
        assert await relay.publish_batch() == 19  # of the first twenty, all but the one without a stream
        assert relay.failing
        assert await relay.publish_batch() == 10  # the rest, the refused one tried (and refused) again
    finally:
        await relay.engine.dispose()

    left = await rows(owner)
    assert [row["id"] for row in left] == [nowhere], "an acked row is deleted, a refused one stays"
    assert left[0]["attempts"] == 2 and "NoStreamResponse" in str(left[0]["last_error"])
    published = [event_id for event_id in staged if event_id != nowhere]
    assert await events_in_stream(js, run) == published, "each acked event once in the stream, in the outbox's order"


OLD_OUTBOX = """
create table outbox (id varchar(36) primary key, tenant varchar(40) not null, subject varchar(255) not null,
    type varchar(255) not null, payload bytea not null, created_at timestamptz not null default now(),
    published_at timestamptz, attempts integer not null default 0, last_error text);
create index ix_outbox_unsent on outbox (created_at) where published_at is null;
insert into outbox (id, tenant, subject, type, payload, published_at)
    select 'e' || n, 'antwerpen', 'partners.antwerpen.x', 'x', '\\x00', case when n <= 3 then now() end
    from generate_series(1, 5) n;
"""


async def test_the_migration_deletes_the_sent_rows_keeps_the_unsent_and_can_be_undone(owner: AsyncEngine) -> None:
    async def shape() -> tuple[list[str], list[str], list[str]]:
        async with owner.connect() as connection:
            ids = list((await connection.execute(text("select id from outbox order by id"))).scalars())
            columns = list((await connection.execute(text(
                "select column_name from information_schema.columns where table_schema = :s "
                "and table_name = 'outbox' order by ordinal_position"), {"s": SCHEMA})).scalars())
            indexes = list((await connection.execute(text(
                "select indexname from pg_indexes where schemaname = :s and tablename = 'outbox' "
                "and indexname like 'ix_%' order by 1"), {"s": SCHEMA})).scalars())
        return ids, columns, indexes

    async with owner.begin() as connection:  # the outbox as the first migrations made it, three rows sent
        await connection.execute(text("drop table outbox"))
        for statement in OLD_OUTBOX.split(";"):
            if statement.strip():
                await connection.execute(text(statement))
    for _ in range(2):  # the second time as on a database whose first migration made today's outbox
        async with owner.begin() as connection:
            for statement in outbox_deleted_when_sent_ddl():
                await connection.execute(text(statement))
        ids, columns, indexes = await shape()
        assert ids == ["e4", "e5"]
        assert "published_at" not in columns and indexes == ["ix_outbox_order"]

    async with owner.begin() as connection:
        for statement in outbox_deleted_when_sent_undone():
            await connection.execute(text(statement))
    ids, columns, indexes = await shape()
    assert ids == ["e4", "e5"] and "published_at" in columns and indexes == ["ix_outbox_unsent"]


async def test_a_transaction_that_commits_after_the_relay_passed_its_place_is_relayed(
        owner: AsyncEngine, nc: Client, js: JetStreamContext, stack_config: StackConfig) -> None:
    """Full batches go on from where the last ended; a row created before that place (its transaction began
    first) but committed after is found by the next claim from the oldest row."""
    run = str(uuid.uuid4())
    db = Database(owner)
    relay = OutboxRelay(relay_engine(stack_config.database_url("partners", "regie_owner"), SEARCH_PATH), nc,
                        batch_size=10, poll_seconds=60.0, listen=False)
    try:
        async with db.transaction("antwerpen") as late:  # begins first: the oldest created_at of all
            late_id = stage(late, CrashTestHappenedV1(run_id=run, writer=0), tenant="antwerpen", subject=run)
            await late.execute(text("select 1"))  # (its transaction, and so its now(), has begun)
            early: list[str] = []
            for writer in range(1, 3):
                async with db.transaction("antwerpen") as session:
                    early += [stage(session, CrashTestHappenedV1(run_id=run, writer=writer * 100 + n),
                                    tenant="antwerpen", subject=run) for n in range(10)]
            assert await relay.publish_batch() == 10
            assert relay.after is not None and relay.after[1] == early[9], "a full batch: the next goes on from it"
        # `late` has committed now, behind the place the relay reached.
        assert await relay.publish_batch() == 10  # the second full batch, from the place
        assert await relay.publish_batch() == 0  # nothing after it: not full, so the next claim is from the oldest
        assert relay.after is None
        assert await relay.publish_batch() == 1
    finally:
        await relay.engine.dispose()
    assert await rows(owner) == []
    assert await events_in_stream(js, run) == [*early, late_id]
