"""The hot reads' pools (shared/reads.py) on the real PostgreSQL: reads of one province get a connection in the order
they asked for one. Eight readers ask again the moment each read returns, on a pool of two connections: without
the turns, the reader whose read just returned takes the connection it freed before the reader woken for it, and
the same two readers keep the pool while the six others wait."""

from __future__ import annotations

import asyncio
import itertools

from devstack.config import StackConfig
from shared.db import Database
from shared.reads import TenantReads

READ = "SELECT clock_timestamp() AS began, pg_sleep(0.02) AS slept"


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
