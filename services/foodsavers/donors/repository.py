"""Every query on donors, each from the tenant-scoped base statement."""

from __future__ import annotations

from services.foodsavers.donors.models import Donor
from shared.db import TenantRepository


class DonorRepository(TenantRepository):
    async def list_by_name(self, limit: int) -> list[Donor]:
        return list((await self.session.scalars(
            self.select(Donor).order_by(Donor.name, Donor.id).limit(limit))).all())
