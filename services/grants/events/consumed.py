"""grants' own copy of the fields it reads from other services' events (contracts are copied, not shared:
partners may add fields without grants noticing)."""

from __future__ import annotations

import msgspec

ORGANISATION_REGISTERED_V1 = "be.regie.partners.organisation.registered.v1"


class OrganisationRegistered(msgspec.Struct, frozen=True):
    organisation_id: str
    enterprise_number: str
    name: str
    kind: str
    social_economy: bool
