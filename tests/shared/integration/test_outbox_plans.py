"""The relay's claim keeps using the outbox's index when the outbox grows from empty in a burst.

asyncpg prepares every statement and PostgreSQL keeps a generic plan after five executions. Made while the outbox
was empty (a vacuum truncates it to no pages), that plan is a sequential scan, kept until autovacuum's next
ANALYZE: every relay round then read the whole outbox (bench/event_latency.py: 7 million rows in 5 s); a plan made
for the burst itself, before ANALYZE, chose the same. The relay's engine (`relay_engine`) reads the outbox through
its indexes. Shown on the relay's own claim statement, on
an outbox of the test's own, prepared and run as the relay runs it; the same on an engine without the setting
shows that the test can tell."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.config import StackConfig
from shared.db import Database, make_engine
from shared.events.outbox import OutboxRelay, relay_engine
from tests.shared.integration.pipeline_world import outbox_of_its_own, search_path

SCHEMA = "outboxplans"
SEARCH_PATH = search_path(SCHEMA)


@pytest.fixture
async def owner(partners_db: Database, stack_config: StackConfig) -> AsyncIterator[AsyncEngine]:
    """An outbox of the test's own, vacuumed empty."""
    async with outbox_of_its_own(stack_config, SCHEMA) as engine:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("vacuum analyze outbox"))
        yield engine


def nodes(plan: dict[str, Any]) -> list[str]:
    return [plan["Node Type"], *(node for child in plan.get("Plans", []) for node in nodes(child))]


async def claim_plan_after_a_burst(relay: AsyncEngine, owner: AsyncEngine) -> list[str]:
    """The claim prepared on one of `relay`'s connections and run ten times on the empty outbox, then 20,000
    rows committed: the plan of its next execution."""
    sql, _ = OutboxRelay(relay, nc=None).claim()  # type: ignore[arg-type]  # (the statement only; nothing published)
    async with relay.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.execute(f"prepare claim as {sql}")
        for _ in range(10):
            async with raw.transaction():
                assert await raw.fetch("execute claim (500)") == []
        async with owner.begin() as writer:
            await writer.execute(text(
                "insert into outbox (id, tenant, subject, type, payload) "
                "select gen_random_uuid()::text, 'antwerpen', 'partners.antwerpen.x', 'x', '\\x00' "
                "from generate_series(1, 20000) n"))
        async with raw.transaction():
            assert len(await raw.fetch("execute claim (500)")) == 500
            explained = await raw.fetchval("explain (format json) execute claim (500)")
        await raw.execute("deallocate claim")
    plans = json.loads(explained) if isinstance(explained, str) else explained  # (SQLAlchemy's codec decodes json)
    return nodes(plans[0]["Plan"])


async def test_the_relays_claim_uses_the_index_after_the_outbox_grew_from_empty(
        owner: AsyncEngine, stack_config: StackConfig) -> None:
    url = stack_config.database_url("partners", "regie_owner")
    relay = relay_engine(url, SEARCH_PATH)
    try:
        plan = await claim_plan_after_a_burst(relay, owner)
    finally:
        await relay.dispose()
    assert "Seq Scan" not in plan and any("Index" in node for node in plan), plan

    # Without the relay's setting, the plan made while the outbox was empty stays: the whole table read.
    async with owner.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("truncate outbox"))
        await connection.execute(text("vacuum analyze outbox"))
    plain = make_engine(url, 2, connect_args=SEARCH_PATH)
    try:
        cached = await claim_plan_after_a_burst(plain, owner)
    finally:
        await plain.dispose()
    assert "Seq Scan" in cached, cached
