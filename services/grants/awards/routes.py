from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.awards import rules, service
from services.grants.awards.models import AwardRuleRow, Report
from services.grants.awards.repository import rule_of
from services.grants.awards.schemas import (
    AwardRuleIn,
    AwardRuleOut,
    DueDateIn,
    FollowUpOut,
    IndicatorOut,
    IndicatorsIn,
    OverdueReportOut,
    PayableTrancheOut,
    PaymentIn,
    PlanOut,
    PlanRequest,
    ReportAttachmentOut,
    ReportIn,
    ReportOut,
    ReviewIn,
    TrancheOut,
    TranchesIn,
)
from services.grants.calls.rules import MANAGERS
from shared.auth import Principal, require_roles
from shared.downloads import stored_file
from shared.service_app import Runtime
from shared.storage import ObjectStore, ObjectStream
from shared.versioning import IfMatch, etag, expected_version

READERS = ("applicant", "partner", *MANAGERS)


def rule_out(call_id: uuid.UUID, rule: rules.AwardRule, row: AwardRuleRow | None) -> AwardRuleOut:
    return AwardRuleOut(call_id=call_id, version=row.version if row else 0, is_default=row is None,
                        **service.vars_of(rule))


def report_out(report: Report) -> ReportOut:
    a = report.attachment
    return ReportOut(
        id=report.id, kind=report.kind, kind_label=rules.REPORT_LABELS[report.kind], due_on=report.due_on,
        status=report.status, values=dict(report.values or {}), narrative=report.narrative,
        attachment=None if a is None else ReportAttachmentOut(filename=a["filename"], content_type=a["content_type"],
                                                              size_bytes=a["size_bytes"], sha256=a["sha256"]),
        submitted_by=report.submitted_by, submitted_at=report.submitted_at, reviewed_by=report.reviewed_by,
        reviewed_at=report.reviewed_at, review_reasons=report.review_reasons, version=report.version)


def plan_body(view: service.PlanView) -> PlanOut:
    plan, application = view.plan, view.application
    return PlanOut(
        application_id=plan.application_id, call_id=plan.call_id, title=application.title,
        applicant_enterprise_number=application.applicant_enterprise_number, awarded_cents=plan.awarded_cents,
        paid_cents=sum(t.amount_cents for t in view.tranches if t.status == rules.TrancheStatus.PAID),
        starts_on=plan.starts_on,
        ends_on=plan.ends_on, version=plan.version,
        tranches=[TrancheOut(id=t.id, position=t.position, kind=t.kind, kind_label=rules.KIND_LABELS[t.kind],
                             amount_cents=t.amount_cents, condition=t.condition,
                             condition_label=rules.CONDITIONS[t.condition], due_on=t.due_on, status=t.status,
                             paid_on=t.paid_on, payment_reference=t.payment_reference) for t in view.tranches],
        indicators=[IndicatorOut(id=i.id, position=i.position, name=i.name, unit=i.unit, target=str(i.target))
                    for i in view.indicators],
        reports=[report_out(r) for r in view.reports])


def plan_out(view: service.PlanView, status_code: int = 200) -> Response[PlanOut]:
    return Response(plan_body(view), status_code=status_code, headers={"ETag": etag(view.plan.version)})


def attachment_response(attachment: dict[str, Any], content: ObjectStream,
                        headers: Mapping[str, str] | None = None) -> Stream:
    """A report's attachment as a download in pieces from object storage, with its file name and content hash
    (the API's and the page's)."""
    return stored_file(content, media_type=attachment["content_type"], file_name=attachment["filename"],
                       sha256=attachment["sha256"], headers=headers)


def report_response(report: Report) -> Response[ReportOut]:
    return Response(report_out(report), headers={"ETag": etag(report.version)})


class AwardRuleController(Controller):
    """A call's rule for the payment plans and report reminders of its awarded projects."""

    path = "/{tenant:str}/calls/{call_id:uuid}/award-rule"
    tags = ["awards"]
    guards = [require_roles(*MANAGERS)]

    @get("/")
    async def rule(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> AwardRuleOut:
        return rule_out(call_id, *await service.rule(session, principal.tenant, call_id))

    @put("/")
    async def set_rule(self, call_id: uuid.UUID, data: AwardRuleIn, session: AsyncSession, principal: Principal,
                       if_match: IfMatch = None) -> Response[AwardRuleOut]:
        row = await service.set_rule(session, principal, call_id, data, expected_version(if_match))
        return Response(rule_out(call_id, rule_of(row), row), headers={"ETag": etag(row.version)})


class AwardPlanController(Controller):
    """The payment plan, indicators and reports of an awarded application."""

    path = "/{tenant:str}/applications/{application_id:uuid}"
    tags = ["awards"]

    @post("/award-plan", guards=[require_roles(*MANAGERS)])
    async def create_plan(self, application_id: uuid.UUID, session: AsyncSession, principal: Principal,
                          data: PlanRequest | None = None) -> Response[PlanOut]:
        """Makes the default plan from the call's rule (shares overridable here); an existing plan is returned
        as it is (200)."""
        view, created = await service.create_plan(session, principal, application_id, data or PlanRequest())
        return plan_out(view, 201 if created else 200)

    @get("/award-plan", guards=[require_roles(*READERS)])
    async def plan(self, application_id: uuid.UUID, session: AsyncSession, principal: Principal) -> Response[PlanOut]:
        return plan_out(await service.view(session, principal, application_id))

    @put("/award-plan/tranches", guards=[require_roles(*MANAGERS)])
    async def edit_tranches(self, application_id: uuid.UUID, data: TranchesIn, session: AsyncSession,
                            principal: Principal, if_match: IfMatch = None) -> Response[PlanOut]:
        """The whole list of tranches (keep `id` for existing ones); the total must stay the awarded amount."""
        return plan_out(await service.edit_tranches(session, principal, application_id, data,
                                                    expected_version(if_match)))

    @put("/award-plan/indicators", guards=[require_roles("applicant", *MANAGERS)])
    async def set_indicators(self, application_id: uuid.UUID, data: IndicatorsIn, session: AsyncSession,
                             principal: Principal, if_match: IfMatch = None) -> Response[PlanOut]:
        return plan_out(await service.set_indicators(session, principal, application_id, data,
                                                     expected_version(if_match)))

    @post("/award-plan/tranches/{tranche_id:uuid}/payment", guards=[require_roles(*MANAGERS)], status_code=200)
    async def mark_paid(self, application_id: uuid.UUID, tranche_id: uuid.UUID, data: PaymentIn,
                        session: AsyncSession, principal: Principal,
                        if_match: IfMatch = None) -> Response[PlanOut]:
        return plan_out(await service.mark_paid(session, principal, application_id, tranche_id, data,
                                                expected_version(if_match)))

    @put("/reports/{kind:str}", guards=[require_roles("applicant")])
    async def submit_report(self, application_id: uuid.UUID, kind: str, data: ReportIn, session: AsyncSession,
                            principal: Principal, if_match: IfMatch = None) -> Response[ReportOut]:
        """kind: progress | final. The applicant organisation's values per indicator and narrative."""
        return report_response(await service.submit_report(session, principal, application_id, kind, data,
                                                           expected_version(if_match)))

    @post("/reports/{kind:str}/attachment", guards=[require_roles("applicant")], status_code=200)
    async def upload(self, request: Request, application_id: uuid.UUID, kind: str, principal: Principal,
                     store: ObjectStore, runtime: Runtime, filename: str = Parameter()) -> Response[ReportOut]:
        """The raw file as the body, its type as Content-Type: streamed into object storage with no database
        connection held; short transactions of their own before and after."""
        return report_response(await service.upload_attachment(
            lambda: runtime.db.transaction(principal.tenant), principal, store, application_id, kind,
            filename=filename, content_type=request.headers.get("content-type", ""), chunks=request.stream()))

    @get("/reports/{kind:str}/attachment", guards=[require_roles(*READERS)])
    async def download(self, application_id: uuid.UUID, kind: str, session: AsyncSession, principal: Principal,
                       store: ObjectStore) -> Stream:
        return attachment_response(*await service.read_attachment(session, principal, store, application_id, kind))

    @post("/reports/{kind:str}/review", guards=[require_roles(*MANAGERS)], status_code=200)
    async def review(self, application_id: uuid.UUID, kind: str, data: ReviewIn, session: AsyncSession,
                     principal: Principal, if_match: IfMatch = None) -> Response[PlanOut]:
        """approved | changes-requested (with reasons); approval makes the tranches waiting for it payable."""
        return plan_out(await service.review_report(session, principal, application_id, kind, data,
                                                    expected_version(if_match)))

    @put("/reports/{kind:str}/due-date", guards=[require_roles(*MANAGERS)])
    async def change_due_date(self, application_id: uuid.UUID, kind: str, data: DueDateIn, session: AsyncSession,
                              principal: Principal, if_match: IfMatch = None) -> Response[ReportOut]:
        return report_response(await service.change_due_date(session, principal, application_id, kind, data,
                                                             expected_version(if_match)))


class FollowUpController(Controller):
    """For call managers: what needs attention after award."""

    path = "/{tenant:str}/awards/follow-up"
    tags = ["awards"]
    guards = [require_roles(*MANAGERS)]

    @get("/")
    async def follow_up(self, session: AsyncSession, principal: Principal,
                        call_id: uuid.UUID | None = Parameter(default=None, required=False)) -> FollowUpOut:
        """Reports past their due date and not (re)submitted, and tranches that are payable but not paid."""
        found = await service.follow_up(session, principal.tenant, call_id)
        return FollowUpOut(
            today=found.today,
            overdue_reports=[OverdueReportOut(application_id=a.id, call_id=a.call_id, title=a.title, kind=r.kind,
                                              due_on=r.due_on, status=r.status,
                                              days_overdue=(found.today - r.due_on).days)
                             for r, a in found.overdue],
            payable_tranches=[PayableTrancheOut(application_id=a.id, call_id=a.call_id, title=a.title,
                                                tranche_id=t.id, kind=t.kind, amount_cents=t.amount_cents,
                                                due_on=t.due_on) for t, a in found.payable])
