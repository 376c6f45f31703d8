"""Inbox: the ids of events a consumer has applied, written in the same transaction as the effect. A
redelivered event finds its id already there and is acknowledged without a second effect."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, driver_insert
from shared.isolation import tenant_isolation


class InboxMessage(Base):
    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def inbox_ddl() -> list[str]:
    return tenant_isolation("inbox", privileges="SELECT, INSERT")


async def first_delivery(session: AsyncSession, *, consumer: str, event_id: str, tenant: str, type: str) -> bool:
    """Records the event for this consumer; False when it was recorded before (so: skip the effect).
    Two replicas racing on the same event: the second waits on the first's row lock and then sees it."""
    return event_id in await first_deliveries(session, consumer=consumer, tenant=tenant, events=[(event_id, type)])


async def first_deliveries(session: AsyncSession, *, consumer: str, tenant: str,
                           events: Sequence[tuple[str, str]]) -> set[str]:
    """Records a province's events (id, type) for this consumer in one statement; the ids of those not
    recorded before (the others' effects are skipped)."""
    if not events:
        return set()
    # One statement however many events, on the driver's connection: every event of every consumer writes one
    # (through the ORM about 0.5 ms of CPU, bench/README.md, "The eighth look").
    recorded = await driver_insert(
        session, InboxMessage,
        [{"consumer": consumer, "event_id": event_id, "tenant": tenant, "type": type} for event_id, type in events],
        "ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id")
    return {record["event_id"] for record in recorded}
