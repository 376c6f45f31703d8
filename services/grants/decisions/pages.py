"""The decision's pages for the people it concerns.

On the application's page (/<tenant>/aanvragen/<id>, drawn by applications.pages) the decision section: the
outcome, the decision letter (PDF), the appeal period with its last day and the appeal form, the appeals lodged
with their status and the province's reasons; for an awarded application the follow-up (awards.pages). Lodging
an appeal is POST-redirect-GET; a refusal (the period is over, an appeal is already open) shows the page again
with the service's Dutch reason beside the form and the grounds kept.

Their notices (/<tenant>/berichten/), newest first, the unread ones marked "Nieuw", and marking them read.
Reading is marked by the person, with a button ("Alles gelezen", or per notice), never by viewing the page: a
GET changes nothing (a prefetch or a reload would otherwise clear what nobody read). "Alles gelezen" marks up to
the newest notice the page showed, so one that arrived after the page was drawn stays unread."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications import pages as application_pages
from services.grants.applications.models import Application
from services.grants.applications.policy import is_lead_applicant
from services.grants.awards import pages as award_pages
from services.grants.awards.schemas import PlanOut
from services.grants.decisions import routes, rules, service
from services.grants.decisions.schemas import AppealIn, AppealOut, ApplicationDecisionOut
from services.grants.portal import APPLICANTS, visitor
from shared.portal.forms import Form, command
from shared.portal.pages import PRIVATE, FormData, Viewer, check_csrf, undone_on_refusal
from shared.problems import Problem
from shared.storage import ObjectStore

API_LINK = re.compile(r"^/(?P<tenant>[a-z-]+)/api/grants/applications/(?P<id>[0-9a-f-]{36})(?P<rest>/[^?#]*)?$")


@dataclass(frozen=True)
class Link:
    href: str
    label: str


def portal_link(link: str, tenant: str) -> Link | None:
    """A notice links to the API (the letter, the award plan); a person follows the portal page that shows
    it. Only links into this tenant's portal are kept: never another tenant's, never another site."""
    found = API_LINK.match(link or "")
    if found is not None:
        if found["tenant"] != tenant:
            return None
        base = f"/{tenant}/aanvragen/{found['id']}"
        rest = found["rest"] or ""
        if rest == "/letter":
            return Link(f"{base}/beslissingsbrief", "Beslissingsbrief (PDF)")
        if rest.startswith(("/award-plan", "/reports")):
            return Link(f"{base}#opvolging", "Naar de opvolging van je project")
        return Link(base, "Naar de aanvraag")
    if link.startswith(f"/{tenant}/") and "/api/" not in link and "//" not in link:
        return Link(link, "Openen")
    return None


# ---- the decision section of the application's page ---------------------------------------------------------

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
    reports: list[award_pages.ReportView] = field(default_factory=list)

    @property
    def open_appeal(self) -> AppealOut | None:
        return next((a for a in self.appeals if a.status in rules.OPEN_APPEALS), None)


async def decision_section(session: AsyncSession, who: Viewer, application: Application,
                           forms: dict[str, Form]) -> DecisionSection | None:
    """The decision section of a decided application; None before the decision. Only the lead applicant
    organisation appeals and reports; co-applicants and call managers read."""
    if application.status not in (rules.AWARDED, rules.REJECTED):
        return None
    principal = who.principal
    assert principal is not None
    decision = routes.application_decision_out(
        application.id, *await service.decision_of_application(session, principal, application.id))
    appeals = [routes.appeal_out(a, last) for a, last in await service.appeals(session, principal, application.id)]
    period = appeal_period(decision)
    is_lead = is_lead_applicant(principal, application)
    section = DecisionSection(
        application_id=application.id, outcome=decision.outcome,
        amount_cents=decision.amount_cents if decision.outcome == rules.AWARDED else None, period=period,
        appeals=appeals, is_lead=is_lead, appeal_form=forms.get("appeal", Form()),
        can_appeal=is_lead and period.open and not any(a.status in rules.OPEN_APPEALS for a in appeals))
    if decision.outcome == rules.AWARDED:
        section.plan, section.reports = await award_pages.award_section(session, principal, application.id,
                                                                         is_lead, forms)
    return section


@get("/{tenant:str}/aanvragen/{application_id:uuid}/beslissingsbrief")
async def letter(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                 application_id: uuid.UUID) -> Response[bytes]:
    who = await visitor(request, session, APPLICANTS)
    assert who.principal is not None
    return routes.letter_response(*await service.letter(session, who.principal, store, application_id),
                                  headers=PRIVATE)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/beroep")
async def lodge_appeal(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                       data: FormData) -> Template | Redirect:
    who = await visitor(request, session, ("applicant",))
    assert who.principal is not None
    check_csrf(data, who)
    form = Form.posted(data)
    grounds = form.text("grounds", required="Schrijf waarom je het niet eens bent met de beslissing.",
                        max_length=20_000)
    status = 422
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.lodge_appeal(session, who.principal, application_id,
                                           command(AppealIn, {"grounds": grounds}))
        except Problem as exc:
            form.refuse_problem(exc)
            status = exc.status
        else:
            who.flash("Je beroep is ontvangen. De provincie behandelt het en laat je de uitkomst met de redenen weten.")
            return who.redirect(f"aanvragen/{application_id}#beroep")
    return await application_pages.application_page(who, session, application_id, {"appeal": form},
                                                    status_code=status)


# ---- the notices --------------------------------------------------------------------------------------------

@get("/{tenant:str}/berichten/")
async def notices(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session)
    assert who.principal is not None
    found = await service.notices(session, who.principal, limit=100)
    items = [(notice, portal_link(notice.link, who.tenant)) for notice in found]
    unread = sum(1 for notice in found if notice.read_at is None)
    # Newest first: the first one is the newest moment this page shows.
    shown_until = found[0].created_at.isoformat() if found else None
    return who.page("notices.html", {"items": items, "unread": unread, "shown_until": shown_until})


@post("/{tenant:str}/berichten/gelezen")
async def mark_all_read(request: Request[Any, Any, Any], session: AsyncSession, data: FormData) -> Redirect:
    """"Alles gelezen": what the page showed, up to its newest notice (`before`), then back to the page."""
    who = await visitor(request, session)
    assert who.principal is not None
    check_csrf(data, who)
    before = data.get("before")
    try:
        until = datetime.fromisoformat(before) if isinstance(before, str) and before else None
    except ValueError:
        until = None
    await service.mark_notices_read(session, who.principal, until)
    who.flash("Alle getoonde berichten zijn als gelezen gemarkeerd.")
    return who.redirect("berichten/")


@post("/{tenant:str}/berichten/{notice_id:uuid}/gelezen")
async def mark_read(request: Request[Any, Any, Any], notice_id: uuid.UUID, session: AsyncSession,
                    data: FormData) -> Redirect:
    who = await visitor(request, session)
    assert who.principal is not None
    check_csrf(data, who)
    await service.mark_notice_read(session, who.principal, notice_id)
    return who.redirect(f"berichten/#bericht-{notice_id}")


ROUTES = [letter, lodge_appeal, notices, mark_all_read, mark_read]
