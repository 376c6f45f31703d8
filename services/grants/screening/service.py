"""Screening: the automatic checks when an application is submitted, and the call manager's result. Every
result goes to the audit trail in the same transaction. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.grants.applications.models import Application
from services.grants.applications.policy import can_read_application
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.rules import ApplicationStatus
from services.grants.calls.models import Call
from services.grants.calls.repository import CallRepository
from services.grants.calls.service import attachments_of, eligibility_of
from services.grants.notices import service as notices
from services.grants.registry.repository import KnownOrganisationRepository
from services.grants.screening import rules
from services.grants.screening.models import Screening
from services.grants.screening.repository import ScreeningRepository
from services.grants.screening.rules import ScreeningResult
from services.grants.screening.schemas import RecordScreening
from shared.audit import record
from shared.auth import Principal
from shared.i18n import _
from shared.notices.kinds import NoticeKind
from shared.problems import Conflict, Invalid, NotFound, PreconditionFailed
from shared.versioning import check_version


def state(screening: Screening) -> dict[str, Any]:
    """What the audit trail keeps of a screening, before and after a change."""
    return {"checks": screening.checks, "automatic_passed": screening.automatic_passed,
            "result": screening.result, "reasons": screening.reasons}


async def screen_automatically(session: AsyncSession, call: Call, application: Application) -> list[rules.Check]:
    """Runs the checks on what was submitted (read model of the registry as it stands now) and records them:
    the application's first screening, added to the session (a draft is never screened; a manager records the
    result on the screening made here)."""
    co_applicants = [(c.enterprise_number, c.name) for c in application.co_applicants]
    eligibility = eligibility_of(call)
    facts = rules.ScreeningFacts(
        required_attachments={a.code: a.label for a in attachments_of(call)},
        attachment_codes={a.code for a in application.attachments},
        requested_cents=application.requested_cents, total_cost_cents=application.total_cost_cents,
        max_per_project_cents=call.max_per_project_cents, cofinancing_rate_bp=call.cofinancing_rate_bp,
        co_applicants=co_applicants,
        social_economy_numbers=await KnownOrganisationRepository(session, application.tenant).social_economy_among(
            [n for n, _ in co_applicants]),
        social_economy_required=eligibility.social_economy_coapplicant,
        min_coapplicants=eligibility.min_coapplicants)
    checks = rules.automatic_checks(facts)
    screening = Screening(application_id=application.id, tenant=application.tenant, reasons="",
                          checks=[asdict(c) for c in checks], automatic_passed=all(c.passed for c in checks))
    session.add(screening)
    record(session, tenant=application.tenant, actor="system", action="screening.automatic", entity="application",
           entity_id=application.id, before=None, after=state(screening),
           reasons="; ".join(c.reason for c in checks if not c.passed))
    return checks


async def _readable(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> Application:
    application = await ApplicationRepository(session, principal.tenant).get(application_id)
    if application is None or not await can_read_application(session, principal, application):
        raise NotFound(_("deze aanvraag bestaat niet of u hebt er geen toegang toe"))
    return application


async def get(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> Screening:
    await _readable(session, principal, application_id)
    screening = await ScreeningRepository(session, principal.tenant).get(application_id)
    if screening is None:
        raise NotFound(_("deze aanvraag is nog niet gescreend (ze is nog niet ingediend)"))
    return screening


async def of_applications(session: AsyncSession, principal: Principal,
                          applications: Collection[Application]) -> dict[uuid.UUID, Screening]:
    """The screenings of applications the caller already read (a call's list): one query, not one per row.
    An application not screened yet (not submitted) is absent."""
    found = await ScreeningRepository(session, principal.tenant).of_applications([a.id for a in applications])
    return {s.application_id: s for s in found}


async def record_result(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                        command: RecordScreening, expected: int | None) -> Screening:
    if command.result not in rules.RESULTS:
        raise Invalid(_("het resultaat is 'eligible' of 'ineligible', niet %(result)r") % {"result": command.result},
                      field="result")
    result = ScreeningResult(command.result)
    reasons = command.reasons.strip()
    if result == ScreeningResult.INELIGIBLE and not reasons:
        raise Invalid(_("geef de redenen waarom de aanvraag niet ontvankelijk is: de aanvrager leest ze"),
                      field="reasons")
    application = await _readable(session, principal, application_id)
    if application.status not in rules.SCREENABLE:
        raise Conflict(_("een aanvraag die %(status)s is, wordt niet (meer) gescreend")
                       % {"status": application.status},
                       status_now=application.status)
    screening = await get(session, principal, application_id)
    check_version(screening.version, expected, _("de screening"))
    before = state(screening)
    screening.result = result
    screening.reasons = reasons
    screening.screened_by = principal.username
    screening.screened_at = await CallRepository(session, principal.tenant).database_clock()
    application.status = ApplicationStatus(result)
    record(session, tenant=principal.tenant, actor=principal.username, action="screening.recorded",
           entity="application", entity_id=application.id, before=before, after=state(screening), reasons=reasons)
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(_("de screening werd intussen door iemand anders gewijzigd; laad opnieuw")) from exc
    _tell_screened(session, principal.tenant, application, result, reasons)
    await session.refresh(screening)
    return screening


def _tell_screened(session: AsyncSession, tenant: str, application: Application, result: ScreeningResult,
                   reasons: str) -> None:
    values = {"title": application.title, "reasons": reasons}

    def text() -> tuple[str, str]:
        if result == ScreeningResult.ELIGIBLE:
            return (_("Uw aanvraag «%(title)s» is ontvankelijk") % values,
                    _("Uw aanvraag «%(title)s» is gescreend en ontvankelijk verklaard. De jury beoordeelt ze nu; "
                      "na de beslissing krijgt u de beslissingsbrief.") % values)
        return (_("Uw aanvraag «%(title)s» is niet ontvankelijk") % values,
                _("Uw aanvraag «%(title)s» is gescreend en niet ontvankelijk verklaard, om deze redenen:\n\n"
                  "%(reasons)s") % values)

    notices.tell_applicant(session, tenant, application, kind=NoticeKind.APPLICATION_SCREENED, render=text)

