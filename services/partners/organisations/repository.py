"""Every query on organisations. Tenant isolation is enforced by Row-Level Security under the session's
tenant; the explicit tenant filters here are belt and braces, and make the plans use the indexes."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.organisations.models import Organisation


class OrganisationRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def get_by_enterprise_number(self, enterprise_number: str) -> Organisation | None:
        return await self.session.scalar(select(Organisation).where(
            Organisation.tenant == self.tenant, Organisation.enterprise_number == enterprise_number))

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        return await self.session.scalar(select(Organisation).where(
            Organisation.tenant == self.tenant, Organisation.id == organisation_id))

    async def list_after(self, cursor: uuid.UUID | None, limit: int) -> list[Organisation]:
        statement = select(Organisation).where(Organisation.tenant == self.tenant)
        if cursor is not None:
            statement = statement.where(Organisation.id > cursor)
        return list((await self.session.scalars(statement.order_by(Organisation.id).limit(limit))).all())

    def add(self, organisation: Organisation) -> None:
        self.session.add(organisation)
