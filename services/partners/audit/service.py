"""Record who changed what, when, from what, to what and why: every change of a plan's status, a target, a
realisation and a recognition. Call `record` in the same transaction as the change, so both commit or
neither; the entry is never changed afterwards."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.audit.models import AuditEntry
from services.partners.audit.repository import AuditRepository
from shared.ids import uuid7


def record(session: AsyncSession, tenant: str, actor: str, action: str, entity: str, entity_id: object,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, reasons: str = "") -> None:
    """Adds one entry to the caller's unit of work (it is written at the next flush, with the change). Values
    become JSON as the API writes them: decimals and dates as strings, UUIDs as text."""
    session.add(AuditEntry(id=uuid7(), tenant=tenant, actor=actor, action=action, entity=entity,
                           entity_id=str(entity_id), before=_json(before), after=_json(after), reasons=reasons))


def _json(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else msgspec.to_builtins(values)


async def trail(session: AsyncSession, tenant: str, entity: str, entity_id: object) -> list[AuditEntry]:
    """The entity's entries, oldest first."""
    return await AuditRepository(session, tenant).trail_of(entity, str(entity_id))


async def trails(session: AsyncSession, tenant: str, entities: list[tuple[str, object]]) -> list[AuditEntry]:
    """The entries of several entities in one order, oldest first (a plan's page shows its own and its
    indicators' together)."""
    return await AuditRepository(session, tenant).trails_of([(entity, str(key)) for entity, key in entities])
