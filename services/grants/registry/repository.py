"""Every query on grants' read model of the partners registry, each from the tenant-scoped base statement."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from services.grants.registry.models import KnownOrganisation
from shared.db import TenantRepository


class KnownOrganisationRepository(TenantRepository):
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
        return await self.session.scalar(self.select(KnownOrganisation).where(
            KnownOrganisation.enterprise_number == enterprise_number))

    async def social_economy_among(self, enterprise_numbers: Collection[str]) -> set[str]:
        """Which of these organisations the registry knows as social economy."""
        if not enterprise_numbers:
            return set()
        return set((await self.session.scalars(
            self.select(KnownOrganisation, KnownOrganisation.enterprise_number)
            .where(KnownOrganisation.social_economy.is_(True),
                   KnownOrganisation.enterprise_number.in_(list(enterprise_numbers))))).all())

    async def list_all(self, limit: int) -> list[KnownOrganisation]:
        return list((await self.session.scalars(
            self.select(KnownOrganisation)
            .order_by(KnownOrganisation.name, KnownOrganisation.enterprise_number).limit(limit))).all())
