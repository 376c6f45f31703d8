"""What grants publishes: its public contract (stream GRANTS, subject grants.<tenant>.<aggregate>.<event>).
Add a field: same version. Change or drop one: a new version beside the old one."""

from __future__ import annotations

from typing import ClassVar

from shared.events.envelope import EventData
from shared.notices.events import NoticeRaised, NoticesRead


class CallPublishedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.grants.call.published.v1"
    call_id: str
    title: str
    total_budget_cents: int
    opens_at: str
    closes_at: str


class CallClosedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.grants.call.closed.v1"
    call_id: str
    submitted_applications: int


class ApplicationSubmittedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.grants.application.submitted.v1"
    application_id: str
    call_id: str
    applicant_enterprise_number: str
    co_applicant_enterprise_numbers: list[str]
    requested_cents: int
    content_hash: str


class ApplicationWithdrawnV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.grants.application.withdrawn.v1"
    application_id: str
    call_id: str


class ReviewSubmittedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.grants.review.submitted.v1"
    application_id: str
    call_id: str
    juror: str
    weighted_total: str  # decimal string, 0–100


class ApplicationAwardedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.grants.application.awarded.v1"
    application_id: str
    call_id: str
    decision_id: str
    title: str
    amount_cents: int
    applicant_enterprise_number: str
    co_applicant_enterprise_numbers: list[str]


class ApplicationRejectedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.grants.application.rejected.v1"
    application_id: str
    call_id: str
    decision_id: str
    title: str


class DecisionPublishedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.grants.decision.published.v1"
    decision_id: str
    call_id: str
    reference: str
    decided_on: str  # ISO date, Europe/Brussels
    awarded: int
    rejected: int
    awarded_cents: int


class TranchePaidV1(EventData, frozen=True, kw_only=True):
    """A tranche of an awarded project's payment plan, paid by the province (recorded by a call manager)."""

    event_type: ClassVar[str] = "be.regie.grants.award.tranche.paid.v1"
    application_id: str
    tranche: int  # its number in the payment plan, 1 = the first
    amount_cents: int
    paid_on: str  # ISO date, Europe/Brussels
    applicant_enterprise_number: str
    co_applicant_enterprise_numbers: list[str]


class NoticeRaisedV1(NoticeRaised, frozen=True, kw_only=True):
    """A notice for people of the province (shared.notices): its texts in every language, its recipients and
    the portal page to act on; every service keeps it in its list of notices."""

    event_type: ClassVar[str] = "be.regie.grants.notice.raised.v1"


class NoticesReadV1(NoticesRead, frozen=True, kw_only=True):
    """A person marked notices read on grants' list of notices; every service marks its copies alike."""

    event_type: ClassVar[str] = "be.regie.grants.notice.read.v1"
