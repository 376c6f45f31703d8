"""Record who changed what, when, from what, to what and why. Call it in the same transaction as the
change: both commit or neither."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.audit.models import AuditEntry
from services.grants.audit.repository import AuditRepository
from shared.ids import uuid7


def record(session: AsyncSession, *, tenant: str, actor: str, action: str, entity: str, entity_id: object,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, reasons: str = "") -> None:
    session.add(AuditEntry(id=uuid7(), tenant=tenant, actor=actor, action=action, entity=entity,
                           entity_id=str(entity_id), before=before, after=after, reasons=reasons))


async def history(session: AsyncSession, tenant: str, entity: str, entity_id: object) -> list[AuditEntry]:
    return await AuditRepository(session, tenant).history_of(entity, str(entity_id))
