"""The decision section of the application's page (/<tenant>/aanvragen/<id>, drawn by applications.pages): the
outcome, the decision letter, the appeal period with its last day and the appeal form, the appeals lodged with
their status and the province's reasons; for an awarded application the follow-up (awards.section)."""


from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.applications.policy import is_lead_applicant
from services.grants.applications.rules import DECIDED
from services.grants.awards import section as award_section
from services.grants.awards.schemas import PlanOut
from services.grants.decisions import routes, rules, service
from services.grants.decisions.schemas import AppealOut, ApplicationDecisionOut
from shared.portal.forms import Form
from shared.portal.pages import Viewer


@dataclass(frozen=True)
class AppealPeriod:
    days: int
    last_day: date
    open: bool
    """Today (Brussels) is on or before the last day. The service judges by its own clock when an appeal comes."""


def appeal_period(decision: ApplicationDecisionOut) -> AppealPeriod:
    """As the service states it: counted from the decision date, judged by its clock in Brussels."""
    return AppealPeriod(days=decision.appeal_days, last_day=decision.appeal_last_day, open=decision.appeal_open)


@dataclass
class DecisionSection:
    application_id: uuid.UUID
    outcome: str
    amount_cents: int | None
    """The awarded amount; None when rejected."""
    period: AppealPeriod
    appeals: list[AppealOut]
    can_appeal: bool
    is_lead: bool
    appeal_form: Form
    plan: PlanOut | None = None
    """The payment plan of an awarded application; None before grants made it (or when rejected)."""
    reports: list[award_section.ReportView] = field(default_factory=list)

    @property
    def open_appeal(self) -> AppealOut | None:
        return next((a for a in self.appeals if a.status in rules.OPEN_APPEALS), None)


async def decision_section(session: AsyncSession, who: Viewer, application: Application,
                           forms: dict[str, Form]) -> DecisionSection | None:
    """The decision section of a decided application; None before the decision. Only the lead applicant
    organisation appeals and reports; co-applicants and call managers read."""
    if application.status not in DECIDED:
        return None
    principal = who.person
    assert principal is not None
    decision = routes.application_decision_out(
        application.id, *await service.decision_of_application(session, principal, application.id))
    appeals = [routes.appeal_out(a, last) for a, last in await service.appeals(session, principal, application.id)]
    period = appeal_period(decision)
    is_lead = is_lead_applicant(principal, application)
    section = DecisionSection(
        application_id=application.id, outcome=decision.outcome,
        amount_cents=decision.amount_cents if decision.outcome == rules.Outcome.AWARDED else None, period=period,
        appeals=appeals, is_lead=is_lead, appeal_form=forms.get("appeal", Form()),
        can_appeal=is_lead and period.open and not any(a.status in rules.OPEN_APPEALS for a in appeals))
    if decision.outcome == rules.Outcome.AWARDED:
        section.plan, section.reports = await award_section.award_section(session, principal, application.id,
                                                                         is_lead, forms)
    return section
