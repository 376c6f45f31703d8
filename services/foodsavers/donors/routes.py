from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.donors.models import Donor
from shared.auth import Principal, require_roles
from shared.ids import uuid7
from shared.problems import Invalid

KINDS = ("supermarket", "auction", "producer", "wholesaler")


class NewDonor(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    kind: str
    address: str


class DonorOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    address: str
    created_at: datetime


def to_out(donor: Donor) -> DonorOut:
    return DonorOut(id=donor.id, name=donor.name, kind=donor.kind, address=donor.address,
                    created_at=donor.created_at)


class DonorController(Controller):
    path = "/{tenant:str}/donors"
    tags = ["donors"]

    @post("/", guards=[require_roles("coordinator", "province-admin")])
    async def add_donor(self, data: NewDonor, session: AsyncSession, principal: Principal) -> DonorOut:
        if data.kind not in KINDS:
            raise Invalid(f"onbekend soort schenker {data.kind!r}", field="kind", allowed=list(KINDS))
        if not data.name.strip():
            raise Invalid("de naam is verplicht", field="name")
        donor = Donor(id=uuid7(), tenant=principal.tenant, name=data.name.strip(), kind=data.kind,
                      address=data.address.strip())
        session.add(donor)
        await session.flush()
        await session.refresh(donor)
        return to_out(donor)

    @get("/", guards=[require_roles("coordinator", "province-admin", "driver")])
    async def list_donors(self, session: AsyncSession, principal: Principal,
                          limit: int = Parameter(default=100, ge=1, le=500)) -> list[DonorOut]:
        rows = await session.scalars(select(Donor).where(Donor.tenant == principal.tenant)
                                     .order_by(Donor.name, Donor.id).limit(limit))
        return [to_out(d) for d in rows]
