"""The open-data export, from what the decisions, applications and calls capabilities hold. Open data owns
no table: it asks each capability's repository and puts the answers together."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.repository import ApplicationRepository
from services.grants.calls.repository import CallRepository
from services.grants.decisions.repository import DecisionRepository
from services.grants.opendata import rules
from shared.i18n import _
from shared.problems import NotFound
from shared.tenancy import display_name


async def awarded_grants(session: AsyncSession, tenant: str) -> list[rules.AwardedGrant]:
    """Every awarded application with its decision and call, by decision date, then rank."""
    lines = await DecisionRepository(session, tenant).awarded_lines()
    applications = await ApplicationRepository(session, tenant).with_ids({line.application_id for line, _ in lines})
    calls = await CallRepository(session, tenant).with_ids({decision.call_id for _, decision in lines})
    grants = []
    for line, decision in lines:
        application, call = applications[line.application_id], calls[decision.call_id]
        grants.append(rules.AwardedGrant(
            tenant=tenant, application_id=str(application.id), title=application.title,
            summary=application.summary, requested_cents=application.requested_cents, amount_cents=line.amount_cents,
            decided_on=decision.decided_on, duration_months=application.duration_months,
            applicant_name=application.applicant_name,
            applicant_enterprise_number=application.applicant_enterprise_number,
            co_applicants=[(c.name, c.enterprise_number) for c in application.co_applicants],
            call_id=str(call.id), call_title=call.title, decision_reference=decision.reference))
    return grants


async def three_sixty_giving(session: AsyncSession, tenant: str) -> dict[str, Any]:
    """The tenant's awarded grants as one 360Giving package. The standard wants at least one grant in a
    package, so a province that awarded none yet has no export (404)."""
    grants = await awarded_grants(session, tenant)
    if not grants:
        raise NotFound(_("deze provincie heeft nog geen subsidies toegekend via Regie"))
    issued = (await CallRepository(session, tenant).database_clock()).astimezone(UTC)
    return rules.package(tenant, display_name(tenant), grants, issued)
