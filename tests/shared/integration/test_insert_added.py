"""`shared.db.insert_added` and `driver_insert` on the real PostgreSQL: the rows a unit of work added, of several
tables, written in one statement on the transaction's own connection (`driver_connection`, scoped to the session's
province), in the order they were added, with the values the ORM's flush would have written (JSON's null for None);
all or nothing; and the rows it cannot write that way (a SQL expression as a value, rows of one table with
different columns) left to the flush. In a schema of the test's own in partners' database, so that no relay
publishes its rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import ARRAY, Integer, String, func, inspect, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.audit import AuditEntry
from shared.db import Database, driver_connection, driver_insert, insert_added
from shared.events.outbox import OutboxMessage
from shared.ids import uuid7
from tests.shared.integration.pipeline_world import schema_of_its_own

SCHEMA = "insert_added_test"
TENANT = "limburg"


@pytest.fixture
async def db(infra: Stack, stack_config: StackConfig) -> AsyncIterator[Database]:
    tables = [f"create table {table} (like public.{table} including all)" for table in ("audit_log", "outbox")]
    async with schema_of_its_own(stack_config, "partners", SCHEMA, *tables, pool_size=2) as engine:
        yield Database(engine)


def entry(action: str, **values: Any) -> AuditEntry:
    return AuditEntry(id=uuid7(), tenant=TENANT, actor="test", action=action, entity="thing", entity_id="1",
                      **values)


def event(number: int) -> OutboxMessage:
    return OutboxMessage(id=str(uuid7()), tenant=TENANT, subject=f"test.{number}", type="test",
                         payload=b"\x00payload")


@contextmanager
def statements_on(connection: Any) -> Iterator[list[str]]:
    """The statements run on the driver's `connection` within the block."""
    ran: list[str] = []

    def logged(query: Any) -> None:
        ran.append(query.query)

    connection.add_query_logger(logged)
    try:
        yield ran
    finally:
        connection.remove_query_logger(logged)


async def statements_of(db: Database, added: list[Any]) -> tuple[list[str], str]:
    """Adds the rows, writes them with insert_added; the statements it ran, and the province the statements ran in."""
    async with db.transaction(TENANT) as session:
        connection = await driver_connection(session)
        with statements_on(connection) as ran:
            session.add_all(added)
            await insert_added(session)
        province = await connection.fetchval("select current_setting('app.tenant')")
        assert all(inspect(row).detached for row in added)  # written, and no longer the session's
    return ran, province


async def test_rows_of_several_tables_are_written_in_one_statement_in_the_order_added(db: Database) -> None:
    first = entry("first", before={"status": "draft"}, after={"n": 1})
    second = entry("second", before=None, after={"n": 2})
    events = [event(1), event(2)]
    ran, province = await statements_of(db, [events[0], first, events[1], second])
    assert len(ran) == 1 and ran[0].startswith("WITH ")
    assert province == TENANT
    async with db.transaction(TENANT) as session:
        rows = (await session.execute(text(
            "select action, before, jsonb_typeof(before), after from audit_log order by at, id"))).all()
        sent = (await session.execute(text("select id, subject, payload from outbox order by id"))).all()
    assert [(r.action, r.before, r.jsonb_typeof, r.after) for r in rows] == [
        ("first", {"status": "draft"}, "object", {"n": 1}),
        ("second", None, "null", {"n": 2})]  # None as JSON's null, as the ORM's flush writes it
    assert [(s.id, s.subject, bytes(s.payload)) for s in sent] == [
        (events[0].id, "test.1", b"\x00payload"), (events[1].id, "test.2", b"\x00payload")]


async def test_a_refused_row_writes_none_of_them(db: Database) -> None:
    taken = event(1)
    await statements_of(db, [taken])
    with pytest.raises(Exception, match="duplicate key"):
        async with db.transaction(TENANT) as session:
            session.add_all([entry("lost"), OutboxMessage(id=taken.id, tenant=TENANT, subject="again", type="test",
                                                          payload=b"")])
            await insert_added(session)
    async with db.transaction(TENANT) as session:
        assert (await session.execute(text("select count(*) from audit_log"))).scalar_one() == 0
        assert (await session.execute(text("select subject from outbox"))).scalars().all() == ["test.1"]


@pytest.mark.parametrize("rows", [
    pytest.param(lambda: [entry("expression", at=func.clock_timestamp())], id="a SQL expression as a value"),
    pytest.param(lambda: [entry("with", reasons="r"), entry("without")], id="one table, different columns"),
])
async def test_rows_it_cannot_write_in_one_statement_are_flushed(db: Database, rows: Any) -> None:
    added = rows()
    async with db.transaction(TENANT) as session:
        session.add_all(added)
        await insert_added(session)
        assert all(inspect(row).persistent for row in added)  # flushed by the ORM, still the session's
    async with db.transaction(TENANT) as session:
        written = (await session.execute(text("select action from audit_log order by at, id"))).scalars().all()
    assert written == [row.action for row in added]


async def test_nothing_added_runs_nothing(db: Database) -> None:
    ran, _ = await statements_of(db, [])
    assert ran == []


class Elsewhere(DeclarativeBase):
    """Models of no service's database."""


class WithArray(Elsewhere):
    __tablename__ = "with_array"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    numbers: Mapped[list[str]] = mapped_column(ARRAY(String(10)))


KEEP_AND_RETURN = "ON CONFLICT (id) DO NOTHING RETURNING action"


async def test_driver_insert_writes_rows_of_one_table_and_returns_what_its_clause_returns(db: Database) -> None:
    """`shared.db.driver_insert` (the inbox's records, a notice's copies): one statement for the rows, its text the
    same however many rows, JSON and None as the ORM writes them, the suffix's ON CONFLICT keeping what was there and
    its RETURNING answering for the rows written only; a value too long for its column refused, not cut short."""
    moment = datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=1)))
    rows = [{"id": uuid7(), "tenant": TENANT, "actor": "test", "action": action, "entity": "thing", "entity_id": "1",
             "before": before, "after": {"n": n}} for n, (action, before) in enumerate(
                 [("first", {"status": "draft"}), ("second", None)])]
    async with db.transaction(TENANT) as session:
        with statements_on(await driver_connection(session)) as ran:
            returned = await driver_insert(session, AuditEntry, rows, KEEP_AND_RETURN)
    assert len(ran) == 1 and [r["action"] for r in returned] == ["first", "second"]
    again = [rows[1], {**rows[0], "id": uuid7(), "action": "third"}]
    async with db.transaction(TENANT) as session:
        with statements_on(await driver_connection(session)) as ran_again:
            returned = await driver_insert(session, AuditEntry, again[:1], KEEP_AND_RETURN)
            returned += await driver_insert(session, AuditEntry, again[1:], KEEP_AND_RETURN)
    assert [r["action"] for r in returned] == ["third"]  # the second was there: kept, not returned
    assert ran_again == ran * 2  # one row or two: the same statement
    with pytest.raises(Exception, match="too long"):
        async with db.transaction(TENANT) as session:
            await driver_insert(session, AuditEntry, [{**rows[0], "id": uuid7(), "action": "x" * 81}])
    async with db.transaction(TENANT) as session:
        written = (await session.execute(text(
            "select action, before, jsonb_typeof(before), after from audit_log order by action"))).all()
    assert [tuple(row) for row in written] == [("first", {"status": "draft"}, "object", {"n": 0}),
                                              ("second", None, "null", {"n": 1}), ("third", {"status": "draft"},
                                                                                   "object", {"n": 0})]
    async with db.transaction(TENANT) as session:  # bytes, moments and ids as the server reads them from text
        await driver_insert(session, OutboxMessage, [{"id": "e-1", "tenant": TENANT, "subject": "test.1", "type": "t",
                                                      "payload": b"\x00\xff\\x"}])
        await driver_insert(session, AuditEntry, [{**rows[0], "id": uuid7(), "action": "at", "at": moment}])
        assert bytes(await session.scalar(text("select payload from outbox where id = 'e-1'"))) == b"\x00\xff\\x"
        assert await session.scalar(text("select at from audit_log where action = 'at'")) == moment
    async with db.transaction(TENANT) as session:
        assert await driver_insert(session, AuditEntry, []) == []
        with pytest.raises(TypeError, match="list"):  # an array column's value: not written as text
            await driver_insert(session, WithArray, [{"id": 1, "numbers": ["0123456789"]}])
