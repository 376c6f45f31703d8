"""What partners publishes: its public contract. Add a field: same version. Change or drop one: a new
version, published beside the old one until every consumer has moved."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from shared.events.envelope import EventData
from shared.notices.events import NoticeRaised


class OrganisationRegisteredV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.partners.organisation.registered.v1"

    organisation_id: str
    enterprise_number: str
    name: str
    kind: str
    municipality: str
    """The NIS code of the municipality where it is based."""
    social_economy: bool
    municipality_name: str = ""


class PlanStatusChangedV1(EventData, frozen=True, kw_only=True):
    """A plan (a cooperation agreement or a multi-year plan) moved in its lifecycle: draft → negotiating →
    signed → active → ended (or back from negotiating to draft). Carries what a consumer needs to know which
    municipalities and organisations the plan concerns, and the reasons given for the move."""

    event_type: ClassVar[str] = "be.regie.partners.plan.status.changed.v1"

    plan_id: str
    kind: str
    title: str
    from_status: str
    to_status: str
    reasons: str
    starts_on: str
    """ISO date (Europe/Brussels)."""
    ends_on: str
    municipalities: list[str]
    """NIS codes."""
    organisation_ids: list[str]
    """The registered organisations party to it."""
    changed_by: str


class RecognitionV1(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    valid_from: str
    """YYYY-MM-DD"""
    valid_until: str | None
    """YYYY-MM-DD, None when open-ended"""


class OrganisationUpdatedV1(EventData, frozen=True, kw_only=True):
    """An entry changed (by a coordinator, by its partner, or by an approved change): its state after, and which
    fields changed."""

    event_type: ClassVar[str] = "be.regie.partners.organisation.updated.v1"

    organisation_id: str
    enterprise_number: str
    name: str
    kind: str
    municipality: str
    municipality_name: str
    social_economy: bool
    changed: list[str]
    version: int


class OrganisationRecognitionChangedV1(EventData, frozen=True, kw_only=True):
    """The recognitions (or the kind) of an organisation changed: those valid today, and whether it is a
    social-economy enterprise today."""

    event_type: ClassVar[str] = "be.regie.partners.organisation.recognition.changed.v1"

    organisation_id: str
    enterprise_number: str
    name: str
    kind: str
    recognitions: list[RecognitionV1]
    social_economy: bool
    change_id: str | None = None
    """The approved change it came from; None when a coordinator edited the entry directly."""
    version: int


class NoticeRaisedV1(NoticeRaised, frozen=True, kw_only=True):
    """A notice for people of the province (shared.notices): its texts in every language, its recipients and
    the portal page to act on; every service keeps it in its list of notices."""

    event_type: ClassVar[str] = "be.regie.partners.notice.raised.v1"
