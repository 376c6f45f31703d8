"""Transactional outbox.

`stage()` adds the event to the same transaction as the state change it reports: both commit or neither.
The relay publishes staged rows to JetStream with `Nats-Msg-Id = event id`, waits for the server's ack and
only then deletes the row: the outbox holds the events not yet published, and the stream is the record of those
that were. A crash between commit and publish leaves the row: the next relay run publishes it. A crash between
the ack and the delete's commit publishes it again: JetStream drops the duplicate within its duplicate window,
and consumers' inboxes drop it after that."""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client
from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, driver_transaction, make_engine
from shared.events import metrics
from shared.events.envelope import EventData, encode, make_envelope
from shared.events.publisher import BatchPublisher
from shared.isolation import app_role, relay_role, tenant_isolation
from shared.logs import traceparent_var

log = logging.getLogger("regie.outbox")


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_order", "created_at", "id"),  # the relay's claim: the oldest first
    )
    # The request role may INSERT but not SELECT here, so no RETURNING of server defaults.
    __mapper_args__ = {"eager_defaults": False}


def outbox_ddl() -> list[str]:
    """Grants and policies for the outbox, after its CREATE TABLE: requests may only add rows of their own
    tenant; the relay role (BYPASSRLS) reads them across tenants, records failed attempts and deletes what the
    server acked."""
    return [
        *tenant_isolation("outbox", privileges="INSERT"),
        f"GRANT SELECT, UPDATE, DELETE ON outbox TO {relay_role()}",
    ]


def outbox_deleted_when_sent_ddl() -> list[str]:
    """From an outbox that kept its sent rows (marked in `published_at`, under a partial index of the unsent ones)
    to one that holds only the unsent: the rows sent are deleted, the column goes, the claim's index covers the
    whole table, the relay may delete and requests no longer may (an erasure found published events here; they
    are only in the stream now). Marking a row rewrote it whole, payload included, and every sent row stayed:
    at 10,000 events a second PostgreSQL spent more than the relay itself (bench/README.md, "The outbox as a
    queue")."""
    return [
        """DO $$ BEGIN
               IF EXISTS (SELECT 1 FROM information_schema.columns
                          WHERE table_schema = current_schema() AND table_name = 'outbox'
                            AND column_name = 'published_at') THEN
                   DELETE FROM outbox WHERE published_at IS NOT NULL;
               END IF;
           END $$""",
        "DROP INDEX IF EXISTS ix_outbox_unsent",
        "ALTER TABLE outbox DROP COLUMN IF EXISTS published_at",
        "CREATE INDEX IF NOT EXISTS ix_outbox_order ON outbox (created_at, id)",
        f"GRANT DELETE ON outbox TO {relay_role()}",
        f"REVOKE DELETE ON outbox FROM {app_role()}",
    ]


def outbox_deleted_when_sent_undone() -> list[str]:
    return [
        "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS published_at TIMESTAMP WITH TIME ZONE",
        "DROP INDEX IF EXISTS ix_outbox_order",
        "CREATE INDEX IF NOT EXISTS ix_outbox_unsent ON outbox (created_at) WHERE published_at IS NULL",
        f"REVOKE DELETE ON outbox FROM {relay_role()}",
        f"GRANT DELETE ON outbox TO {app_role()}",
    ]


NOTIFY_CHANNEL = "outbox"
"""The channel an outbox's trigger notifies on every insert; the relay listens on it."""


def outbox_notify_ddl() -> list[str]:
    """A trigger that notifies the relay of every insert into the outbox. PostgreSQL delivers the notification
    at commit (and not at all on a rollback), once per transaction however many rows it staged, whichever
    process committed it; the relay then publishes at once instead of at its next poll."""
    return [
        f"""CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$""",
        "DROP TRIGGER IF EXISTS outbox_notify ON outbox",
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()",
    ]


def outbox_notify_undone() -> list[str]:
    return ["DROP TRIGGER IF EXISTS outbox_notify ON outbox", "DROP FUNCTION IF EXISTS outbox_notify()"]


def stage(session: AsyncSession, data: EventData, *, tenant: str, subject: str,
          traceparent: str | None = None) -> str:
    """Adds the event to the session's transaction; returns its id. Never commits. The event carries the
    trace context of the work in hand (the request's, or the event being applied) unless one is given."""
    envelope = make_envelope(data, tenant=tenant, subject=subject,
                             traceparent=traceparent if traceparent is not None else traceparent_var.get())
    session.add(OutboxMessage(id=envelope.id, tenant=tenant, subject=envelope.nats_subject,
                              type=envelope.type, payload=encode(envelope)))
    return envelope.id


RELAY_SERVER_SETTINGS = {"enable_seqscan": "off"}
"""The relay's statements read the outbox through its indexes, whatever the planner's statistics say: the claim
takes the oldest rows through `ix_outbox_order`, the delete and the failed attempts go by primary key. An outbox
swings from empty (a vacuum truncates it to no pages) to tens of thousands of rows in seconds (a deadline's
burst), faster than autovacuum's ANALYZE follows. asyncpg prepares every statement and PostgreSQL keeps a generic
plan after five executions: a plan made while the outbox was empty (a sequential scan and a sort) read the whole
table at every round (bench/event_latency.py: 7 million rows in 5 s, the relay's p99 from under 4 ms to over 20),
and a plan made for a burst the statistics do not know yet chose the same. The relay's engine serves the relay
alone."""


def relay_engine(url: str, connect_args: dict[str, Any] | None = None) -> AsyncEngine:
    """The relay's own engine (its role, BYPASSRLS, sees every province's rows): two connections, one to claim
    and delete, one to listen; RELAY_SERVER_SETTINGS on each."""
    args = dict(connect_args or {})
    args["server_settings"] = {**args.get("server_settings", {}), **RELAY_SERVER_SETTINGS}
    return make_engine(url, pool_size=2, connect_args=args)


CLAIM = ("SELECT id, subject, payload, created_at FROM outbox{after} ORDER BY created_at, id LIMIT $1 "
         "FOR UPDATE SKIP LOCKED")
CLAIM_AFTER = " WHERE (created_at, id) > ($2, $3)"
DELETE_PUBLISHED = "DELETE FROM outbox WHERE id = any($1::varchar[])"
RECORD_FAILURE = "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = any($1::varchar[])"
"""The relay's statements (`OutboxRelay.publish_batch`): the claim by the index on (created_at, id), the
published rows deleted and the failed ones marked by one array parameter each (an IN list of 500 parameters was
rendered afresh for every batch)."""


class OutboxRelay:
    """Publishes unsent outbox rows in creation order. Several replicas may run: rows are claimed with
    FOR UPDATE SKIP LOCKED, so each row is being published by at most one relay at a time.

    A batch is published with every publish outstanding at once (`shared.events.publisher`: JetStream acks them in
    order, each within `publish_timeout`, on a reply subscription of the relay's own), then the rows the server
    acked are deleted in one statement, in the transaction that claimed them. Waiting for each ack before the next
    publish, and marking each row by itself, cost a round trip per row each (about 400 rows/s on two cores, where
    JetStream takes thousands). A row whose publish failed or was not acked in time keeps its place and is tried
    again next round (the rows after it that were acked are deleted: they are in the stream already, ahead of it).

    While batches come full, each claim goes on from where the last one ended (`after`: its last row's creation
    time and id) instead of from the oldest row. The index keeps the entries of deleted rows until a vacuum
    removes them, so a claim from the oldest walked every row published since the last vacuum (4,776 index and
    heap pages per claim after 40 s at 10,000 events a second: bench/README.md, "The outbox as a queue"). A
    transaction that began before that place but committed after the relay passed it is found by the next claim
    from the oldest row: when a batch is not full, when a publish failed, and at least every `poll_seconds`.

    Between batches the relay waits for a notification on the `outbox` channel (the outbox's trigger sends one
    when a transaction that staged events commits, whichever process it ran in) or at most `poll_seconds`: the
    poll is only the safety net for a notification lost with its connection (and for a database without the
    trigger). Polling every 0.1 s instead made an event wait 50 ms on average before its publish."""

    def __init__(self, engine: AsyncEngine, nc: Client, *, batch_size: int = 500,
                 poll_seconds: float = 1.0, publish_timeout: float = 5.0, listen: bool = True) -> None:
        self.engine = engine
        self.publisher = BatchPublisher(nc)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_timeout = publish_timeout
        self.listen = listen
        self.woken = asyncio.Event()
        self.failing = False
        self.after: tuple[datetime, str] | None = None
        """Where the last full batch ended (its last row's creation time and id); None: claim from the oldest."""
        self.from_oldest_at = -math.inf
        """When (the loop's clock) a claim last began from the oldest row."""

    def claim(self, after: tuple[datetime, str] | None = None) -> tuple[str, list[Any]]:
        """The next batch of rows in creation order (from the oldest, or after `after`), locked; those another
        relay holds are skipped: the statement, the batch size its first argument, and its arguments."""
        if after is None:
            return CLAIM.format(after=""), [self.batch_size]
        return CLAIM.format(after=CLAIM_AFTER), [self.batch_size, after[0], after[1]]

    async def publish_batch(self) -> int:
        """Publishes one batch; returns how many rows the server acked (and were deleted). Its statements are
        written in SQL on the transaction's own connection (`shared.db.driver_transaction`): the relay runs after
        every commit that staged events, and through SQLAlchemy's session its claim, delete and commit cost
        about as much CPU as the request that staged them (bench/README.md, "Submissions at the deadline")."""
        now = asyncio.get_running_loop().time()
        after = self.after if now - self.from_oldest_at < self.poll_seconds else None
        if after is None:
            self.from_oldest_at = now
        claim, arguments = self.claim(after)
        async with driver_transaction(self.engine) as connection:
            rows = await connection.fetch(claim, *arguments)
            if after is None:
                oldest = rows[0]["created_at"] if rows else None
                metrics.OLDEST_UNSENT.set((datetime.now(UTC) - oldest).total_seconds() if oldest else 0)
            outcomes = await self.publisher.publish(
                [(row["subject"], row["payload"], row["id"]) for row in rows], self.publish_timeout)
            failed: list[tuple[str, str]] = []
            acked = []
            for row, refused in zip(rows, outcomes, strict=True):
                if refused is None:
                    self.after_publish(row["id"])
                    acked.append(row)
                else:  # not acked (NATS down, refused, no ack in time): the row keeps its place, tried again later
                    failed.append((row["id"], refused))
            if acked:
                await connection.execute(DELETE_PUBLISHED, [row["id"] for row in acked])
                for producer, count in Counter(row["subject"].split(".", 1)[0] for row in acked).items():
                    metrics.PUBLISHED.labels(producer).inc(count)
            self.failing = bool(failed)
            full = len(rows) == self.batch_size and not failed
            self.after = (rows[-1]["created_at"], rows[-1]["id"]) if full else None
            by_error: dict[str, list[str]] = {}
            for event_id, error in failed:
                by_error.setdefault(error[:2000], []).append(event_id)
            for error, event_ids in by_error.items():  # (NATS down: one error for the whole batch, one UPDATE)
                metrics.PUBLISH_FAILURES.inc(len(event_ids))
                log.warning("outbox publish failed", extra={"event_id": event_ids[0], "events": len(event_ids),
                                                            "error": error})
                await connection.execute(RECORD_FAILURE, event_ids, error)
            return len(acked)

    def after_publish(self, event_id: str) -> None:
        """Between the server's ack and the delete; a hook for crash tests, a no-op otherwise."""

    async def run(self, stop: asyncio.Event) -> None:
        listening = asyncio.create_task(self.listen_for_commits(stop)) if self.listen else None
        try:
            while not stop.is_set():
                self.woken.clear()
                try:
                    sent = await self.publish_batch()
                except Exception:
                    log.exception("outbox relay round failed")
                    self.after = None  # (the round's rows may be left: the next claim is from the oldest)
                    sent = 0
                if self.failing:  # NATS down or refusing: commits must not make it try again at once
                    await first_of(stop, timeout=self.poll_seconds)
                elif sent < self.batch_size:
                    await first_of(stop, self.woken, timeout=self.poll_seconds)
        finally:
            if listening is not None:
                listening.cancel()
                with suppress(asyncio.CancelledError):
                    await listening
            with suppress(Exception):  # (the connection may be closed already: its subscriptions went with it)
                await self.publisher.close()

    async def listen_for_commits(self, stop: asyncio.Event) -> None:
        """LISTEN on the `outbox` channel on a connection of its own, for as long as the relay runs; a lost
        connection is opened again after a pause (the poll covers the gap)."""
        while not stop.is_set():
            try:
                async with self.engine.connect() as connection:
                    raw = (await connection.get_raw_connection()).driver_connection
                    assert raw is not None

                    def notified(*_: object) -> None:
                        self.woken.set()

                    await raw.add_listener(NOTIFY_CHANNEL, notified)
                    try:
                        while not stop.is_set() and not raw.is_closed():
                            await first_of(stop, timeout=self.poll_seconds * 10)
                    finally:
                        if not raw.is_closed():
                            await raw.remove_listener(NOTIFY_CHANNEL, notified)
            except Exception:
                log.warning("outbox relay cannot listen for commits; polling", exc_info=True)
                await first_of(stop, timeout=5.0)


async def first_of(*events: asyncio.Event, timeout: float) -> None:
    """Returns when one of the events is set, or after `timeout` seconds."""
    waits = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
