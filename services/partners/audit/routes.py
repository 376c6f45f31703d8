"""The audit trail through the API: the append-only entries of one entity (a plan, an indicator and its
targets, a realisation, an organisation's recognitions), oldest first, for coordinators and the province's
administrator."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.portal import COORDINATORS
from shared.audit import AuditEntryOut, trail
from shared.auth import Principal, require_roles
from shared.i18n import _
from shared.problems import Invalid


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
            raise Invalid(_("geef aan van welk soort gegevens u het auditspoor wilt (entity, bv. 'plan')"),
                          field="entity")
        if not entity_id or not entity_id.strip():
            raise Invalid(_("geef aan van welke gegevens u het auditspoor wilt (entity_id)"), field="entity_id")
        return [AuditEntryOut.of(e) for e in await trail(session, principal.tenant, entity.strip(), entity_id.strip())]


CONTROLLERS = [AuditController]
