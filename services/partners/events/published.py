"""What partners publishes: its public contract. Add a field: same version. Change or drop one: a new
version, published beside the old one until every consumer has moved."""

from __future__ import annotations

from typing import ClassVar

from shared.events.envelope import EventData


class OrganisationRegisteredV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.partners.organisation.registered.v1"

    organisation_id: str
    enterprise_number: str
    name: str
    kind: str
    municipality: str
    social_economy: bool
