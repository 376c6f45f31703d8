"""Every query on organisations, each from the tenant-scoped base statement."""

from __future__ import annotations

import uuid

from services.partners.organisations.models import Organisation
from shared.db import TenantRepository


class OrganisationRepository(TenantRepository):
    async def get_by_enterprise_number(self, enterprise_number: str) -> Organisation | None:
        return await self.session.scalar(
            self.select(Organisation).where(Organisation.enterprise_number == enterprise_number))

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        return await self.session.scalar(self.select(Organisation).where(Organisation.id == organisation_id))

    async def list_after(self, cursor: uuid.UUID | None, limit: int) -> list[Organisation]:
        statement = self.select(Organisation)
        if cursor is not None:
            statement = statement.where(Organisation.id > cursor)
        return list((await self.session.scalars(statement.order_by(Organisation.id).limit(limit))).all())
