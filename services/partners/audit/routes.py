"""The audit trail through the API: the append-only entries of one entity (a plan, an indicator and its
targets, a realisation, an organisation's recognitions), oldest first, for coordinators and the province's
administrator."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.audit.service import trail
from services.partners.portal import COORDINATORS
from shared.auth import Principal, require_roles
from shared.problems import Invalid


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
    path = "/{tenant:str}/audit"
    tags = ["audit"]
    guards = [require_roles(*COORDINATORS)]

    @get("/")
    async def entries(self, session: AsyncSession, principal: Principal,
                      entity: str | None = Parameter(default=None),
                      entity_id: str | None = Parameter(default=None)) -> list[AuditEntryOut]:
        """The trail of one entity (`entity=plan&entity_id=…`; also indicator, realisation, organisation)."""
        if not entity or not entity.strip():
            raise Invalid("geef aan van welk soort gegevens u het auditspoor wilt (entity, bv. 'plan')",
                          field="entity")
        if not entity_id or not entity_id.strip():
            raise Invalid("geef aan van welke gegevens u het auditspoor wilt (entity_id)", field="entity_id")
        return [AuditEntryOut(id=e.id, at=e.at, actor=e.actor, action=e.action, entity=e.entity,
                              entity_id=e.entity_id, before=e.before, after=e.after, reasons=e.reasons)
                for e in await trail(session, principal.tenant, entity.strip(), entity_id.strip())]


CONTROLLERS = [AuditController]
