from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.registry.models import KnownOrganisation
from services.grants.screening.models import Screening


class ScreeningRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def get(self, application_id: uuid.UUID) -> Screening | None:
        return await self.session.scalar(select(Screening).where(
            Screening.tenant == self.tenant, Screening.application_id == application_id))

    async def of_applications(self, application_ids: Collection[uuid.UUID]) -> list[Screening]:
        if not application_ids:
            return []
        return list((await self.session.scalars(select(Screening).where(
            Screening.tenant == self.tenant, Screening.application_id.in_(list(application_ids))))).all())

    async def social_economy_among(self, enterprise_numbers: Collection[str]) -> set[str]:
        """Which of these organisations grants' read model of the partners registry knows as social economy."""
        if not enterprise_numbers:
            return set()
        return set((await self.session.scalars(select(KnownOrganisation.enterprise_number).where(
            KnownOrganisation.tenant == self.tenant, KnownOrganisation.social_economy.is_(True),
            KnownOrganisation.enterprise_number.in_(list(enterprise_numbers))))).all())

    def add(self, screening: Screening) -> None:
        self.session.add(screening)
