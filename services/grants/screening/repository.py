"""Every query on screenings, each from the tenant-scoped base statement."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from services.grants.screening.models import Screening
from shared.db import TenantRepository


class ScreeningRepository(TenantRepository):
    async def get(self, application_id: uuid.UUID) -> Screening | None:
        return await self.session.scalar(self.select(Screening).where(Screening.application_id == application_id))

    async def of_applications(self, application_ids: Collection[uuid.UUID]) -> list[Screening]:
        if not application_ids:
            return []
        return list((await self.session.scalars(self.select(Screening).where(
            Screening.application_id.in_(list(application_ids))))).all())
