"""What an applicant organisation sees and does after the decision, on its application's page
(/<tenant>/aanvragen/<id>): the decision, the decision letter (PDF, streamed from grants), the appeal period with
its last day and the appeal form, the appeals lodged with their status and the province's reasons; and for an
awarded application the payment plan, the indicators with their targets and the progress and final reports
with their form (values per indicator, narrative, an optional attachment streamed on to grants).

The application page itself is D's (applicant.application_page); this module serves it with the decision's
context added, and templates/applicant/application.html includes templates/applicant/decision.html. Every form
is POST-redirect-GET; the service's refusals (a passed appeal period, a report already under review) are shown
in Dutch beside the form, with what was typed kept."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx
from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from services.gateway.portal import applicant
from services.gateway.portal.access import PRIVATE, Visitor, check_csrf, visitor
from services.gateway.portal.formats import BRUSSELS, DAYS, MONTHS, FormatError, number
from services.gateway.portal.forms import Form
from services.gateway.portal.grants_client import (
    Appeal, Application, ApplicationDecision, AwardPlan, GrantsClient, Indicator, Report, ServiceProblem,
)
from services.gateway.runtime import InjectedGateway
from shared.problems import NotFound

DECIDED = frozenset({"awarded", "rejected"})
OPEN_APPEALS = frozenset({"received", "under-review"})
AWAITED_REPORTS = frozenset({"due", "changes-requested"})
REPORT_KINDS = ("progress", "final")
APPEAL_STATUS = {"received": "ontvangen", "under-review": "in behandeling", "upheld": "gegrond verklaard",
                 "dismissed": "ongegrond verklaard"}
TRANCHE_STATUS = {"planned": "gepland", "payable": "betaalbaar", "paid": "betaald"}
REPORT_STATUS = {"due": "te bezorgen", "submitted": "ingediend, wacht op beoordeling", "approved": "goedgekeurd",
                 "changes-requested": "aanpassingen gevraagd"}
REPORT_LABELS = {"progress": "voortgangsrapport", "final": "eindrapport"}
PASSED_ON = ("content-type", "content-disposition", "content-length", "x-content-sha256", "etag")
"""The headers of a streamed file that the browser gets as grants sent them."""


# ---- pure: the appeal period, days, the report form ----------------------------------------------------------

def day(value: str | date | None) -> str:
    """'2026-11-22' → 'zondag 22 november 2026'. A calendar date (no time zone to convert); '—' when absent."""
    if value is None or value == "":
        return "—"
    found = value if isinstance(value, date) else date.fromisoformat(value[:10])
    return f"{DAYS[found.weekday()]} {found.day} {MONTHS[found.month - 1]} {found.year}"


def brussels_today() -> date:
    return datetime.now(BRUSSELS).date()


@dataclass(frozen=True)
class AppealPeriod:
    days: int
    last_day: date
    open: bool
    """Today (Brussels) is on or before the last day. The service judges by its own clock when an appeal comes."""


def appeal_period(decision: ApplicationDecision) -> AppealPeriod:
    """As the service states it: counted from the decision date, judged by its clock in Brussels."""
    return AppealPeriod(days=decision.appeal_days, last_day=date.fromisoformat(decision.appeal_last_day),
                        open=decision.appeal_open)


def parse_value(text: str, *, field: str) -> str:
    """What a person types for an indicator ('12,5', '1.250', '40') → the API's decimal string ('12.5',
    '1250', '40'). A comma is the decimal mark; a dot before exactly three digits groups thousands."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text.strip())
    if not cleaned:
        raise FormatError(f"Vul de waarde voor {field} in.")
    if "," in cleaned:
        whole, _, fraction = cleaned.rpartition(",")
        cleaned = f"{whole.replace('.', '')}.{fraction}" if re.fullmatch(r"\d{1,3}(\.\d{3})*|\d*", whole) else "x"
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", cleaned):
        raise FormatError(f"Schrijf de waarde voor {field} als een getal, bv. 12 of 12,5.")
    return cleaned if not cleaned.startswith(".") else f"0{cleaned}"


def value_field(indicator: Indicator) -> str:
    return f"value-{indicator.id}"


def read_report(form: Form, indicators: list[Indicator]) -> tuple[dict[str, str], str] | None:
    """The report form → (values by indicator id, narrative), or None with the messages in `form.errors`."""
    values: dict[str, str] = {}
    for indicator in indicators:
        name = f"‘{indicator.name}’"
        value = form.parsed(value_field(indicator), lambda text, n=name: parse_value(text, field=n))
        if value is not None:
            values[indicator.id] = value
    narrative = form.text("narrative", required="Beschrijf kort hoe het project loopt.", max_length=20_000)
    return (values, narrative) if form.ok else None


def report_form_of(report: Report, indicators: list[Indicator]) -> Form:
    """The form to (re)submit a report, filled with what was reported before (after changes were requested)."""
    values = {value_field(i): number(report.values[i.id]) for i in indicators if i.id in report.values}
    return Form(values=values | {"narrative": report.narrative})


# ---- what the page shows ----------------------------------------------------------------------------------

@dataclass
class ReportView:
    report: Report
    label: str
    status_label: str
    values: dict[str, str]
    """The value reported per indicator id, as people read it ('12,5')."""
    form: Form | None
    """Present when the applicant organisation can (re)submit it now."""
    waiting_for: str | None = None
    """Why the form is not offered yet (the final report waits for the progress report)."""
    first_awaited: bool = False
    """The first report the organisation still has to send: its form shows open."""


@dataclass
class AfterDecision:
    application_id: str
    outcome: str
    amount_cents: int | None
    """The awarded amount; None when rejected (or when the service did not answer)."""
    period: AppealPeriod | None
    appeals: list[Appeal]
    can_appeal: bool
    is_lead: bool
    appeal_form: Form
    plan: AwardPlan | None = None
    reports: list[ReportView] = field(default_factory=list)
    problem: str | None = None
    """A part of this section the service did not answer; the rest of the page still shows."""

    @property
    def open_appeal(self) -> Appeal | None:
        return next((a for a in self.appeals if a.status in OPEN_APPEALS), None)


def report_views(plan: AwardPlan, is_lead: bool, forms: dict[str, Form]) -> list[ReportView]:
    by_kind = {r.kind: r for r in plan.reports}
    views = []
    for report in sorted(plan.reports, key=lambda r: REPORT_KINDS.index(r.kind) if r.kind in REPORT_KINDS else 9):
        waiting_for = None
        progress = by_kind.get("progress")
        if report.kind == "final" and progress is not None and progress.status in AWAITED_REPORTS:
            waiting_for = "Dien eerst het voortgangsrapport in."
        form = None
        if is_lead and report.status in AWAITED_REPORTS and waiting_for is None:
            form = forms.get(report.kind) or report_form_of(report, plan.indicators)
        views.append(ReportView(
            report=report, label=report.kind_label or REPORT_LABELS.get(report.kind, report.kind),
            status_label=REPORT_STATUS.get(report.status, report.status),
            values={indicator_id: number(value) for indicator_id, value in report.values.items()},
            form=form, waiting_for=waiting_for))
    first = next((view for view in views if view.form is not None), None)
    if first is not None:
        first.first_awaited = True
    return views


def is_lead_applicant(who: Visitor, application: Application) -> bool:
    """Only the lead applicant organisation appeals and reports; co-applicants and call managers read."""
    return who.holds("applicant") and who.enterprise_number == application.applicant_enterprise_number


async def after_decision(who: Visitor, grants: GrantsClient, application: Application,
                         forms: dict[str, Form] | None = None) -> AfterDecision | None:
    """The decision section of a decided application; None before the decision."""
    if application.status not in DECIDED:
        return None
    forms = forms or {}
    is_lead = is_lead_applicant(who, application)
    problems: list[str] = []
    appeals: list[Appeal] = []
    decision: ApplicationDecision | None = None
    try:
        decision = await grants.application_decision(application.id)
        appeals = await grants.appeals(application.id)
    except ServiceProblem as exc:
        problems.append(exc.message)
    period = None if decision is None else appeal_period(decision)
    after = AfterDecision(
        application_id=application.id, outcome=application.status,
        amount_cents=decision.amount_cents if decision is not None and decision.outcome == "awarded" else None,
        period=period, appeals=appeals, is_lead=is_lead, appeal_form=forms.get("appeal", Form()),
        can_appeal=is_lead and period is not None and period.open
        and not any(a.status in OPEN_APPEALS for a in appeals))
    if application.status == "awarded":
        try:
            after.plan = await grants.award_plan(application.id)
        except ServiceProblem as exc:
            if not exc.is_not_found:  # not found: the plan is still being made from the award
                problems.append(exc.message)
        if after.plan is not None:
            after.reports = report_views(after.plan, is_lead, forms)
    after.problem = " ".join(problems) or None
    return after


async def page(who: Visitor, grants: GrantsClient, application_id: uuid.UUID, forms: dict[str, Form] | None = None,
               status_code: int = 200) -> Template:
    """D's application page with the decision section's context added."""
    template = await applicant.application_page(who, grants, application_id, status_code=status_code)
    context = template.context
    context["after"] = await after_decision(who, grants, context["application"], forms)
    context["day"] = day
    context["appeal_statuses"] = APPEAL_STATUS
    context["tranche_statuses"] = TRANCHE_STATUS
    return template


# ---- routes -------------------------------------------------------------------------------------------------

@get("/{tenant:str}/aanvragen/{application_id:uuid}")
async def application(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                      gateway: InjectedGateway) -> Template:
    """Serves the application page in place of applicant.application (same page, plus the decision section)."""
    who = await visitor(request, tenant, gateway, applicant.APPLICANTS)
    return await page(who, applicant.client(who, gateway), application_id)


def streamed(response: httpx.Response) -> Stream:
    """A file from grants passed on to the browser as it arrives, with its type and file name."""
    headers = {name: response.headers[name] for name in PASSED_ON if name in response.headers}
    return Stream(response.aiter_bytes(), headers=headers | PRIVATE, media_type=headers.get("content-type"),
                  background=BackgroundTask(response.aclose))


@get("/{tenant:str}/aanvragen/{application_id:uuid}/beslissingsbrief")
async def letter(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                 gateway: InjectedGateway) -> Stream:
    who = await visitor(request, tenant, gateway, applicant.APPLICANTS)
    return streamed(await applicant.client(who, gateway).letter_stream(str(application_id)))


@post("/{tenant:str}/aanvragen/{application_id:uuid}/beroep")
async def lodge_appeal(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                       gateway: InjectedGateway, data: applicant.FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = applicant.client(who, gateway)
    form = Form.posted(data)
    grounds = form.text("grounds", required="Schrijf waarom je het niet eens bent met de beslissing.",
                        max_length=20_000)
    status = 422
    if form.ok:
        try:
            await grants.lodge_appeal(str(application_id), grounds)
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields)
            status = exc.status
        else:
            who.flash("Je beroep is ontvangen. De provincie behandelt het en laat je de uitkomst met de redenen weten.")
            return Redirect(f"/{tenant}/aanvragen/{application_id}#beroep")
    return await page(who, grants, application_id, {"appeal": form}, status_code=status)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/rapporten/{kind:str}")
async def submit_report(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                        kind: FromPath[str], gateway: InjectedGateway, data: applicant.Upload) -> Template | Redirect:
    """Values per indicator and the narrative; an attached file goes to grants first (it is accepted only
    while the report is awaited), then the report, on the version just read or returned by the upload."""
    if kind not in REPORT_KINDS:
        raise NotFound("dit soort rapport bestaat niet")
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = applicant.client(who, gateway)
    form = Form.posted(data)
    upload = data.get("file")
    status = 422
    try:
        plan = await grants.award_plan(str(application_id))
        report = next((r for r in plan.reports if r.kind == kind), None)
        if report is None:
            raise NotFound("dit rapport is (nog) niet gepland")
        read = read_report(form, plan.indicators)
        if read is not None:
            version = report.version
            if isinstance(upload, UploadFile) and upload.filename:
                uploaded = await grants.upload_report_attachment(str(application_id), kind, upload.filename,
                                                                 upload.content_type, applicant.chunks(upload))
                version = uploaded.version
            await grants.submit_report(str(application_id), kind, version, *read)
            label = REPORT_LABELS[kind]
            who.flash(f"Je {label} is ingediend. De provincie beoordeelt het; je ziet hier de uitkomst.")
            return Redirect(f"/{tenant}/aanvragen/{application_id}#rapport-{kind}")
    except ServiceProblem as exc:
        form.refuse(exc.message, exc.fields, {"narrative": "narrative"})
        status = exc.status
    finally:
        if isinstance(upload, UploadFile):
            await upload.close()
    return await page(who, grants, application_id, {kind: form}, status_code=status)


@get("/{tenant:str}/aanvragen/{application_id:uuid}/rapporten/{kind:str}/bijlage")
async def report_attachment(request: Request[Any, Any, Any], tenant: FromPath[str],
                            application_id: FromPath[uuid.UUID], kind: FromPath[str],
                            gateway: InjectedGateway) -> Stream:
    if kind not in REPORT_KINDS:
        raise NotFound("dit soort rapport bestaat niet")
    who = await visitor(request, tenant, gateway, applicant.APPLICANTS)
    return streamed(await applicant.client(who, gateway).report_attachment_stream(str(application_id), kind))


ROUTES = [application, letter, lodge_appeal, submit_report, report_attachment]
