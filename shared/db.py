"""Async SQLAlchemy with the tenant in every transaction.

Every session is bound to one tenant. When any transaction of that session begins, the tenant is set with
`set_config('app.tenant', <tenant>, true)`, which is `SET LOCAL`: it ends with the transaction, so a pooled
connection never carries one tenant's setting into another's request. Row-Level Security policies read it;
a session without a tenant sees nothing. Services connect as a role that is not the tables' owner and the
tables FORCE row-level security, so a query that forgets its tenant filter still leaks nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from enum import StrEnum
from typing import Any

from sqlalchemy import Delete, Enum, MetaData, Select, Update, delete, event, select, text, update
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session

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


@event.listens_for(Session, "after_begin")
def _set_tenant_for_transaction(session: Session, transaction: Any, connection: Any) -> None:
    tenant = session.info.get(TENANT_KEY)
    if tenant is not None:
        connection.execute(text("select set_config('app.tenant', :tenant, true)"), {"tenant": tenant})


PING_AFTER_IDLE_SECONDS = 2.0
"""A pooled connection idle for longer is pinged before it is handed out (and replaced when the server is gone)."""


def ping_after_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling for connections that sat idle, not for busy ones: SQLAlchemy's
    `pool_pre_ping` pings at every checkout, and with asyncpg a ping is three round trips (BEGIN, an empty
    statement, ROLLBACK), as many as the rest of a read by id. A connection back in the pool moments ago was
    working moments ago; one idle past PING_AFTER_IDLE_SECONDS (a database restarted or failed over meanwhile,
    a firewall's idle timeout) is pinged and, when the ping fails, replaced before anyone uses it. A connection
    that dies while busy fails its statement, and SQLAlchemy then renews the whole pool, as before."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle_from(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is not None and time.monotonic() - since > PING_AFTER_IDLE_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as exc:  # the pool discards it and hands out a new connection
                raise DisconnectionError(f"an idle connection no longer answers: {exc}") from exc


def make_engine(url: str, pool_size: int = 10, **kwargs: Any) -> AsyncEngine:
    if not url:
        raise ValueError("no database URL configured (REGIE_DATABASE_URL)")
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, **kwargs)
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
