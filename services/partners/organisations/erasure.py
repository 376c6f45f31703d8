"""A person's erasure in partners, before shared.privacy pseudonymises what names them: an organisation whose
contact address is the person's keeps its entry (a legal entity's: name, number, recognitions) and loses the
address and phone that were the person's, as a new version of the entry announced like any change. What the
person did (requested, decided, submitted, uploaded) stays, under the pseudonym."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.organisations.repository import OrganisationRepository
from services.partners.organisations.service import remove_contact
from shared.privacy.person import Person, same
from shared.storage import ObjectStore


async def erase_contacts(session: AsyncSession, store: ObjectStore | None, tenant: str, person: Person,
                         found: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    if not person.email:
        return {}
    repository = OrganisationRepository(session, tenant)
    removed = 0
    for row in found.get("organisations", []):
        if not same(row["email"], person.email):
            continue
        organisation = await repository.lock(row["id"])
        if organisation is not None:
            await remove_contact(session, organisation)
            removed += 1
    return {"organisation_contacts_removed": removed} if removed else {}
