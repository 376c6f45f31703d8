"""One function per consumed event: applies its effect in the consumer's transaction (the inbox makes it
happen once)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.events.consumed import (
    ORGANISATION_RECOGNITION_CHANGED_V1,
    ORGANISATION_REGISTERED_V1,
    ORGANISATION_UPDATED_V1,
    OrganisationRecognitionChanged,
    OrganisationRegistered,
    OrganisationUpdated,
)
from services.grants.registry.repository import KnownOrganisationRepository
from shared.events.consumer import Subscription
from shared.events.envelope import Envelope, data_as


async def organisation_registered(session: AsyncSession, envelope: Envelope) -> None:
    data = data_as(envelope, OrganisationRegistered)
    await KnownOrganisationRepository(session, envelope.tenant).upsert(
        enterprise_number=data.enterprise_number, organisation_id=data.organisation_id, name=data.name,
        kind=data.kind, social_economy=data.social_economy)


async def organisation_updated(session: AsyncSession, envelope: Envelope) -> None:
    """Each event carries the whole state grants keeps, so an update also creates the entry it may have missed."""
    data = data_as(envelope, OrganisationUpdated)
    await KnownOrganisationRepository(session, envelope.tenant).upsert(
        enterprise_number=data.enterprise_number, organisation_id=data.organisation_id, name=data.name,
        kind=data.kind, social_economy=data.social_economy)


async def organisation_recognition_changed(session: AsyncSession, envelope: Envelope) -> None:
    data = data_as(envelope, OrganisationRecognitionChanged)
    await KnownOrganisationRepository(session, envelope.tenant).upsert(
        enterprise_number=data.enterprise_number, organisation_id=data.organisation_id, name=data.name,
        kind=data.kind, social_economy=data.social_economy)


PARTNER_ORGANISATIONS = Subscription(
    durable="grants-partners-organisations",
    producer="partners",
    subject="partners.*.organisation.>",
    handlers={ORGANISATION_REGISTERED_V1: organisation_registered,
              ORGANISATION_UPDATED_V1: organisation_updated,
              ORGANISATION_RECOGNITION_CHANGED_V1: organisation_recognition_changed},
)
