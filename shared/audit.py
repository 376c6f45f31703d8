"""The audit trail every service keeps in its own database, in one shape: who changed what, when, from what, to
what and why. Append-only: a service's migration grants its request role INSERT and SELECT only, and a trigger
refuses UPDATE, DELETE and TRUNCATE even to the owner (grants' migration 0002, partners' 0002 and 0006). Call
`record` in the same transaction as the change, so both commit or neither. What an action means to people stays
with the service that records it (its audit/rules.py)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import DateTime, String, Text, func, tuple_
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, TenantRepository
from shared.ids import uuid7

TABLE = "audit_log"


class AuditEntry(Base):
    __tablename__ = TABLE

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    actor: Mapped[str] = mapped_column(String(200))
    """The username (or "system")."""
    action: Mapped[str] = mapped_column(String(80))
    """e.g. "score.submitted", "plan.status.changed"."""
    entity: Mapped[str] = mapped_column(String(40))
    """e.g. "application", "plan", "realisation"."""
    entity_id: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reasons: Mapped[str] = mapped_column(Text, server_default="")

    # The request role may not SELECT … RETURNING server defaults it cannot update anyway; keep inserts plain.
    __mapper_args__ = {"eager_defaults": False}


class AuditEntryOut(msgspec.Struct):
    """An entry as the API answers it."""

    id: uuid.UUID
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reasons: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(id=entry.id, at=entry.at, actor=entry.actor, action=entry.action, entity=entry.entity,
                   entity_id=entry.entity_id, before=entry.before, after=entry.after, reasons=entry.reasons)


def record(session: AsyncSession, tenant: str, actor: str, action: str, entity: str, entity_id: object,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, reasons: str = "") -> None:
    """Adds one entry to the caller's unit of work (written at the next flush, with the change). Values become
    JSON as the API writes them: decimals and dates as strings, UUIDs as text."""
    session.add(AuditEntry(id=uuid7(), tenant=tenant, actor=actor, action=action, entity=entity,
                           entity_id=str(entity_id), before=_json(before), after=_json(after), reasons=reasons))


def _json(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else msgspec.to_builtins(values)


async def trail(session: AsyncSession, tenant: str, entity: str, entity_id: object) -> list[AuditEntry]:
    """One entity's entries, oldest first: the clock of each insert, then its UUIDv7."""
    repository = TenantRepository(session, tenant)
    return list((await session.scalars(
        repository.select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.at, AuditEntry.id))).all())


async def trails(session: AsyncSession, tenant: str, entities: Collection[tuple[str, object]]) -> list[AuditEntry]:
    """The entries of several entities in one order, oldest first (a plan's page shows its own and its
    indicators' together)."""
    if not entities:
        return []
    wanted = tuple_(AuditEntry.entity, AuditEntry.entity_id).in_([(e, str(key)) for e, key in entities])
    return list((await session.scalars(
        TenantRepository(session, tenant).select(AuditEntry).where(wanted)
        .order_by(AuditEntry.at, AuditEntry.id))).all())
