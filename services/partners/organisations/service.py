"""Use cases on organisations: repository → rules → stage the event. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.events.published import OrganisationRegisteredV1
from services.partners.organisations.models import Organisation
from services.partners.organisations.repository import OrganisationRepository
from services.partners.organisations.rules import KINDS, SOCIAL_ECONOMY_KINDS
from services.partners.organisations.schemas import RegisterOrganisation
from shared import enterprise_number
from shared.events.outbox import stage
from shared.ids import uuid7
from shared.problems import Conflict, Invalid


async def register(session: AsyncSession, tenant: str, command: RegisterOrganisation) -> Organisation:
    try:
        number = enterprise_number.normalise(command.enterprise_number)
    except ValueError as exc:
        raise Invalid(str(exc), field="enterprise_number") from exc
    if command.kind not in KINDS:
        raise Invalid(f"onbekend soort organisatie {command.kind!r}", field="kind", allowed=sorted(KINDS))
    name = command.name.strip()
    if not name:
        raise Invalid("de naam is verplicht", field="name")
    repository = OrganisationRepository(session, tenant)
    if await repository.get_by_enterprise_number(number) is not None:
        raise Conflict(f"organisatie {enterprise_number.formatted(number)} is al geregistreerd")
    organisation = Organisation(id=uuid7(), tenant=tenant, enterprise_number=number, name=name,
                                kind=command.kind, municipality=command.municipality.strip())
    repository.add(organisation)
    stage(session, OrganisationRegisteredV1(
        organisation_id=str(organisation.id), enterprise_number=number, name=name, kind=command.kind,
        municipality=organisation.municipality, social_economy=command.kind in SOCIAL_ECONOMY_KINDS,
    ), tenant=tenant, subject=str(organisation.id))
    await session.flush()
    return organisation
