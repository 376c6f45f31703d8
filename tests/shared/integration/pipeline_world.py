"""What the event-pipeline tests share: a change table beside partners' outbox and an effect table beside
grants' inbox (both under RLS, as a service's would be), the test event's subject, and the effect handler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from devstack.config import StackConfig
from shared.db import Database, make_engine
from shared.events.envelope import Envelope, decode

T = TypeVar("T")
UNANSWERED = (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError, nats.js.errors.NoStreamResponseError)
"""What a cluster whose nodes were all killed (or two of three) answers an API request or a publish with until its
new meta, stream and consumer leaders are elected (seconds, longer on a loaded machine)."""

SUBJECT = "partners.antwerpen.crashtest.happened"
EVENT_TYPE = "be.regie.partners.crashtest.happened.v1"
TENANT_TABLE = """
create table if not exists {table} (tenant text not null, run_id text not null, event_id text not null);
alter table {table} enable row level security;
alter table {table} force row level security;
drop policy if exists tenant_isolation on {table};
create policy tenant_isolation on {table} using (tenant = current_setting('app.tenant', true))
    with check (tenant = current_setting('app.tenant', true));
grant select, insert on {table} to regie_app;
"""


async def make_tables(config: StackConfig) -> None:
    """crash_changes in partners' database, crash_effects in grants'."""
    for service, table in (("partners", "crash_changes"), ("grants", "crash_effects")):
        owner = Database.from_url(config.database_url(service, "regie_owner"), 1)
        async with owner.transaction(None) as session:
            for statement in TENANT_TABLE.format(table=table).split(";"):
                if statement.strip():
                    await session.execute(text(statement))
        await owner.dispose()


def search_path(schema: str) -> dict[str, Any]:
    """Connection arguments that put `schema` first: its `outbox` is the one the statements name."""
    return {"server_settings": {"search_path": schema}}


@asynccontextmanager
async def schema_of_its_own(config: StackConfig, service: str, schema: str, *statements: str,
                            pool_size: int = 1) -> AsyncIterator[AsyncEngine]:
    """`schema` in `service`'s database, made afresh with `statements` (its tables, e.g. `create table outbox (like
    public.outbox including all)`) and dropped after, first on the search path of the owner's engine it yields:
    the statements of the code under test name its tables, and no running service sees their rows."""
    engine = make_engine(config.database_url(service, "regie_owner"), pool_size, connect_args=search_path(schema))
    async with engine.begin() as connection:
        await connection.execute(text(f"drop schema if exists {schema} cascade"))
        await connection.execute(text(f"create schema {schema}"))
        for statement in statements:
            await connection.execute(text(statement))
    try:
        yield engine
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f"drop schema {schema} cascade"))
        await engine.dispose()


def outbox_of_its_own(config: StackConfig, schema: str, pool_size: int = 1) -> AbstractAsyncContextManager[AsyncEngine]:
    """An outbox of the test's own in partners' database, laid out as the services' is today, so that partners'
    relay never sees its rows; the owner's engine onto it."""
    return schema_of_its_own(config, "partners", schema,
                             "create table outbox (like public.outbox including defaults including indexes)",
                             pool_size=pool_size)


async def record_effect(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(text("insert into crash_effects (tenant, run_id, event_id) values (:t, :r, :e)"),
                          {"t": envelope.tenant, "r": envelope.data["run_id"], "e": envelope.id})


async def answered(request: Callable[[], Awaitable[T]], timeout: float = 120.0) -> T:
    """A JetStream API request asked again until the cluster answers it, or the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            return await request()
        except UNANSWERED:
            if loop.time() >= deadline:
                raise
            await asyncio.sleep(0.5)


async def drained(js: JetStreamContext, durable: str, timeout: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            info = await answered(lambda: js.consumer_info("PARTNERS", durable), deadline - loop.time())
        except nats.js.errors.NotFoundError:  # its consumer is still asking a cluster under faults to create it
            await asyncio.sleep(0.2)
            continue
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{durable} did not apply everything within {timeout}s")


async def events_in_stream(js: JetStreamContext, run: str) -> list[str]:
    """The ids of the run's events in the stream, in its order, each as often as it is there."""
    sub = await answered(lambda: js.pull_subscribe(SUBJECT, durable=None, stream="PARTNERS", config=ConsumerConfig(
        ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL)))
    seen: list[str] = []
    while True:
        try:
            messages = await sub.fetch(500, timeout=2.0)
        except (TimeoutError, *UNANSWERED):  # nothing came, or a cluster electing its leaders
            if (await answered(sub.consumer_info)).num_pending == 0:
                break
            continue
        seen += [envelope.id for envelope in map(decode, (m.data for m in messages))
                 if envelope.data["run_id"] == run]
    await sub.unsubscribe()
    return seen
