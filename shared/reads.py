"""The hot reads of a service in one round trip: a few asyncpg connections per province (`ProvincePool`) that carry
the province as a connection parameter (`app.tenant`), so Row-Level Security applies to every statement on them
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
import time
from collections.abc import Awaitable, Callable, Mapping
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
    """The query, when it is a plain read (SELECT or WITH … SELECT) that leaves the connection as it found it: a
    connection is given back to the next read without a reset (`ProvincePool`), and a `set_config('app.tenant', …,
    false)` would otherwise carry a province over to the next read on the connection. Checked once per query text
    (they are the code's constants)."""
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


class ProvincePool:
    """One province's connections for the hot reads: at most `size`, made when a read finds none idle, closed once
    unused for `idle_seconds`. Reads take their turn first, first come first served (asyncio's Semaphore serves
    its waiters in order since Python 3.11): asyncpg's pool hands a freed connection to whoever asks first, a
    waiter woken for it or a read just arriving, and a waiter that lost it queues again at the back (under load
    most reads took 4 ms and one in ten 90–200 ms). After its turn a read takes an idle connection and gives it
    back: asyncpg's pool around the same read (its own queue, a shielded release under a timeout) was about 45 µs
    of the 210–218 µs partners spent per read (bench/README.md, the end of "One write per answer"). Nothing to
    reset: a read leaves the connection as it found it (`read_only`). A connection that broke, or a read that did
    not end normally (cancelled, timed out), is closed rather than given back; a statement the server refused
    leaves it usable."""

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]], size: int,
                 idle_seconds: float) -> None:
        self.connect = connect
        self.turns = asyncio.Semaphore(size)
        self.idle_seconds = idle_seconds
        self.idle: list[tuple[asyncpg.Connection, float]] = []
        """Connections not in use, each with when it was given back; the last given back is taken first, so a
        quiet province's others age out."""
        self.expiry: asyncio.TimerHandle | None = None
        self.closing: set[asyncio.Task[None]] = set()

    async def run(self, method: str, query: str, args: tuple[Any, ...]) -> Any:
        async with self.turns:
            connection = self._take() or await self.connect()
            try:
                result = await getattr(connection, method)(query, *args)
            except asyncpg.PostgresError:  # the server refused the statement: the connection is as it was
                self._give_back(connection)
                raise
            except BaseException:
                connection.terminate()
                raise
            self._give_back(connection)
            return result

    def _take(self) -> asyncpg.Connection | None:
        while self.idle:
            connection, _since = self.idle.pop()
            if not connection.is_closed():
                return connection
        return None

    def _give_back(self, connection: asyncpg.Connection) -> None:
        if connection.is_closed():
            return
        self.idle.append((connection, time.monotonic()))
        if self.expiry is None:
            self.expiry = asyncio.get_running_loop().call_later(self.idle_seconds, self._expire)

    def _expire(self) -> None:
        """Closes the connections unused for `idle_seconds`; looks again when the next one will be."""
        self.expiry = None
        now = time.monotonic()
        kept = []
        for connection, since in self.idle:
            if now - since < self.idle_seconds:
                kept.append((connection, since))
            elif not connection.is_closed():
                self._close_later(connection)
        self.idle = kept
        if kept:
            self.expiry = asyncio.get_running_loop().call_later(
                self.idle_seconds - (now - min(since for _c, since in kept)), self._expire)

    def _close_later(self, connection: asyncpg.Connection) -> None:
        """Closes an idle connection politely (the server sees it go, not an unexpected end of file)."""
        task = asyncio.get_running_loop().create_task(connection.close(timeout=5))
        self.closing.add(task)
        task.add_done_callback(self.closing.discard)

    async def close(self) -> None:
        if self.expiry is not None:
            self.expiry.cancel()
            self.expiry = None
        idle, self.idle = self.idle, []
        await asyncio.gather(*(connection.close(timeout=5) for connection, _since in idle), *self.closing,
                             return_exceptions=True)


class TenantReads:
    """The per-province pools of one service process, made on a province's first read."""

    def __init__(self, url: str, connect_args: Mapping[str, Any] | None = None, *, per_tenant: int = PER_TENANT,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        # The request role's URL as SQLAlchemy takes it (postgresql+asyncpg://…), as asyncpg takes it.
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.connect_args = dict(connect_args or {})
        self.per_tenant = per_tenant
        self.idle_seconds = idle_seconds
        self.pools: dict[str, ProvincePool] = {}

    def pool(self, tenant: str) -> ProvincePool:
        found = self.pools.get(tenant)
        if found is not None:
            return found
        if not is_tenant(tenant):
            raise ValueError(f"unknown tenant {tenant!r}")

        async def connect() -> asyncpg.Connection:
            settings = {**self.connect_args.get("server_settings", {}), "app.tenant": tenant}
            connection = await asyncpg.connect(self.dsn, **{**self.connect_args, "server_settings": settings})
            await decode_json(connection)
            return connection

        self.pools[tenant] = ProvincePool(connect, self.per_tenant, self.idle_seconds)
        return self.pools[tenant]

    async def one(self, tenant: str, query: str, *args: Any) -> Row | None:
        """The first row `query` finds in `tenant`'s rows, or None."""
        record = await self.pool(tenant).run("fetchrow", read_only(query), args)
        return None if record is None else Row(record)

    async def all(self, tenant: str, query: str, *args: Any) -> list[Row]:
        records = await self.pool(tenant).run("fetch", read_only(query), args)
        return [Row(record) for record in records]

    async def close(self) -> None:
        pools, self.pools = list(self.pools.values()), {}
        await asyncio.gather(*(pool.close() for pool in pools), return_exceptions=True)
