"""The hot reads' pools (shared/reads.py) on the real PostgreSQL: reads of one province get a connection in the order
they asked for one. Eight readers ask again the moment each read returns, on a pool of two connections: without
the turns, the reader whose read just returned takes the connection it freed before the reader woken for it, and
the same two readers keep the pool while the six others wait. A connection unused for its idle time is closed on
the server; one whose backend was killed, or whose read was given up on in the middle, is not used again; one
whose statement the server refused is."""

from __future__ import annotations

import asyncio
import itertools

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
import pytest

from devstack.config import StackConfig
from shared.db import Database
from shared.reads import TenantReads

READ = "SELECT clock_timestamp() AS began, pg_sleep(0.02) AS slept"
PID = "SELECT pg_backend_pid() AS pid"


async def test_reads_of_one_province_get_their_turn_in_the_order_they_asked(stack_config: StackConfig,
                                                                            partners_db: Database) -> None:
    del partners_db  # migrated; the read itself needs no table
    reads = TenantReads(stack_config.database_url("partners", "regie_app"), per_tenant=2)
    asked = itertools.count()
    seen: list[tuple[int, object]] = []

    async def reader() -> None:
        for _ in range(6):
            number = next(asked)
            row = await reads.one("antwerpen", READ)
            assert row is not None
            seen.append((number, row.began))

    try:
        await asyncio.gather(*(reader() for _ in range(8)))
    finally:
        await reads.close()
    in_turn = [number for number, _began in sorted(seen, key=lambda found: found[1])]
    assert sorted(in_turn) == list(range(48))
    # Two connections: a read may begin beside the one asked just before it, never ahead of more.
    assert max(abs(place - number) for place, number in enumerate(in_turn)) <= 2, in_turn


def backends(stack_config: StackConfig) -> str:
    return stack_config.database_url("partners", "regie_owner").replace("postgresql+asyncpg://", "postgresql://")


async def alive(stack_config: StackConfig, pid: int) -> bool:
    owner = await asyncpg.connect(backends(stack_config))
    try:
        return bool(await owner.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid))
    finally:
        await owner.close()


async def test_a_connection_unused_for_its_idle_time_is_closed(stack_config: StackConfig,
                                                               partners_db: Database) -> None:
    del partners_db
    reads = TenantReads(stack_config.database_url("partners", "regie_app"), per_tenant=2, idle_seconds=0.3)
    try:
        first = await reads.one("antwerpen", PID)
        again = await reads.one("antwerpen", PID)  # given back, taken again: the same connection
        assert first is not None and again is not None and again.pid == first.pid
        assert await alive(stack_config, first.pid)
        await asyncio.sleep(1.0)
        assert not await alive(stack_config, first.pid)
        later = await reads.one("antwerpen", PID)  # a new one when a read comes again
        assert later is not None and later.pid != first.pid
    finally:
        await reads.close()


async def test_a_connection_that_broke_or_a_read_that_did_not_end_is_not_used_again(
        stack_config: StackConfig, partners_db: Database) -> None:
    del partners_db
    # As the owner, so that the owner may end the backend (a role may signal only its own).
    reads = TenantReads(stack_config.database_url("partners", "regie_owner"), per_tenant=1)
    owner = await asyncpg.connect(backends(stack_config))
    try:
        first = await reads.one("antwerpen", PID)
        assert first is not None
        assert await owner.fetchval("SELECT pg_terminate_backend($1)", first.pid)
        await asyncio.sleep(0.2)
        replaced = await reads.one("antwerpen", PID)
        assert replaced is not None and replaced.pid != first.pid
        # A read given up on in the middle (its caller's timeout): its connection is closed, not handed on busy.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reads.one("antwerpen", "SELECT pg_sleep(5) AS slept"), timeout=0.3)
        after = await reads.one("antwerpen", PID)
        assert after is not None and after.pid != replaced.pid
        # A statement the server refuses leaves its connection in use for the next read.
        with pytest.raises(asyncpg.PostgresError):
            await reads.one("antwerpen", "SELECT 1 / 0 AS never")
        kept = await reads.one("antwerpen", PID)
        assert kept is not None and kept.pid == after.pid
    finally:
        await owner.close()
        await reads.close()
