"""The follow-up section of an awarded project on its application's page (/<tenant>/aanvragen/<id>#opvolging):
the payment plan, the indicators with their targets, and the progress and final reports with their form (a value
per indicator, the narrative, an optional attachment). applications.pages draws it (applicant/award.html, included
by applicant/decision.html); awards.pages takes the report form's post."""


from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.awards import routes, rules, service
from services.grants.awards.schemas import IndicatorOut, PlanOut, ReportOut
from shared.auth import Principal
from shared.i18n import _
from shared.portal import formats
from shared.portal.formats import FormatError
from shared.portal.forms import Form, sentence
from shared.problems import Conflict, NotFound

REPORT_FIELDS = {"narrative": "narrative"}
"""The API's field names → the report form's."""


# ---- pure: the report form ----------------------------------------------------------------------------------

def parse_value(text: str, *, field: str) -> str:
    """What a person types for an indicator ('12,5', '1.250', '40') → the API's decimal string ('12.5',
    '1250', '40'). A comma is the decimal mark; a dot before exactly three digits groups thousands."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text.strip())
    if not cleaned:
        raise FormatError(_("Vul de waarde voor %(field)s in.") % {"field": field})
    if "," in cleaned:
        whole, _comma, fraction = cleaned.rpartition(",")
        cleaned = f"{whole.replace('.', '')}.{fraction}" if re.fullmatch(r"\d{1,3}(\.\d{3})*|\d*", whole) else "x"
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", cleaned):
        raise FormatError(_("Schrijf de waarde voor %(field)s als een getal, bv. 12 of 12,5.") % {"field": field})
    return cleaned if not cleaned.startswith(".") else f"0{cleaned}"


def value_field(indicator: IndicatorOut) -> str:
    return f"value-{indicator.id}"


def read_report(form: Form, indicators: list[IndicatorOut]) -> tuple[dict[str, str], str] | None:
    """The report form → (values by indicator id, narrative), or None with the messages in `form.errors`."""
    values: dict[str, str] = {}
    for indicator in indicators:
        value = form.parsed(value_field(indicator), partial(parse_value, field=f"‘{indicator.name}’"))
        if value is not None:
            values[str(indicator.id)] = value
    narrative = form.text("narrative", required=_("Beschrijf kort hoe het project loopt."), max_length=20_000)
    return (values, narrative) if form.ok else None


def report_form_of(report: ReportOut, indicators: list[IndicatorOut]) -> Form:
    """The form to (re)submit a report, filled with what was reported before (after changes were requested)."""
    values = {value_field(i): formats.decimal(report.values[str(i.id)]) for i in indicators
              if str(i.id) in report.values}
    return Form(values=values | {"narrative": report.narrative})


# ---- what the section shows ---------------------------------------------------------------------------------

@dataclass
class ReportView:
    report: ReportOut
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


def refusal(report: ReportOut, progress: ReportOut | None) -> Conflict | None:
    """Why the report cannot be submitted now (grants' rule), or None when it can."""
    try:
        rules.check_submittable(report.kind, report.status, progress.status
                                if progress is not None and report.kind == rules.ReportKind.FINAL else None)
    except Conflict as exc:
        return exc
    return None


def report_views(plan: PlanOut, is_lead: bool, forms: dict[str, Form]) -> list[ReportView]:
    """The reports in their order (progress, then final). The lead applicant gets a form for each report it can
    submit now; an awaited report that must wait says why."""
    progress = next((r for r in plan.reports if r.kind == rules.ReportKind.PROGRESS), None)
    views = []
    order = {kind: position for position, kind in enumerate(rules.ReportKind)}
    for report in sorted(plan.reports, key=lambda r: order.get(r.kind, len(order))):
        refused = refusal(report, progress)
        waiting_for = sentence(refused.detail) if refused is not None and report.status in rules.OPEN_REPORTS \
            else None
        form = None
        if is_lead and refused is None:
            form = forms.get(report.kind) or report_form_of(report, plan.indicators)
        views.append(ReportView(
            report=report, label=report.kind_label, status_label=rules.REPORT_STATUS_LABELS[report.status],
            values={indicator_id: formats.decimal(value) for indicator_id, value in report.values.items()},
            form=form, waiting_for=waiting_for))
    first = next((view for view in views if view.form is not None), None)
    if first is not None:
        first.first_awaited = True
    return views


async def award_section(session: AsyncSession, principal: Principal, application_id: uuid.UUID, is_lead: bool,
                        forms: dict[str, Form]) -> tuple[PlanOut | None, list[ReportView]]:
    """The payment plan and the report views of an awarded application; no plan while grants is still making
    it from the award event (its consumer runs asynchronously)."""
    try:
        view = await service.view(session, principal, application_id)
    except NotFound:
        return None, []
    plan = routes.plan_body(view)
    return plan, report_views(plan, is_lead, forms)


# ---- routes -------------------------------------------------------------------------------------------------

def report_kind(kind: str) -> rules.ReportKind:
    if kind not in rules.REPORT_LABELS:
        raise NotFound(_("dit soort rapport bestaat niet"))
    return rules.ReportKind(kind)
