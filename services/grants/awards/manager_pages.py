"""The follow-up after award in the call manager's portal: per call, the rule for the payment plans (read and
changed on the version shown), every awarded project with its plan, the tranches to pay, the reports to review,
the overdue reports, the indicators with what was reported, and the appeals against the decision; per awarded
application, its plan with the tranches (a payment recorded on a payable one), its indicators and its reports
(approved or sent back with reasons).

Every form is POST-redirect-GET on the version the page showed (a stale one says so); on a refusal the page
comes back with the input and the Dutch reason beside the field."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.awards import routes, rules, service
from services.grants.awards.schemas import AwardRuleIn, PaymentIn, PlanOut, PlanRequest, ReviewIn
from services.grants.calls.form import parse_date, parse_percentage, percent_input
from services.grants.calls.pages import call_applications, managed_call
from services.grants.calls.rules import MANAGERS
from services.grants.decisions import routes as decision_routes
from services.grants.decisions import rules as decision_rules
from services.grants.decisions import service as decisions
from services.grants.decisions.rules import Outcome
from services.grants.decisions.schemas import AppealOut
from services.grants.portal import form_post, visitor
from shared.i18n import N_, _
from shared.portal import formats
from shared.portal.forms import Form, command, sentence
from shared.portal.pages import PRIVATE, FormData, Viewer, undone_on_refusal
from shared.problems import NotFound, PreconditionFailed, Problem
from shared.storage import ObjectStore

STALE = N_("Iemand anders wijzigde dit intussen; hieronder staat de nieuwe stand. Kijk na en probeer opnieuw.")
PERCENT_FIELDS = ("advance_bp", "interim_bp", "progress_at_bp")
"""The rule's shares, typed as percentages; the other fields are whole numbers."""
WHOLE_FIELDS: dict[str, tuple[int, int]] = {"final_months_after_end": (0, 24), "reminder_days_before": (1, 365)}
PAYMENT_FIELDS = {"paid_on": "paid_on", "payment_reference": "payment_reference"}
REVIEW_FIELDS = {"outcome": "outcome", "reasons": "reasons"}


def in_order(plan: PlanOut) -> PlanOut:
    """The plan with its reports in the order they fall due (progress, then final)."""
    plan.reports.sort(key=lambda r: list(rules.ReportKind).index(r.kind))
    return plan


def _refused(form: Form, exc: Problem, names: dict[str, str] | None = None) -> Form:
    if isinstance(exc, PreconditionFailed):
        form.message = _(STALE)
        return form
    return form.refuse_problem(exc, names)


# ---- the call's rule ------------------------------------------------------------------------------------

def rule_form(rule: rules.AwardRule) -> Form:
    values = {name: percent_input(getattr(rule, name)) for name in PERCENT_FIELDS}
    return Form(values=values | {name: str(getattr(rule, name)) for name in WHOLE_FIELDS})


def read_rule(form: Form) -> dict[str, int] | None:
    """The rule form → the API's fields, or None with the messages in `form.errors`."""
    read: dict[str, int | None] = {}
    for name in PERCENT_FIELDS:
        read[name] = form.parsed(name, partial(parse_percentage, field=f"‘{_(rules.RULE_LABELS[name])}’"))
    for name, (low, high) in WHOLE_FIELDS.items():
        read[name] = form.parsed(name, partial(formats.parse_whole_number, field=f"‘{_(rules.RULE_LABELS[name])}’",
                                               low=low, high=high))
    if not form.ok:
        return None
    return {name: value for name, value in read.items() if value is not None}


# ---- what the call's page shows -------------------------------------------------------------------------

@dataclass
class Awarded:
    """An awarded application of the call, with its plan once grants made it."""

    application_id: uuid.UUID
    title: str
    amount_cents: int
    plan: PlanOut | None


@dataclass
class IndicatorRow:
    title: str
    application_id: uuid.UUID
    name: str
    unit: str
    target: str
    reported: str | None
    """The value of the latest report that gave one (final over progress), as people read it."""
    reported_in: str | None


def indicator_rows(awarded: list[Awarded]) -> list[IndicatorRow]:
    rows = []
    for project in awarded:
        if project.plan is None:
            continue
        reported = sorted((r for r in project.plan.reports if r.values and r.status != rules.ReportStatus.DUE),
                          key=lambda r: list(rules.ReportKind).index(r.kind))
        for indicator in project.plan.indicators:
            latest = next((r for r in reversed(reported) if str(indicator.id) in r.values), None)
            rows.append(IndicatorRow(
                title=project.title, application_id=project.application_id, name=indicator.name,
                unit=indicator.unit, target=formats.decimal(indicator.target),
                reported=None if latest is None else formats.decimal(latest.values[str(indicator.id)]),
                reported_in=None if latest is None else latest.kind_label))
    return rows


async def call_appeals(session: AsyncSession, who: Viewer, call_id: uuid.UUID) -> list[AppealOut]:
    return [decision_routes.appeal_out(a, last_day)
            for a, last_day in await decisions.appeals_of_call(session, who.person, call_id)]


async def follow_up_page(who: Viewer, session: AsyncSession, call_id: uuid.UUID, rule_edit: Form | None = None,
                         status_code: int = 200) -> Template:
    call = await managed_call(session, who, call_id)
    rule, row = await service.rule(session, who.tenant, call_id)
    titles = {a.id: a.title for a in await call_applications(session, who.person, call.id)}
    awarded: list[Awarded] = []
    try:
        decision = decision_routes.decision_out(*await decisions.decision_of_call(session, who.tenant, call_id))
    except NotFound:
        decision = None
    for line in decision.lines if decision is not None else []:
        if line.outcome != Outcome.AWARDED:
            continue
        try:
            plan: PlanOut | None = in_order(routes.plan_body(await service.view(session, who.person,
                                                                                line.application_id)))
        except NotFound:
            plan = None
        awarded.append(Awarded(line.application_id, titles.get(line.application_id, str(line.application_id)),
                               line.amount_cents, plan))
    found = await service.follow_up(session, who.tenant, call_id)
    to_review = [(project, report) for project in awarded if project.plan is not None
                 for report in project.plan.reports if report.status == rules.ReportStatus.SUBMITTED]
    return who.page("province/follow_up.html", {
        "call": call, "decision": decision, "rule": rule, "rule_is_default": row is None,
        "rule_version": row.version if row is not None else 0,
        "rule_labels": {name: _(label) for name, label in rules.RULE_LABELS.items()},
        "rule_form": rule_edit or rule_form(rule), "awarded": awarded, "today": found.today,
        "payable": found.payable, "overdue": found.overdue, "to_review": to_review,
        "indicators": indicator_rows(awarded), "appeals": await call_appeals(session, who, call_id),
        "titles": titles, "kind_labels": rules.KIND_LABELS, "report_labels": rules.REPORT_LABELS,
        "report_status_labels": rules.REPORT_STATUS_LABELS, "tranche_status_labels": rules.TRANCHE_STATUS_LABELS,
        "appeal_labels": decision_rules.APPEAL_LABELS,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/opvolging")
async def follow_up(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID) -> Template:
    who = await visitor(request, session, MANAGERS)
    return await follow_up_page(who, session, call_id)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/opvolging/regel")
async def save_rule(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
                    data: FormData) -> Template | Redirect:
    """The call's rule on the version the page showed (0: the default, not stored yet)."""
    who, form = await form_post(request, session, data, MANAGERS)
    read = read_rule(form)
    if read is not None:
        try:
            async with undone_on_refusal(session):
                await service.set_rule(session, who.person, call_id, command(AwardRuleIn, read),
                                       form.version(missing=None))
        except Problem as exc:
            _refused(form, exc)
        else:
            who.flash(_("De uitbetalingsregel is bewaard. Ze geldt voor de betalingsplannen die vanaf nu gemaakt "
                      "worden."))
            return who.redirect(f"provincie/oproepen/{call_id}/opvolging#regel")
    return await follow_up_page(who, session, call_id, rule_edit=form, status_code=422)


# ---- one awarded application -------------------------------------------------------------------------------

async def plan_page(who: Viewer, session: AsyncSession, application_id: uuid.UUID,
                    forms: dict[str, Form] | None = None, problem: str | None = None,
                    status_code: int = 200) -> Template:
    try:
        view = await service.view(session, who.person, application_id)
    except NotFound:
        view = None
    plan = None if view is None else in_order(routes.plan_body(view))
    application = view.application if view is not None else await service.application_of(
        session, who.person, application_id)
    today = await service.today(session, who.tenant)
    return who.page("province/award_plan.html", {
        "application": application, "call_id": application.call_id, "plan": plan, "forms": forms or {},
        "blank_form": Form(values={"paid_on": today.isoformat()}), "problem": problem,
        "indicator_names": {str(i.id): f"{i.name} ({i.unit})" for i in plan.indicators} if plan else {},
        "reported": {r.kind: {k: formats.decimal(v) for k, v in r.values.items()} for r in plan.reports}
        if plan else {},
        "kind_labels": rules.KIND_LABELS, "condition_labels": rules.CONDITIONS,
        "tranche_status_labels": rules.TRANCHE_STATUS_LABELS, "report_status_labels": rules.REPORT_STATUS_LABELS,
        "review_outcomes": [(o, rules.REPORT_STATUS_LABELS[o]) for o in rules.REVIEW_OUTCOMES],
    }, status_code=status_code)


@get("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/opvolging")
async def award_plan(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID) -> Template:
    who = await visitor(request, session, MANAGERS)
    return await plan_page(who, session, application_id)


@post("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/opvolging/plan")
async def make_plan(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                    data: FormData) -> Template | Redirect:
    """The default plan from the call's rule, when the award event has not made it yet."""
    who, _form = await form_post(request, session, data, MANAGERS)
    try:
        async with undone_on_refusal(session):
            await service.create_plan(session, who.person, application_id, PlanRequest())
    except Problem as exc:
        return await plan_page(who, session, application_id, problem=sentence(exc.detail), status_code=exc.status)
    who.flash(_("Het betalingsplan is gemaakt volgens de uitbetalingsregel van de oproep."))
    return who.redirect(f"provincie/aanvragen/{application_id}/opvolging")


@post("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/opvolging/schijven/{tranche_id:uuid}")
async def record_payment(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                         tranche_id: uuid.UUID, data: FormData) -> Template | Redirect:
    """A payable tranche paid: the date and the payment's reference, on the plan's version the page showed."""
    who, form = await form_post(request, session, data, MANAGERS)
    paid_on: date | None = form.parsed("paid_on", parse_date)
    reference = form.text("payment_reference", required=_("Vul de referentie van de betaling in."), max_length=200)
    if form.ok and paid_on is not None:
        try:
            async with undone_on_refusal(session):
                await service.mark_paid(session, who.person, application_id, tranche_id,
                                        PaymentIn(paid_on=paid_on, payment_reference=reference),
                                        form.version(missing=None))
        except Problem as exc:
            _refused(form, exc, PAYMENT_FIELDS)
        else:
            who.flash(_("De betaling %(reference)s is geboekt.") % {"reference": reference})
            return who.redirect(f"provincie/aanvragen/{application_id}/opvolging#schijven")
    return await plan_page(who, session, application_id, {str(tranche_id): form}, status_code=422)


@post("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/opvolging/rapporten/{kind:str}")
async def review_report(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                        kind: str, data: FormData) -> Template | Redirect:
    """A submitted report approved, or sent back with the reasons, on the report's version the page showed."""
    who, form = await form_post(request, session, data, MANAGERS)
    outcome = form.text("outcome", required=_("Kies: goedkeuren of aanpassingen vragen."))
    reasons = form.text("reasons", max_length=10_000)
    if outcome == rules.ReportStatus.CHANGES_REQUESTED and not reasons:
        form.errors["reasons"] = _("Zeg wat de organisatie moet aanpassen.")
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.review_report(session, who.person, application_id, kind,
                                            ReviewIn(outcome=outcome, reasons=reasons), form.version(missing=None))
        except Problem as exc:
            _refused(form, exc, REVIEW_FIELDS)
        else:
            label = rules.REPORT_LABELS[rules.ReportKind(kind)]
            shown = {"report": _(label), "approved": _(rules.REPORT_STATUS_LABELS[rules.ReportStatus.APPROVED]),
                     "changes": _(rules.REPORT_STATUS_LABELS[rules.ReportStatus.CHANGES_REQUESTED])}
            who.flash(_("Het %(report)s is %(approved)s.") % shown if outcome == rules.ReportStatus.APPROVED
                      else _("Het %(report)s gaat terug naar de organisatie: %(changes)s.") % shown)
            return who.redirect(f"provincie/aanvragen/{application_id}/opvolging#rapporten")
    return await plan_page(who, session, application_id, {kind: form}, status_code=422)


@get("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/opvolging/rapporten/{kind:str}/bijlage")
async def report_attachment(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                            application_id: uuid.UUID, kind: str) -> Stream:
    who = await visitor(request, session, MANAGERS)
    return routes.attachment_response(
        *await service.read_attachment(session, who.person, store, application_id, kind), headers=PRIVATE)


ROUTES = [follow_up, save_rule, award_plan, make_plan, record_payment, review_report, report_attachment]
