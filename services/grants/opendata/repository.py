from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.calls.models import Call
from services.grants.decisions.models import Decision, DecisionLine
from services.grants.opendata.rules import AwardedGrant


class OpenDataRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def awarded_grants(self) -> list[AwardedGrant]:
        rows = await self.session.execute(
            select(DecisionLine, Decision, Application, Call)
            .join(Decision, Decision.id == DecisionLine.decision_id)
            .join(Application, Application.id == DecisionLine.application_id)
            .join(Call, Call.id == Decision.call_id)
            .where(DecisionLine.tenant == self.tenant, DecisionLine.outcome == "awarded")
            .order_by(Decision.decided_on, Decision.id, DecisionLine.rank.nulls_last(), DecisionLine.application_id))
        return [AwardedGrant(
            tenant=self.tenant, application_id=str(application.id), title=application.title,
            summary=application.summary, requested_cents=application.requested_cents, amount_cents=line.amount_cents,
            decided_on=decision.decided_on, duration_months=application.duration_months,
            applicant_name=application.applicant_name,
            applicant_enterprise_number=application.applicant_enterprise_number,
            co_applicants=[(c.name, c.enterprise_number) for c in application.co_applicants],
            call_id=str(call.id), call_title=call.title, decision_reference=decision.reference)
            for line, decision, application, call in rows.all()]
