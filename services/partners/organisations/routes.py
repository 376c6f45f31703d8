from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.organisations import service
from services.partners.organisations.models import Organisation
from services.partners.organisations.repository import OrganisationRepository
from services.partners.organisations.schemas import OrganisationOut, OrganisationPage, RegisterOrganisation
from shared.auth import Principal, require_roles
from shared.problems import BadRequest


def to_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut(id=organisation.id, enterprise_number=organisation.enterprise_number,
                           name=organisation.name, kind=organisation.kind,
                           municipality=organisation.municipality, created_at=organisation.created_at)


class OrganisationController(Controller):
    path = "/{tenant:str}/organisations"
    tags = ["organisations"]

    @post("/", guards=[require_roles("coordinator", "province-admin")])
    async def register(self, data: RegisterOrganisation, session: AsyncSession,
                       principal: Principal) -> OrganisationOut:
        organisation = await service.register(session, principal.tenant, data)
        await session.refresh(organisation)
        return to_out(organisation)

    @get("/", guards=[require_roles("coordinator", "province-admin", "call-manager")])
    async def list_organisations(
        self, session: AsyncSession, principal: Principal,
        limit: int = Parameter(default=50, ge=1, le=200),
        cursor: str | None = Parameter(default=None),
    ) -> OrganisationPage:
        try:
            after = uuid.UUID(cursor) if cursor else None
        except ValueError as exc:
            raise BadRequest("ongeldige cursor") from exc
        rows = await OrganisationRepository(session, principal.tenant).list_after(after, limit + 1)
        items = [to_out(o) for o in rows[:limit]]
        return OrganisationPage(items=items, next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)


CONTROLLERS = [OrganisationController]
