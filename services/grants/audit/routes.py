"""The audit trail through the API: the append-only history of an application or a call."""

from __future__ import annotations

import uuid

from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.rules import MANAGERS
from shared.audit import AuditEntryOut, trail
from shared.auth import Principal, require_roles


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
        return [AuditEntryOut.of(e) for e in await trail(session, principal.tenant, entity, entity_id)]
