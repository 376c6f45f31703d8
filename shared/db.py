"""Async SQLAlchemy with the tenant in every transaction.

Every session is bound to one tenant. When any transaction of that session begins, the tenant is set with
`set_config('app.tenant', <tenant>, true)`, which is `SET LOCAL`: it ends with the transaction, so a pooled
connection never carries one tenant's setting into another's request. It travels in the BEGIN's own message
(`TenantConnection`): one round trip, not two. Row-Level Security policies read it;
a session without a tenant sees nothing. Services connect as a role that is not the tables' owner and the
tables FORCE row-level security, so a query that forgets its tenant filter still leaks nothing."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # (no type information shipped)
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Delete,
    Enum,
    MetaData,
    Select,
    String,
    Table,
    Update,
    delete,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.util import await_

from shared.tenancy import is_tenant

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def stored_values(kind: type[StrEnum], length: int) -> Enum:
    """The column type of a StrEnum kept as its values ("in-review", not the member name IN_REVIEW) in a
    VARCHAR(length), as the migrations created it: no database enum type and no CHECK constraint, so a new
    value needs no migration. Rows read back as members of `kind`."""
    return Enum(kind, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [member.value for member in members])


TENANT_KEY = "regie.tenant"


SET_TENANT = "select set_config('app.tenant', $1, true)"
SLUG = re.compile(r"[a-z][a-z-]{0,39}")
"""A tenant as it may be written into a statement's text (every province's slug is)."""


class TenantConnection(asyncpg.Connection):
    """asyncpg's connection, whose transaction can begin with its tenant in the same message: `BEGIN …;
    select set_config('app.tenant', '<tenant>', true);`, two statements in one simple query and one round trip,
    where the BEGIN and the setting were two. Every unit of work of every service begins this way, and at a
    deadline's burst each round trip waits for a core (bench/README.md, "The sixth look")."""

    begin_tenant: str | None = None
    """Set for the one BEGIN that follows (`_set_tenant_for_transaction`)."""

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        tenant = self.begin_tenant
        if tenant is not None and not args and query.startswith("BEGIN"):
            self.begin_tenant = None
            query = f"{query} select set_config('app.tenant', '{tenant}', true);"
        status: str = await super().execute(query, *args, timeout=timeout)
        return status


@event.listens_for(Session, "after_begin")
def _set_tenant_for_transaction(session: Session, transaction: Any, connection: Any) -> None:
    """The tenant set as the transaction begins: in the BEGIN's own message on a TenantConnection, else as the
    transaction's first statement on the driver's cursor (the same statement through SQLAlchemy's
    `connection.execute`, its execution context, result and events, cost twice the CPU of the round trip)."""
    tenant = session.info.get(TENANT_KEY)
    if tenant is None:
        return
    adapted = connection.connection.dbapi_connection
    driver = connection.connection.driver_connection
    # SQLAlchemy's asyncpg adapter begins lazily, before its first statement (`_start_transaction`, once
    # `_transaction` is None): begun here, with the tenant in the same message. (The adapter's own names, of the
    # pinned SQLAlchemy: tests/shared/integration/test_db_pool.py sees the one message, and fails without it.)
    if isinstance(driver, TenantConnection) and SLUG.fullmatch(tenant) and adapted._transaction is None:
        driver.begin_tenant = tenant
        try:
            await_(adapted._start_transaction())
        finally:
            driver.begin_tenant = None
        return
    cursor = connection.connection.cursor()
    try:
        cursor.execute(SET_TENANT, (tenant,))
    finally:
        cursor.close()


GIVES_WAY_KEY = "regie.gives_way"
"""In a session's `info`: an awaitable callable (Foreground.give_way, shared/foreground.py) awaited before each
statement the session executes and each flush: background work that gives way to the process's requests within its
unit of work, not only before it; statements on the driver's connection wait each time `driver_connection` hands it
out."""


def _give_way(session: Session) -> None:
    give_way = session.info.get(GIVES_WAY_KEY)
    if give_way is not None:
        await_(give_way())


@event.listens_for(Session, "do_orm_execute")
def _give_way_before_statement(state: Any) -> None:
    _give_way(state.session)


@event.listens_for(Session, "before_flush")
def _give_way_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    _give_way(session)


PING_AFTER_IDLE_SECONDS = 2.0
"""A pooled connection idle for longer is pinged before it is handed out (and replaced when the server is gone)."""
PING = "select 1"
"""The ping, as a simple query (asyncpg fails on an empty one's status)."""


def ping_after_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling for connections that sat idle, not for busy ones: SQLAlchemy's
    `pool_pre_ping` pings at every checkout, and its asyncpg ping is three round trips (BEGIN, an empty
    statement, ROLLBACK), as many as the rest of a read by id. A connection back in the pool moments ago was
    working moments ago; one idle past PING_AFTER_IDLE_SECONDS (a database restarted or failed over meanwhile,
    a firewall's idle timeout) is pinged and, when the ping fails, replaced before anyone uses it. The ping is
    one simple query, one round trip (no prepared statement, no transaction: a transaction-mode pooler
    takes it as well). A connection that dies while busy fails its statement, and SQLAlchemy then renews the
    whole pool, as before."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle_from(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is not None and time.monotonic() - since > PING_AFTER_IDLE_SECONDS:
            try:
                await_(dbapi_connection.driver_connection.execute(PING))
            except Exception as exc:  # the pool discards it and hands out a new connection
                raise DisconnectionError(f"an idle connection no longer answers: {exc}") from exc


def make_engine(url: str, pool_size: int = 10, **kwargs: Any) -> AsyncEngine:
    if not url:
        raise ValueError("no database URL configured (REGIE_DATABASE_URL)")
    connect_args = {**kwargs.pop("connect_args", {}), "connection_class": TenantConnection}
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args,
                                 **kwargs)
    ping_after_idle(engine)
    return engine


class Database:
    """One engine and session factory for the service's request role."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @classmethod
    def from_url(cls, url: str, pool_size: int = 10, connect_args: dict[str, Any] | None = None) -> Database:
        """`connect_args`: asyncpg's, e.g. DatabaseSettings.connect_args() (TLS verified against a CA)."""
        return cls(make_engine(url, pool_size, connect_args=connect_args or {}))

    def session(self, tenant: str | None) -> AsyncSession:
        """A session whose every transaction is scoped to `tenant` (None: scoped to no tenant, sees nothing)."""
        if tenant is not None and not is_tenant(tenant):
            raise ValueError(f"unknown tenant {tenant!r}")
        session = self.sessions()
        session.info[TENANT_KEY] = tenant
        return session

    @asynccontextmanager
    async def transaction(self, tenant: str | None) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends normally, rolls back when it raises."""
        async with self.session(tenant) as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("select 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


UnitOfWork = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""Opens one short unit of work on demand, for a use case that must not hold one open throughout (an upload
whose bytes arrive slowly): `lambda: db.transaction(tenant)` in the API, `savepoints(session)` on a page."""


def savepoints(session: AsyncSession) -> UnitOfWork:
    """Units of work as savepoints of one open session (a page's request, whose unit of work commits at the
    end): each refused one leaves nothing half-written."""

    @asynccontextmanager
    async def savepoint() -> AsyncIterator[AsyncSession]:
        async with session.begin_nested():
            yield session

    return savepoint


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection of the session's transaction, begun and scoped to the session's tenant: for the few
    statements of a hot path written in SQL, without SQLAlchemy's layers around each (a few hundred microseconds
    of CPU a statement, bench/README.md). What runs on it is part of the unit of work; it must not end the
    transaction or change the tenant. JSON columns come back decoded, as through SQLAlchemy. A session that gives
    way (GIVES_WAY_KEY) does so here, as before each of its statements through SQLAlchemy: ask for the connection
    before each statement."""
    give_way = session.info.get(GIVES_WAY_KEY)
    if give_way is not None:
        await give_way()
    connection = await session.connection()
    return (await connection.get_raw_connection()).driver_connection


@asynccontextmanager
async def driver_transaction(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A transaction on one of `engine`'s pooled connections, in SQL through asyncpg alone (its connection,
    yielded): for a loop whose few statements are all it does and that runs with every unit of work of the
    service (the outbox relay), where SQLAlchemy's session cost more CPU than the statements. Not scoped to a
    tenant: for a role that needs none (the relay's, BYPASSRLS). Commits when the block ends normally, rolls back
    when it raises; a connection that broke on the way is dropped from the pool, not handed out again."""
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None  # (an open connection's)
        try:
            async with raw.transaction():
                yield raw
        except BaseException:
            if raw.is_closed():
                await connection.invalidate()
            raise


async def insert_added(session: AsyncSession) -> None:
    """Writes the rows added to the session since its last flush in one statement, where a flush writes each
    table's rows in a statement of its own: one round trip instead of one per table, for a unit of work that
    ends with several new rows (a submission's screening, audit entries and events). Each table's rows are one
    INSERT of several VALUES in the order they were added (a column defaulting to clock_timestamp() keeps that
    order), each table's INSERT a common table expression of the statement, run on the transaction's connection
    (`driver_connection`; the statement's text made once for each shape of rows). The rows are then written and
    no longer tracked by the session (detached).

    For new rows of one table each, without related rows of their own, every value a plain one (no SQL
    expression), the same columns set in every row of a table and none left to a default computed in Python;
    when any added row is not like that, the session is flushed as usual instead. PostgreSQL runs the statement
    as one: every row is written, or none."""
    rows = list(session.new)
    if not rows:
        return
    tables: dict[Table, list[dict[str, Any]]] = {}
    for row in rows:
        state = inspect(row)
        mapper, values = state.mapper, state.dict
        written = {prop.columns[0].key: values[prop.key] for prop in mapper.column_attrs if prop.key in values}
        if (len(mapper.tables) != 1 or mapper.relationships
                or any(isinstance(value, ClauseElement) for value in written.values())
                or any(column.default is not None and column.key not in written for column in mapper.local_table.c)):
            await session.flush()
            return
        tables.setdefault(mapper.local_table, []).append(written)
    if any(len({frozenset(values) for values in of_table}) > 1 for of_table in tables.values()):
        await session.flush()
        return
    shape = tuple((table, tuple(of_table[0]), len(of_table)) for table, of_table in tables.items())
    arguments = [driver_value(table.c[key], values[key])
                 for table, of_table in tables.items() for values in of_table for key in of_table[0]]
    await (await driver_connection(session)).execute(_insert_text(shape), *arguments)
    for row in rows:
        session.expunge(row)
        make_transient_to_detached(row)  # as if loaded and let go: adding it again would not insert it again


async def driver_insert(session: AsyncSession, model: type[Any], rows: Sequence[Mapping[str, Any]],
                        suffix: str = "") -> list[Any]:
    """Rows of `model`'s table in one INSERT on the transaction's connection (`driver_connection`), what a background
    consumer writes for every event (its inbox record, a notice's copies): through the ORM or Core each such
    statement cost grants several hundred microseconds of CPU to build, compile and run, on asyncpg a tenth of that
    (bench/README.md, "The eighth look"). The values go as one array of text per column, cast by the server to the
    column's type (`unnest`): the statement's text, prepared once per connection, is the same however many rows,
    and asyncpg needs nothing from the server's catalogue (an array of any other type it looks up the first time
    each connection meets it: three more round trips). Every row sets the same columns (by key), each a plain
    value; `suffix` is the statement's ON CONFLICT and RETURNING clauses, the records RETURNING gives come back."""
    if not rows:
        return []
    table, keys = model.__table__, tuple(rows[0])
    statement = _unnest_text(table, keys) + (f" {suffix}" if suffix else "")
    arguments = [[_as_text(driver_value(table.c[key], values[key])) for values in rows] for key in keys]
    records: list[Any] = await (await driver_connection(session)).fetch(statement, *arguments)
    return records


def _as_text(value: Any) -> str | None:
    """A value as PostgreSQL reads it from text: moments and dates in ISO 8601, bytes in bytea's hex form."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, date):  # (a datetime too)
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    if isinstance(value, list | tuple | dict | set):  # (JSON is text by now: an array column's)
        raise TypeError(f"driver_insert writes no {type(value).__name__} as text: {value!r}")
    return str(value)


@lru_cache(maxsize=256)
def _unnest_text(table: Table, keys: tuple[str, ...]) -> str:
    """`driver_insert`'s statement for these columns of `table`: an array of text per column, cast to the column's
    type unless a string's (an explicit cast to VARCHAR(n) would cut a longer value short, where the column's own
    type refuses it, as an INSERT of the value does)."""
    chosen = [table.c[key] for key in keys]
    casts = ["" if isinstance(column.type, String) else f"::{column.type.compile(dialect=postgresql.dialect())}[]"
             for column in chosen]
    columns = ", ".join(f'"{column.name}"' for column in chosen)
    arrays = ", ".join(f"${number}::text[]{cast}" for number, cast in enumerate(casts, start=1))
    return f'INSERT INTO "{table.name}" ({columns}) SELECT * FROM unnest({arrays})'


@lru_cache(maxsize=256)
def _insert_text(shape: tuple[tuple[Table, tuple[str, ...], int], ...]) -> str:
    """The statement `insert_added` runs for rows of this shape ((table, columns, rows) for each table), its
    parameters numbered in the order the tables, rows and columns are given."""
    inserts, number = [], 0
    for table, keys, count in shape:
        tuples = []
        for _ in range(count):
            tuples.append("(" + ", ".join(f"${number + n + 1}" for n in range(len(keys))) + ")")
            number += len(keys)
        columns = ", ".join(f'"{table.c[key].name}"' for key in keys)
        inserts.append(f'INSERT INTO "{table.name}" ({columns}) VALUES {", ".join(tuples)}')
    ctes = ", ".join(f"added_{index} AS ({text_})" for index, text_ in enumerate(inserts[:-1]))
    return f"WITH {ctes} {inserts[-1]}" if ctes else inserts[-1]


def driver_value(column: ColumnElement[Any], value: Any) -> Any:
    """A value as the driver takes it for `column`, for a statement on `driver_connection`: JSON as its text,
    what SQLAlchemy's own JSON binding sends the codec it registers on every connection (None as JSON's null, as
    the ORM writes it, unless the column says `none_as_null`); anything else as it is."""
    if not isinstance(column.type, JSON) or (value is None and column.type.none_as_null):
        return value
    return "null" if value is None or value is JSON.NULL else json.dumps(value)


def column_names(model: type[Any]) -> list[str]:
    """The columns `model` maps, by name, in the table's order: a statement's column list on `driver_connection`."""
    return [column.name for column in model.__table__.columns]


def record_entity(model: type[Any], record: Mapping[str, Any]) -> Any:
    """An instance of `model` (not in any session) from a row a statement on `driver_connection` returned: the
    columns it maps (by name), the others left out."""
    mapped = model.__table__.columns
    return model(**{name: value for name, value in record.items() if name in mapped})


FROM_JSON: dict[type, Callable[[Any], Any]] = {
    datetime: datetime.fromisoformat, date: date.fromisoformat, uuid.UUID: uuid.UUID,
    Decimal: lambda value: Decimal(str(value))}
"""How a column's value comes back from JSON, by the Python type the column maps to; any other as JSON gives it."""


_CONVERTERS: dict[type[Any], dict[str, Callable[[Any], Any]]] = {}


def _from_json(model: type[Any]) -> dict[str, Callable[[Any], Any]]:
    """The conversions of `model`'s columns that JSON does not give as Python's types, made once per model."""
    converters = _CONVERTERS.get(model)
    if converters is None:
        converters = {}
        for column in model.__table__.columns:
            try:
                python_type = column.type.python_type
            except NotImplementedError:
                continue
            if python_type in FROM_JSON:
                converters[column.name] = FROM_JSON[python_type]
        _CONVERTERS[model] = converters
    return converters


def json_entity(model: type[Any], values: Mapping[str, Any]) -> Any:
    """An instance of `model` (not in any session) from one of its rows gathered as JSON by a statement on
    `driver_connection` (`to_jsonb(x)`, in a `jsonb_agg`): ids, moments, dates and amounts back to Python's types,
    the columns it does not map left out. JSON, not the table's own row type (`ARRAY(SELECT x …)`): asyncpg learns
    a row type by asking the server's catalogue the first time each connection meets it, about 8 ms in the middle
    of the request (bench/README.md)."""
    converters = _from_json(model)
    mapped = model.__table__.columns
    return model(**{name: converters[name](value) if value is not None and name in converters else value
                    for name, value in values.items() if name in mapped})


class TenantRepository:
    """The base of every repository: each statement starts from one of these, which carry the tenant filter,
    so no query writes it out (or forgets it). Row-Level Security is the fence behind it; the filter makes the
    plans use the (tenant, …) indexes."""

    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    def select(self, model: type[Any], *columns: Any) -> Select[Any]:
        """SELECT `columns` (the whole row when none) FROM `model` of this tenant."""
        return select(*(columns or (model,))).where(model.tenant == self.tenant)

    def update(self, model: type[Any]) -> Update:
        return update(model).where(model.tenant == self.tenant)

    def delete(self, model: type[Any]) -> Delete:
        return delete(model).where(model.tenant == self.tenant)

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    async def database_clock(self) -> datetime:
        """The one clock every replica agrees on."""
        return (await self.session.execute(select(func.clock_timestamp().cast(DateTime(timezone=True))))).scalar_one()
