"""Use cases on the registry: check (rules) → store. Never commits. Other capabilities call the getters here
(`get_donor`, `get_recipient`, `get_vehicle`, `get_driver`: NotFound in Dutch for an id of another tenant or none),
`driver_for` (the driver a signed-in person is) and `names` (donors' and recipients' names for lists)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.registry import rules
from services.foodsavers.registry.models import Donor, Driver, Recipient, Vehicle
from services.foodsavers.registry.repository import Entry, RegistryRepository
from services.foodsavers.registry.schemas import (
    DonorChanges,
    DonorIn,
    DriverChanges,
    DriverIn,
    RecipientChanges,
    RecipientIn,
    VehicleChanges,
    VehicleIn,
)
from shared.auth import Principal
from shared.i18n import N_, _
from shared.ids import uuid7
from shared.problems import Conflict, NotFound
from shared.versioning import check_version

WHAT: dict[type[Any], str] = {Donor: N_("de schenker"), Recipient: N_("de ontvanger"), Vehicle: N_("het voertuig"),
                              Driver: N_("de chauffeur")}
"""How a person names each kind of entry (in NotFound and 412 answers)."""


def given(command: msgspec.Struct) -> dict[str, Any]:
    """The fields a command gives (a PATCH's unset ones left out)."""
    return {k: v for k, v in msgspec.structs.asdict(command).items() if v is not msgspec.UNSET}


# -- what other capabilities call ---------------------------------------------------------------------------------

async def get_entry(session: AsyncSession, tenant: str, model: type[Entry], entry_id: uuid.UUID) -> Entry:
    found = await RegistryRepository(session, tenant).get(model, entry_id)
    if found is None:
        raise NotFound(_("%(what)s %(id)s bestaat niet in deze provincie") % {"what": _(WHAT[model]), "id": entry_id})
    return found


async def get_donor(session: AsyncSession, tenant: str, donor_id: uuid.UUID) -> Donor:
    return await get_entry(session, tenant, Donor, donor_id)


async def get_recipient(session: AsyncSession, tenant: str, recipient_id: uuid.UUID) -> Recipient:
    return await get_entry(session, tenant, Recipient, recipient_id)


async def get_vehicle(session: AsyncSession, tenant: str, vehicle_id: uuid.UUID) -> Vehicle:
    return await get_entry(session, tenant, Vehicle, vehicle_id)


async def get_driver(session: AsyncSession, tenant: str, driver_id: uuid.UUID) -> Driver:
    return await get_entry(session, tenant, Driver, driver_id)


async def driver_for(session: AsyncSession, principal: Principal) -> Driver | None:
    """The driver whose login is the signed-in person's (None when the coordinator registered none)."""
    if not principal.username:
        return None
    return await RegistryRepository(session, principal.tenant).driver_by_username(principal.username.lower())


async def names(session: AsyncSession, tenant: str, donor_ids: Iterable[uuid.UUID],
                recipient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of the donors and recipients asked for, by id (ids of another tenant are left out)."""
    return await RegistryRepository(session, tenant).names(donor_ids, recipient_ids)


# -- creating and changing ----------------------------------------------------------------------------------------

async def _created(session: AsyncSession, entry: Entry) -> Entry:
    session.add(entry)
    await session.flush()
    await session.refresh(entry)
    return entry


async def _changed(session: AsyncSession, tenant: str, model: type[Entry], entry_id: uuid.UUID,
                   expected: int | None, values: dict[str, Any]) -> Entry:
    """The entry locked, its version checked (412 when the writer read an older one), `values` applied."""
    entry = await RegistryRepository(session, tenant).lock(model, entry_id)
    if entry is None:
        raise NotFound(_("%(what)s %(id)s bestaat niet in deze provincie") % {"what": _(WHAT[model]), "id": entry_id})
    check_version(entry.version, expected, WHAT[model][0].upper() + WHAT[model][1:])
    for column, value in values.items():
        setattr(entry, column, value)
    if isinstance(entry, Donor | Recipient) and session.is_modified(entry):
        entry.updated_at = func.now()
    await session.flush()
    await session.refresh(entry)
    return entry


async def create_donor(session: AsyncSession, principal: Principal, command: DonorIn) -> Donor:
    values = rules.check_donor(principal.tenant, given(command))
    address = rules.address(values["street"], values["postcode"], values["municipality"])
    return await _created(session, Donor(id=uuid7(), tenant=principal.tenant, address=address, **values))


async def update_donor(session: AsyncSession, principal: Principal, donor_id: uuid.UUID, changes: DonorChanges,
                       expected: int | None) -> Donor:
    values = rules.check_donor(principal.tenant, given(changes))
    if {"street", "postcode", "municipality"} & values.keys():
        current = await get_donor(session, principal.tenant, donor_id)
        values["address"] = rules.address(values.get("street", current.street),
                                          values.get("postcode", current.postcode),
                                          values.get("municipality", current.municipality))
    return await _changed(session, principal.tenant, Donor, donor_id, expected, values)


async def create_recipient(session: AsyncSession, principal: Principal, command: RecipientIn) -> Recipient:
    values = rules.check_recipient(principal.tenant, given(command))
    return await _created(session, Recipient(id=uuid7(), tenant=principal.tenant, **values))


async def update_recipient(session: AsyncSession, principal: Principal, recipient_id: uuid.UUID,
                           changes: RecipientChanges, expected: int | None) -> Recipient:
    values = rules.check_recipient(principal.tenant, given(changes))
    return await _changed(session, principal.tenant, Recipient, recipient_id, expected, values)


async def create_vehicle(session: AsyncSession, principal: Principal, command: VehicleIn) -> Vehicle:
    values = rules.check_vehicle(given(command))
    return await _created(session, Vehicle(id=uuid7(), tenant=principal.tenant, **values))


async def update_vehicle(session: AsyncSession, principal: Principal, vehicle_id: uuid.UUID,
                         changes: VehicleChanges, expected: int | None) -> Vehicle:
    values = rules.check_vehicle(given(changes))
    return await _changed(session, principal.tenant, Vehicle, vehicle_id, expected, values)


async def _username_free(session: AsyncSession, tenant: str, username: str, driver_id: uuid.UUID | None) -> None:
    holder = await RegistryRepository(session, tenant).driver_by_username(username)
    if holder is not None and holder.id != driver_id:
        raise Conflict(f"{_(rules.CONSTRAINT_REASONS['uq_drivers_username'])} ({username}: {holder.name})",
                       field="username")


async def create_driver(session: AsyncSession, principal: Principal, command: DriverIn) -> Driver:
    values = rules.check_driver(given(command))
    await _username_free(session, principal.tenant, values["username"], None)
    return await _created(session, Driver(id=uuid7(), tenant=principal.tenant, **values))


async def update_driver(session: AsyncSession, principal: Principal, driver_id: uuid.UUID, changes: DriverChanges,
                        expected: int | None) -> Driver:
    values = rules.check_driver(given(changes))
    if "username" in values:
        await _username_free(session, principal.tenant, values["username"], driver_id)
    return await _changed(session, principal.tenant, Driver, driver_id, expected, values)
