"""A person's erasure in foodsavers' registry, before shared.privacy pseudonymises what names them.

A driver stays (the rounds they drove and the weights they logged are the province's accounts), but nothing of
the person: their name becomes the pseudonym, their phone goes, and they drive no more. A donor or recipient
whose contact is the person keeps its name and address (an organisation's, not a person's) and loses the
contact's name, phone and address: a pseudonym there would only be a dead end for the next driver."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.registry.models import Donor, Driver, Recipient
from shared.db import TenantRepository
from shared.privacy.person import Person, pseudonym, same
from shared.storage import ObjectStore


async def erase_registry_people(session: AsyncSession, store: ObjectStore | None, tenant: str, person: Person,
                                found: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    repository = TenantRepository(session, tenant)
    counts: dict[str, int] = {}
    drivers = [row["id"] for row in found.get("drivers", []) if same(row["username"], person.username)]
    if drivers:
        for driver in (await session.scalars(repository.select(Driver).where(Driver.id.in_(drivers)))).all():
            driver.name, driver.phone, driver.active = pseudonym(tenant, person), "", False
        counts["drivers_made_anonymous"] = len(drivers)
    for model, table in ((Donor, "donors"), (Recipient, "recipients")):
        ids = [row["id"] for row in found.get(table, []) if same(row["contact_email"], person.email)]
        if not ids:
            continue
        for row in (await session.scalars(repository.select(model).where(model.id.in_(ids)))).all():
            row.contact_name, row.contact_phone, row.contact_email = "", "", ""
            row.updated_at = func.now()
        counts[f"{table}_contact_removed"] = len(ids)
    await session.flush()
    return counts
