"""The services' connection pools on the real PostgreSQL: a connection that sat idle and whose server session is
gone meanwhile (a restart, a failover, a firewall's idle timeout; here its backend terminated) is replaced before
anyone uses it, so the next transaction simply works; a connection handed back moments ago is handed out again
without a ping (the three round trips a ping costs with asyncpg are not paid by every transaction). And the units
of work on them: the tenant set in the BEGIN's own message, and background work giving way to the process's
requests before each statement and flush."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
import pytest
from sqlalchemy import text

from devstack.config import StackConfig
from devstack.stack import Stack
from shared import db as shared_db
from shared.db import GIVES_WAY_KEY, Database, driver_connection
from shared.events.inbox import InboxMessage
from shared.foreground import Foreground
from tests.support import finished, held_request


@pytest.fixture
async def pool(infra: Stack, stack_config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    monkeypatch.setattr(shared_db, "PING_AFTER_IDLE_SECONDS", 0.3)
    database = Database.from_url(stack_config.database_url("partners", "regie_app"), pool_size=1)
    yield database
    await database.dispose()


async def backend(database: Database) -> int:
    async with database.transaction("antwerpen") as session:
        return int((await session.execute(text("select pg_backend_pid()"))).scalar_one())


async def terminate(config: StackConfig, pid: int) -> None:
    """From a connection of its own, as the same role (which may end its own sessions)."""
    dsn = config.database_url("partners", "regie_app").replace("postgresql+asyncpg", "postgresql")
    other = await asyncpg.connect(dsn)
    try:
        assert await other.fetchval("select pg_terminate_backend($1)", pid)
    finally:
        await other.close()


async def test_an_idle_connection_whose_server_session_ended_is_replaced_before_use(
        pool: Database, stack_config: StackConfig) -> None:
    first = await backend(pool)
    await terminate(stack_config, first)
    await asyncio.sleep(0.5)  # idle past the ping threshold
    second = await backend(pool)  # no error: the ping found it dead and the pool opened another
    assert second != first
    assert await backend(pool) == second


async def driver_of(database: Database) -> Any:
    """The asyncpg connection of the pool's one connection."""
    async with database.transaction("antwerpen") as session:
        return (await (await session.connection()).get_raw_connection()).driver_connection


async def test_a_connection_back_moments_ago_is_not_pinged(pool: Database) -> None:
    """And an idle one is pinged with one simple query (`PING`): one round trip, no transaction."""
    driver = await driver_of(pool)
    sent: list[str] = []

    def log(logged: Any) -> None:
        sent.append(logged.query)

    driver.add_query_logger(log)
    try:
        first = await backend(pool)
        for _ in range(5):  # back to back: never idle past the threshold
            assert await backend(pool) == first
        assert shared_db.PING not in sent
        await asyncio.sleep(0.5)
        sent.clear()
        assert await backend(pool) == first  # idle: pinged, alive, kept
        assert sent[:2] == [shared_db.PING, "BEGIN; select set_config('app.tenant', 'antwerpen', true);"], sent
    finally:
        driver.remove_query_logger(log)


async def test_a_unit_of_work_begins_with_its_tenant_in_the_same_message(pool: Database) -> None:
    """The BEGIN and the tenant's setting are one simple query (one round trip, not two); the setting is the
    transaction's own, so the next one on the same connection, of another province or of none, never sees it,
    after a commit or a rollback alike."""
    sent: list[str] = []
    driver = await driver_of(pool)

    def log(logged: Any) -> None:
        sent.append(" ".join(logged.query.split()))

    driver.add_query_logger(log)
    try:
        async with pool.transaction("limburg") as session:
            seen = (await session.execute(text("select current_setting('app.tenant', true)"))).scalar_one()
        assert seen == "limburg"
        assert sent[0] == "BEGIN; select set_config('app.tenant', 'limburg', true);", sent
        assert not any("set_config" in query for query in sent[1:]), sent
        with pytest.raises(ZeroDivisionError):
            async with pool.transaction("antwerpen") as session:
                await session.execute(text("select 1"))
                raise ZeroDivisionError  # rolled back
        async with pool.transaction(None) as session:
            assert not (await session.execute(text("select current_setting('app.tenant', true)"))).scalar_one()
        async with pool.transaction("west-vlaanderen") as session:
            assert (await session.execute(text("select current_setting('app.tenant', true)"))).scalar_one() == \
                "west-vlaanderen"
    finally:
        driver.remove_query_logger(log)


async def test_a_unit_of_work_that_gives_way_waits_before_each_statement_and_flush_while_a_request_is_answered(
        pool: Database) -> None:
    """Background work gives way within its unit of work (shared.db.GIVES_WAY_KEY, Foreground.give_way): a request
    that arrives after the transaction began is answered before the transaction's next statement, before its
    next flush, and before the driver's connection is handed out for a statement in SQL; a session without the key
    does not wait."""
    foreground = Foreground(give_way_seconds=30)
    with pytest.raises(ZeroDivisionError):
        async with pool.transaction("antwerpen") as session:
            session.info[GIVES_WAY_KEY] = foreground.give_way
            assert (await session.execute(text("select 1"))).scalar_one() == 1  # no request: at once
            answer, request = held_request(foreground)
            await asyncio.sleep(0)
            assert foreground.answering == 1
            statement = asyncio.create_task(session.execute(text("select 2")))
            assert not await finished(statement, 0.3)
            answer.set()
            await request
            assert (await statement).scalar_one() == 2

            answer, request = held_request(foreground)
            await asyncio.sleep(0)
            session.add(InboxMessage(consumer="test-give-way", event_id=str(uuid.uuid4()), tenant="antwerpen",
                                     type="be.regie.partners.test.v1"))
            flushing = asyncio.create_task(session.flush())
            assert not await finished(flushing, 0.3)
            answer.set()
            await request
            await flushing

            answer, request = held_request(foreground)
            await asyncio.sleep(0)
            handing_out = asyncio.create_task(driver_connection(session))  # a statement in SQL on the driver
            assert not await finished(handing_out, 0.3)
            answer.set()
            await request
            assert await (await handing_out).fetchval("select 3") == 3
            raise ZeroDivisionError  # rolled back: nothing kept
    answer, request = held_request(foreground)
    await asyncio.sleep(0)
    async with pool.transaction("antwerpen") as session:  # not giving way: at once, the request still unanswered
        assert (await session.execute(text("select count(*) from inbox where consumer = 'test-give-way'"))
                ).scalar_one() == 0
    assert foreground.answering == 1
    answer.set()
    await request
