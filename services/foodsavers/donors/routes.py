from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.donors import service
from services.foodsavers.donors.models import Donor
from services.foodsavers.donors.schemas import DonorOut, NewDonor
from shared.auth import Principal, require_roles


def to_out(donor: Donor) -> DonorOut:
    return DonorOut(id=donor.id, name=donor.name, kind=donor.kind, address=donor.address,
                    created_at=donor.created_at)


class DonorController(Controller):
    path = "/{tenant:str}/donors"
    tags = ["donors"]

    @post("/", guards=[require_roles("coordinator", "province-admin")])
    async def add_donor(self, data: NewDonor, session: AsyncSession, principal: Principal) -> DonorOut:
        return to_out(await service.add(session, principal, data))

    @get("/", guards=[require_roles("coordinator", "province-admin", "driver")])
    async def list_donors(self, session: AsyncSession, principal: Principal,
                          limit: int = Parameter(default=100, ge=1, le=500)) -> list[DonorOut]:
        return [to_out(d) for d in await service.listed(session, principal, limit)]
