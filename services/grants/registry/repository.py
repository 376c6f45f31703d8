from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.registry.models import KnownOrganisation


class KnownOrganisationRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def upsert(self, *, enterprise_number: str, organisation_id: str, name: str, kind: str,
                     social_economy: bool) -> None:
        values = dict(tenant=self.tenant, enterprise_number=enterprise_number, organisation_id=organisation_id,
                      name=name, kind=kind, social_economy=social_economy)
        statement = insert(KnownOrganisation).values(**values)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=["tenant", "enterprise_number"],
            set_={**{k: statement.excluded[k] for k in ("organisation_id", "name", "kind", "social_economy")},
                  "updated_at": func.now()},
        ))

    async def get_by_enterprise_number(self, enterprise_number: str) -> KnownOrganisation | None:
        return await self.session.scalar(select(KnownOrganisation).where(
            KnownOrganisation.tenant == self.tenant, KnownOrganisation.enterprise_number == enterprise_number))

    async def list_all(self, limit: int) -> list[KnownOrganisation]:
        return list((await self.session.scalars(
            select(KnownOrganisation).where(KnownOrganisation.tenant == self.tenant)
            .order_by(KnownOrganisation.name, KnownOrganisation.enterprise_number).limit(limit))).all())
