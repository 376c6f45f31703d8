"""Who may see and change an application. One place, so that every route (and the jury's, which adds the
assigned, non-conflicted jurors here) asks the same question."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.applications.rules import ApplicationStatus
from services.grants.calls.rules import MANAGERS
from services.grants.jury.service import juror_may_read
from shared.auth import Principal

ORGANISATION_ROLES = ("applicant", "partner")


def is_lead_applicant(principal: Principal, application: Application) -> bool:
    """A person of the lead organisation, acting as applicant: may edit, submit and withdraw."""
    return (principal.has_any(("applicant",)) and principal.enterprise_number is not None
            and principal.enterprise_number == application.applicant_enterprise_number)


def is_co_applicant(principal: Principal, application: Application) -> bool:
    """A person of one of the co-applicant organisations: may read and confirm."""
    return (principal.has_any(ORGANISATION_ROLES) and principal.enterprise_number is not None
            and any(c.enterprise_number == principal.enterprise_number for c in application.co_applicants))


async def can_read_application(session: AsyncSession, principal: Principal, application: Application) -> bool:
    """The lead organisation and the co-applicant organisations always; call managers once it is submitted
    (a draft is the applicant's own work); jurors assigned to it without a conflict (the jury decides that)."""
    if application.tenant != principal.tenant:
        return False
    if principal.has_any(ORGANISATION_ROLES) and principal.enterprise_number is not None:
        if principal.enterprise_number == application.applicant_enterprise_number:
            return True
        if is_co_applicant(principal, application):
            return True
    if principal.has_any(MANAGERS) and application.status != ApplicationStatus.DRAFT:
        return True
    return await juror_may_read(session, principal, application)
