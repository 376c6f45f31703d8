"""A notice's contacts without the addresses: a notice about an application names the application
(`application/<id>`), and grants' mailer reads the address on it when it mails. The event then carries no
e-mail address to every service's copy of the notice and to the streams (data minimisation: an address lives
where it was given, and an erasure there removes it everywhere)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver_connection
from shared.privacy.person import EMAIL

log = logging.getLogger("regie.grants.notices")

APPLICATION = "application/"


def of_application(application_id: uuid.UUID | str) -> str:
    """The contact of an application: whatever address it gives when the notice is mailed."""
    return f"{APPLICATION}{application_id}"


async def addresses(session: AsyncSession, tenant: str, contacts: Sequence[str]) -> list[str]:
    """The addresses the contacts stand for, in the province. A notice published before the contacts were
    references carries the address itself: it is kept as it is. An application that gives none, or is gone
    (a draft erased), gives none."""
    found: list[str] = []
    applications: list[uuid.UUID] = []
    for contact in contacts:
        if contact.startswith(APPLICATION):
            try:
                applications.append(uuid.UUID(contact.removeprefix(APPLICATION)))
            except ValueError:
                log.warning("notice contact ignored", extra={"contact": contact})
        elif EMAIL.match(contact):
            found.append(contact)
    if applications:  # on the driver's connection: every receipt asks it (bench/README.md, "The eighth look")
        given = await (await driver_connection(session)).fetch(ADDRESSES, tenant, applications)
        found += [address for (address,) in given if address and EMAIL.match(address)]
    return sorted(set(found))


ADDRESSES = "SELECT applicant_email FROM applications WHERE tenant = $1 AND id = ANY($2::uuid[])"
