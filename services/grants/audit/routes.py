from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.audit.service import history
from services.grants.calls.rules import MANAGERS
from shared.auth import Principal, require_roles


class AuditEntryOut(msgspec.Struct):
    id: uuid.UUID
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reasons: str


class AuditController(Controller):
    """The append-only history of an application or a call, oldest first, for call managers."""

    path = "/{tenant:str}"
    tags = ["audit"]
    guards = [require_roles(*MANAGERS)]

    @get("/applications/{application_id:uuid}/audit")
    async def application_history(self, application_id: uuid.UUID, session: AsyncSession,
                                  principal: Principal) -> list[AuditEntryOut]:
        return await self._history(session, principal, "application", application_id)

    @get("/calls/{call_id:uuid}/audit")
    async def call_history(self, call_id: uuid.UUID, session: AsyncSession,
                           principal: Principal) -> list[AuditEntryOut]:
        return await self._history(session, principal, "call", call_id)

    @staticmethod
    async def _history(session: AsyncSession, principal: Principal, entity: str,
                       entity_id: uuid.UUID) -> list[AuditEntryOut]:
        return [AuditEntryOut(id=e.id, at=e.at, actor=e.actor, action=e.action, entity=e.entity,
                              entity_id=e.entity_id, before=e.before, after=e.after, reasons=e.reasons)
                for e in await history(session, principal.tenant, entity, entity_id)]
