"""Use cases on donors: rules → repository. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.donors.models import Donor
from services.foodsavers.donors.repository import DonorRepository
from services.foodsavers.donors.rules import KINDS
from services.foodsavers.donors.schemas import NewDonor
from shared.auth import Principal
from shared.ids import uuid7
from shared.problems import Invalid


async def add(session: AsyncSession, principal: Principal, command: NewDonor) -> Donor:
    if command.kind not in KINDS:
        raise Invalid(f"onbekend soort schenker {command.kind!r}", field="kind", allowed=sorted(KINDS))
    if not command.name.strip():
        raise Invalid("de naam is verplicht", field="name")
    donor = Donor(id=uuid7(), tenant=principal.tenant, name=command.name.strip(), kind=command.kind,
                  address=command.address.strip())
    DonorRepository(session, principal.tenant).add(donor)
    await session.flush()
    await session.refresh(donor)
    return donor


async def listed(session: AsyncSession, principal: Principal, limit: int) -> list[Donor]:
    return await DonorRepository(session, principal.tenant).list_by_name(limit)
