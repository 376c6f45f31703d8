"""`shared.db.driver_transaction` on the real PostgreSQL: a transaction on a pooled connection in SQL through asyncpg
alone (the outbox relay's). What the block wrote commits when it ends normally and is gone when it raises; the
rows it locked stay locked for as long as the block runs (it is one transaction, not a statement each); and a
connection that broke under it is dropped from the pool, so the next transaction gets a working one. In a schema
of the test's own in partners' database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.db import driver_transaction
from tests.shared.integration.pipeline_world import schema_of_its_own

SCHEMA = "driver_transaction_test"


@pytest.fixture
async def engine(infra: Stack, stack_config: StackConfig) -> AsyncIterator[AsyncEngine]:
    """One connection in the pool and none beyond it: the next transaction gets the same connection, or its
    replacement."""
    async with schema_of_its_own(stack_config, "partners", SCHEMA,
                                 "create table things (id int primary key, name text not null)") as engine:
        yield engine


async def names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(text("select name from things order by id"))).scalars())


async def test_what_the_block_wrote_commits_when_it_ends_and_is_gone_when_it_raises(engine: AsyncEngine) -> None:
    async with driver_transaction(engine) as connection:
        await connection.execute("insert into things values (1, 'kept')")
    with pytest.raises(RuntimeError):
        async with driver_transaction(engine) as connection:
            await connection.execute("insert into things values (2, 'rolled back')")
            assert await connection.fetchval("select count(*) from things") == 2  # seen inside the transaction
            raise RuntimeError("the block failed")
    assert await names(engine) == ["kept"]


async def test_a_row_locked_in_the_block_stays_locked_until_it_ends(engine: AsyncEngine,
                                                                    stack_config: StackConfig) -> None:
    async with driver_transaction(engine) as connection:
        await connection.execute("insert into things values (1, 'one')")
    dsn = stack_config.database_url("partners", "regie_owner").replace("postgresql+asyncpg://", "postgresql://")
    other = await asyncpg.connect(dsn, server_settings={"search_path": SCHEMA})
    try:
        async with driver_transaction(engine) as connection:
            assert len(await connection.fetch("select id from things for update")) == 1
            async with other.transaction():  # another transaction, meanwhile: the row is held, so skipped
                assert await other.fetch("select id from things for update skip locked") == []
        async with other.transaction():  # after the block: free again
            assert len(await other.fetch("select id from things for update skip locked")) == 1
    finally:
        await other.close()


async def test_a_connection_that_broke_in_the_block_is_not_handed_out_again(engine: AsyncEngine,
                                                                            stack_config: StackConfig) -> None:
    async with driver_transaction(engine) as connection:
        first = await connection.fetchval("select pg_backend_pid()")
    dsn = stack_config.database_url("partners", "regie_owner").replace("postgresql+asyncpg://", "postgresql://")
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError, OSError)):
        async with driver_transaction(engine) as connection:
            assert await connection.fetchval("select pg_backend_pid()") == first  # the pool's one connection
            killer = await asyncpg.connect(dsn)
            try:
                assert await killer.fetchval("select pg_terminate_backend($1)", first)
            finally:
                await killer.close()
            await connection.execute("insert into things values (1, 'lost with its connection')")
    async with driver_transaction(engine) as connection:  # a new connection, at once (no idle ping was due)
        assert await connection.fetchval("select pg_backend_pid()") != first
        await connection.execute("insert into things values (2, 'written on the new one')")
    assert await names(engine) == ["written on the new one"]
