"""Transactional outbox.

`stage()` adds the event to the same transaction as the state change it reports: both commit or neither.
The relay publishes staged rows to JetStream with `Nats-Msg-Id = event id`, waits for the server's ack and
only then marks the row sent. A crash between commit and publish leaves the row unsent: the next relay run
publishes it. A crash between the ack and the mark publishes it again: JetStream drops the duplicate within
its duplicate window, and consumers' inboxes drop it after that."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from nats.js import JetStreamContext
from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, Text, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base
from shared.events import metrics
from shared.events.envelope import EventData, encode, make_envelope
from shared.isolation import relay_role, tenant_isolation
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
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_unsent", "created_at", postgresql_where=text("published_at IS NULL")),
    )
    # The request role may INSERT but not SELECT here, so no RETURNING of server defaults.
    __mapper_args__ = {"eager_defaults": False}


def outbox_ddl() -> list[str]:
    """Grants and policies for the outbox, after its CREATE TABLE: requests may only add rows of their own
    tenant; the relay role (BYPASSRLS) reads and marks them across tenants."""
    return [
        *tenant_isolation("outbox", privileges="INSERT"),
        f"GRANT SELECT, UPDATE ON outbox TO {relay_role()}",
    ]


def stage(session: AsyncSession, data: EventData, *, tenant: str, subject: str,
          traceparent: str | None = None) -> str:
    """Adds the event to the session's transaction; returns its id. Never commits. The event carries the
    trace context of the work in hand (the request's, or the event being applied) unless one is given."""
    envelope = make_envelope(data, tenant=tenant, subject=subject,
                             traceparent=traceparent if traceparent is not None else traceparent_var.get())
    session.add(OutboxMessage(id=envelope.id, tenant=tenant, subject=envelope.nats_subject,
                              type=envelope.type, payload=encode(envelope)))
    return envelope.id


class OutboxRelay:
    """Publishes unsent outbox rows in creation order. Several replicas may run: rows are claimed with
    FOR UPDATE SKIP LOCKED, so each row is being published by at most one relay at a time."""

    def __init__(self, engine: AsyncEngine, js: JetStreamContext, *, batch_size: int = 100,
                 poll_seconds: float = 0.1, publish_timeout: float = 5.0) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.js = js
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_timeout = publish_timeout

    async def publish_batch(self) -> int:
        """Publishes one batch; returns how many rows were marked sent."""
        async with self.sessions() as session, session.begin():
            rows = (await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.published_at.is_(None))
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            )).all()
            sent = 0
            oldest = rows[0].created_at if rows else None
            metrics.OLDEST_UNSENT.set((datetime.now(UTC) - oldest).total_seconds() if oldest else 0)
            for row in rows:
                try:
                    await self.js.publish(row.subject, row.payload, timeout=self.publish_timeout,
                                          headers={"Nats-Msg-Id": row.id})
                except Exception as exc:  # NATS down or slow: keep the row, try again later
                    row.attempts += 1
                    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    metrics.PUBLISH_FAILURES.inc()
                    log.warning("outbox publish failed", extra={"event_id": row.id, "error": row.last_error})
                    break  # keep order: later rows wait for this one
                self.after_publish(row)
                row.published_at = func.now()
                metrics.PUBLISHED.labels(row.subject.split(".", 1)[0]).inc()
                sent += 1
            return sent

    def after_publish(self, row: OutboxMessage) -> None:
        """Between the server's ack and the mark; a hook for crash tests, a no-op otherwise."""

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.publish_batch()
            except Exception:
                log.exception("outbox relay round failed")
                sent = 0
            if sent < self.batch_size:
                try:
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)
                except TimeoutError:
                    pass
