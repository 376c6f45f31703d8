from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.registry.repository import KnownOrganisationRepository
from shared.auth import Principal, require_roles


class KnownOrganisationOut(msgspec.Struct):
    enterprise_number: str
    organisation_id: str
    name: str
    kind: str
    social_economy: bool


class RegistryController(Controller):
    """What grants knows of the partners registry (read model), for call managers checking eligibility."""

    path = "/{tenant:str}/registry/organisations"
    tags = ["registry"]

    @get("/", guards=[require_roles("call-manager", "province-admin")])
    async def list_known(self, session: AsyncSession, principal: Principal,
                         limit: int = Parameter(default=100, ge=1, le=500)) -> list[KnownOrganisationOut]:
        rows = await KnownOrganisationRepository(session, principal.tenant).list_all(limit)
        return [KnownOrganisationOut(enterprise_number=r.enterprise_number, organisation_id=r.organisation_id,
                                     name=r.name, kind=r.kind, social_economy=r.social_economy) for r in rows]
