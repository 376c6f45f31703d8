"""grants' own copy of the fields it reads from other services' events (contracts are copied, not shared:
partners may add fields without grants noticing)."""

from __future__ import annotations

import msgspec

ORGANISATION_REGISTERED_V1 = "be.regie.partners.organisation.registered.v1"
ORGANISATION_UPDATED_V1 = "be.regie.partners.organisation.updated.v1"
ORGANISATION_RECOGNITION_CHANGED_V1 = "be.regie.partners.organisation.recognition.changed.v1"


class OrganisationRegistered(msgspec.Struct, frozen=True):
    organisation_id: str
    enterprise_number: str
    name: str
    kind: str
    social_economy: bool


class OrganisationUpdated(msgspec.Struct, frozen=True):
    """An entry changed: its name, kind and social-economy standing after the change."""

    organisation_id: str
    enterprise_number: str
    name: str
    kind: str
    social_economy: bool


class OrganisationRecognitionChanged(msgspec.Struct, frozen=True):
    """Its recognitions changed: whether it is a social-economy enterprise now (what eligibility reads)."""

    organisation_id: str
    enterprise_number: str
    name: str
    kind: str
    social_economy: bool
