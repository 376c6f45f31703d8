"""The hot reads of a service in one round trip: a small asyncpg pool per province whose connections carry the
province as a connection parameter (`app.tenant`), so Row-Level Security applies to every statement on them
with no transaction, no `set_config` and no ORM around the one SELECT.

The unit of work (shared.db) costs four round trips around a read (BEGIN, the pool's ping, the tenant's
`set_config`, COMMIT) and the ORM's loading: most of a service's time for an answer of one record by id under
load (bench/README.md). A read that is asked for all the time (one organisation, one call) is written as a
single statement here instead, its related rows gathered in the same statement (`ARRAY(SELECT row …)`), so
it reads one consistent snapshot; asyncpg prepares it once per connection.

A connection of one province's pool can only ever see that province: the province is fixed when the connection
is made, and no statement run here may change it (`read_only`). Nothing here writes: changes go through the unit
of work, which checks the rules and stages the events.

Behind a transaction-mode connection pooler (PgBouncer) connection parameters do not stick: these pools need
direct connections or a session-mode pool."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
import msgspec
from sqlalchemy.engine import make_url

from shared.tenancy import is_tenant

PER_TENANT = 4
"""Connections per province and process: a read holds one for a single round trip, so a few serve many."""
IDLE_SECONDS = 120.0
"""A connection unused this long is closed: a province that is rarely read holds no connections open."""


class Row:
    """A row's columns as attributes (`row.name`), the way the ORM's objects read, so that the code turning an
    entity into its answer (a `to_out`) takes either. Related rows gathered with `ARRAY(SELECT …)` come back
    as lists of rows; a single related row (`(SELECT r FROM …)`) as a row, or None."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if isinstance(value, asyncpg.Record):
                value = Row(value)
            elif isinstance(value, list) and value and isinstance(value[0], asyncpg.Record):
                value = [Row(item) for item in value]
            self.__dict__[name] = value

    def __getattr__(self, name: str) -> Any:  # only for a column the row does not have
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"Row({self.__dict__!r})"


CHANGES_THE_SESSION = re.compile(
    r"\b(set|set_config|reset|discard|listen|notify|lock|begin|start|insert|update|delete)\b|pg_advisory",
    re.IGNORECASE)
"""Words of a statement that writes, locks or changes the session: none has a place in a hot read."""


@lru_cache(maxsize=256)
def read_only(query: str) -> str:
    """The query, when it is a plain read (SELECT or WITH … SELECT) that leaves the connection as it found it: the
    no-op reset (`unchanged`) relies on that, and a `set_config('app.tenant', …, false)` would otherwise carry a
    province over to the next read on the connection. Checked once per query text (they are the code's
    constants)."""
    if not query.lstrip().lower().startswith(("select", "with")) or CHANGES_THE_SESSION.search(query):
        raise ValueError(f"not a plain read for the per-province pools: {query.strip()[:80]!r}")
    return query


async def decode_json(connection: asyncpg.Connection) -> None:
    """JSON columns as Python values, as SQLAlchemy's JSONB type reads them (asyncpg gives their text). In the
    binary format, which a row nested in another (`(SELECT r FROM …)`) needs: jsonb's is a version byte (1)
    and the text, json's the text."""
    await connection.set_type_codec("jsonb", schema="pg_catalog", format="binary",
                                    encoder=lambda value: b"\x01" + msgspec.json.encode(value),
                                    decoder=lambda data: msgspec.json.decode(data[1:]))
    await connection.set_type_codec("json", schema="pg_catalog", format="binary", encoder=msgspec.json.encode,
                                    decoder=msgspec.json.decode)


async def unchanged(connection: asyncpg.Connection) -> None:
    """The reset of a connection back in its pool: none. asyncpg's own (`RESET ALL`, `CLOSE ALL`, `UNLISTEN *`,
    advisory locks) is a round trip per read, undoing what no read here does: the statements are the code's
    own SELECTs, each on its own without a transaction (a transaction left open is rolled back by asyncpg
    before this; `read_only` refuses a statement that would change the session). The province is the connection's
    parameter, which a reset would come back to anyway."""


class TenantReads:
    """The per-province pools of one service process, made on a province's first read."""

    def __init__(self, url: str, connect_args: Mapping[str, Any] | None = None, *, per_tenant: int = PER_TENANT,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        # The request role's URL as SQLAlchemy takes it (postgresql+asyncpg://…), as asyncpg takes it.
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.connect_args = dict(connect_args or {})
        self.per_tenant = per_tenant
        self.idle_seconds = idle_seconds
        self.pools: dict[str, asyncpg.Pool] = {}
        self.turns: dict[str, asyncio.Semaphore] = {}
        """One per pool, as many as its connections: reads wait their turn here, first come first served. asyncpg's
        pool hands a freed connection to whoever asks first, a waiter woken for it or a read just arriving, and a
        waiter that lost it queues again at the back: under load most reads took 4 ms and one in ten 90–200 ms
        (asyncio's Semaphore serves its waiters in order since Python 3.11)."""
        self.lock = asyncio.Lock()

    async def pool(self, tenant: str) -> asyncpg.Pool:
        found = self.pools.get(tenant)
        if found is not None:
            return found
        if not is_tenant(tenant):
            raise ValueError(f"unknown tenant {tenant!r}")
        async with self.lock:
            if tenant not in self.pools:
                self.turns[tenant] = asyncio.Semaphore(self.per_tenant)
                self.pools[tenant] = await asyncpg.create_pool(
                    self.dsn, min_size=0, max_size=self.per_tenant,
                    max_inactive_connection_lifetime=self.idle_seconds,
                    server_settings={"app.tenant": tenant}, init=decode_json, reset=unchanged,
                    **self.connect_args)
            return self.pools[tenant]

    async def one(self, tenant: str, query: str, *args: Any) -> Row | None:
        """The first row `query` finds in `tenant`'s rows, or None."""
        pool = await self.pool(tenant)
        async with self.turns[tenant]:
            record = await pool.fetchrow(read_only(query), *args)
        return None if record is None else Row(record)

    async def all(self, tenant: str, query: str, *args: Any) -> list[Row]:
        pool = await self.pool(tenant)
        async with self.turns[tenant]:
            records = await pool.fetch(read_only(query), *args)
        return [Row(record) for record in records]

    async def close(self) -> None:
        pools, self.pools = list(self.pools.values()), {}
        await asyncio.gather(*(pool.close() for pool in pools), return_exceptions=True)
