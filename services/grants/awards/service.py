"""After-award use cases: the call's plan rule, the payment plan of an awarded application (made when the
award event arrives or on a call manager's request, edited, paid), its indicators, the progress and final
reports (submitted by the applicant organisation, reviewed by a call manager: approval makes the tranches
that wait for it payable), and the follow-up list. Every change is audited with before and after."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.applications.policy import can_read_application, is_lead_applicant
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.rules import ApplicationStatus
from services.grants.awards import rules
from services.grants.awards.models import AwardPlan, AwardRuleRow, Indicator, Report, Tranche
from services.grants.awards.repository import AwardRepository, rule_of
from services.grants.awards.schemas import (
    AwardRuleIn,
    DueDateIn,
    IndicatorsIn,
    PaymentIn,
    PlanRequest,
    ReportIn,
    ReviewIn,
    TranchesIn,
)
from services.grants.calls.repository import CallRepository
from services.grants.calls.rules import MANAGERS
from services.grants.decisions.repository import DecisionRepository
from services.grants.events.published import TranchePaidV1
from shared.audit import record
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.events.outbox import stage
from shared.i18n import _
from shared.ids import uuid7
from shared.problems import Conflict, Forbidden, Invalid, NotFound
from shared.storage import DOCUMENTS, ObjectStore, ObjectStream
from shared.versioning import check_version


@dataclass(frozen=True)
class PlanView:
    application: Application
    plan: AwardPlan
    tranches: list[Tranche]
    indicators: list[Indicator]
    reports: list[Report]


# --- the call's rule --------------------------------------------------------------------------------------


async def rule(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> tuple[rules.AwardRule, AwardRuleRow | None]:
    if await CallRepository(session, tenant).get(call_id) is None:
        raise NotFound(_("deze oproep bestaat niet"))
    row = await AwardRepository(session, tenant).rule_of_call(call_id)
    return rule_of(row), row


async def set_rule(session: AsyncSession, principal: Principal, call_id: uuid.UUID, command: AwardRuleIn,
                   expected: int | None) -> AwardRuleRow:
    """Applies to plans made from now on; existing plans keep their tranches (edit them one by one)."""
    tenant = principal.tenant
    if await CallRepository(session, tenant).get(call_id) is None:
        raise NotFound(_("deze oproep bestaat niet"))
    new = rules.AwardRule(**{f: getattr(command, f) for f in command.__struct_fields__})
    rules.check_rule(new)
    repository = AwardRepository(session, tenant)
    row = await repository.rule_of_call_locked(call_id)
    before = None
    if row is None:
        row = AwardRuleRow(call_id=call_id, tenant=tenant, version=1, **vars_of(new))
        repository.add(row)
    else:
        check_version(row.version, expected, _("de uitbetalingsregel"))
        before = vars_of(rule_of(row))
        for name, value in vars_of(new).items():
            setattr(row, name, value)
        row.version += 1
    record(session, tenant=tenant, actor=principal.username, action="award_rule.set", entity="call",
           entity_id=call_id, before=before, after=vars_of(new))
    await session.flush()
    return row


def vars_of(rule: rules.AwardRule) -> dict[str, int]:
    return dict(vars(rule))


# --- the plan ---------------------------------------------------------------------------------------------


async def ensure_plan(session: AsyncSession, tenant: str, application_id: uuid.UUID, *, actor: str,
                      request: PlanRequest | None = None) -> tuple[AwardPlan, bool]:
    """The application's plan, made from the call's rule when it has none yet: (plan, created). The
    application row is held meanwhile, so the award event and a call manager's request make one plan."""
    repository = AwardRepository(session, tenant)
    application = await ApplicationRepository(session, tenant).lock(application_id)
    if application is None:
        raise NotFound(_("deze aanvraag bestaat niet"))
    existing = await repository.plan(application_id)
    if existing is not None:
        return existing, False
    awarded = await DecisionRepository(session, tenant).award_of_application(application_id)
    if application.status != ApplicationStatus.AWARDED or awarded is None:
        raise Conflict(_("een betalingsplan hoort bij een toegekende aanvraag"), status_now=application.status)
    amount, decided_on = awarded
    call_rule = rule_of(await repository.rule_of_call(application.call_id))
    request = request or PlanRequest()
    overrides = {"advance_bp": request.advance_bp, "interim_bp": request.interim_bp}
    call_rule = replace(call_rule, **{name: value for name, value in overrides.items() if value is not None})
    rules.check_rule(call_rule)
    dates = rules.schedule(request.starts_on or decided_on, application.duration_months, call_rule)
    plan = AwardPlan(application_id=application.id, tenant=tenant, call_id=application.call_id,
                     awarded_cents=amount, starts_on=dates.starts_on, ends_on=dates.ends_on, created_by=actor,
                     version=1)
    repository.add(plan)
    await session.flush()
    tranches = [Tranche(id=uuid7(), tenant=tenant, application_id=application.id, position=position,
                        kind=draft.kind, amount_cents=draft.amount_cents, condition=draft.condition,
                        due_on=draft.due_on, status=rules.tranche_status(draft.condition, ()))
                for position, draft in enumerate(rules.default_plan(amount, dates, call_rule), start=1)]
    reports = [Report(id=uuid7(), tenant=tenant, application_id=application.id, kind=kind, due_on=due_on,
                      status=rules.ReportStatus.DUE, values={}, version=1)
               for kind, due_on in ((rules.ReportKind.PROGRESS, dates.progress_due_on),
                                    (rules.ReportKind.FINAL, dates.final_due_on))]
    repository.add(*tranches, *reports)
    record(session, tenant=tenant, actor=actor, action="award_plan.created", entity="application",
           entity_id=application.id, before=None,
           after={"awarded_cents": amount, "starts_on": dates.starts_on.isoformat(),
                  "ends_on": dates.ends_on.isoformat(), "rule": vars_of(call_rule),
                  "tranches": [tranche_state(t) for t in tranches],
                  "reports": {r.kind: r.due_on.isoformat() for r in reports}})
    await session.flush()
    return plan, True


async def _visible(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> Application:
    application = await ApplicationRepository(session, principal.tenant).get(application_id)
    if application is None or not await can_read_application(session, principal, application):
        raise NotFound(_("deze aanvraag bestaat niet"))
    return application


async def _lead(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> Application:
    application = await _visible(session, principal, application_id)
    if not is_lead_applicant(principal, application):
        raise Forbidden(_("enkel de aanvragende organisatie dient rapporten in"))
    return application


async def application_of(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> Application:
    """The application a plan is (or will be) for, if the person may see it."""
    return await _visible(session, principal, application_id)


async def today(session: AsyncSession, tenant: str) -> date:
    """Brussels today by the database clock: what payments and due dates are judged against."""
    return await CallRepository(session, tenant).brussels_today()


async def view(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> PlanView:
    application = await _visible(session, principal, application_id)
    return await _view_of(session, principal.tenant, application)


async def _view_of(session: AsyncSession, tenant: str, application: Application) -> PlanView:
    repository = AwardRepository(session, tenant)
    plan = await repository.plan(application.id)
    if plan is None:
        raise NotFound(_("deze aanvraag heeft (nog) geen betalingsplan"))
    return PlanView(application, plan, await repository.tranches_of(application.id),
                    await repository.indicators_of(application.id), await repository.reports_of(application.id))


async def create_plan(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                      request: PlanRequest) -> tuple[PlanView, bool]:
    await _visible(session, principal, application_id)
    _plan, created = await ensure_plan(session, principal.tenant, application_id, actor=principal.username,
                                   request=request)
    return await view(session, principal, application_id), created


async def _locked_plan(session: AsyncSession, tenant: str, application_id: uuid.UUID,
                       expected: int | None) -> AwardPlan:
    plan = await AwardRepository(session, tenant).plan_locked(application_id)
    if plan is None:
        raise NotFound(_("deze aanvraag heeft (nog) geen betalingsplan"))
    check_version(plan.version, expected, _("het betalingsplan"))
    return plan


def tranche_state(t: Tranche) -> dict[str, Any]:
    return {"id": str(t.id), "kind": t.kind, "amount_cents": t.amount_cents, "condition": t.condition,
            "due_on": t.due_on.isoformat() if t.due_on else None, "status": t.status}


def _state_of(t: Tranche) -> rules.TrancheState:
    return rules.TrancheState(str(t.id), t.kind, t.amount_cents, t.condition, t.due_on, t.status)


async def edit_tranches(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                        command: TranchesIn, expected: int | None) -> PlanView:
    """Replaces the plan's tranches: paid ones stay as they are, the total stays the awarded amount."""
    tenant = principal.tenant
    application = await _visible(session, principal, application_id)
    plan = await _locked_plan(session, tenant, application_id, expected)
    repository = AwardRepository(session, tenant)
    current = await repository.tranches_of(application_id)
    proposed = [rules.TrancheState(str(t.id) if t.id else "", t.kind, t.amount_cents, t.condition, t.due_on, "")
                for t in command.tranches]
    rules.check_edit(plan.awarded_cents, [_state_of(t) for t in current], proposed)
    approved = [r.kind for r in await repository.reports_of(application_id) if r.status == rules.ReportStatus.APPROVED]
    before = [tranche_state(t) for t in current]
    by_id = {t.id: t for t in current}
    kept = {t.id for t in command.tranches if t.id}
    await repository.delete_tranches([t.id for t in current if t.id not in kept])
    after: list[Tranche] = []
    for position, change in enumerate(command.tranches, start=1):
        tranche = by_id.get(change.id) if change.id else None
        if tranche is None:
            tranche = Tranche(id=uuid7(), tenant=tenant, application_id=application_id,
                              status=rules.TrancheStatus.PLANNED)
            repository.add(tranche)
        # check_edit refused any kind or condition that is not one of these
        kind, condition = rules.TrancheKind(change.kind), rules.TrancheCondition(change.condition)
        tranche.position, tranche.kind, tranche.amount_cents = position, kind, change.amount_cents
        tranche.condition, tranche.due_on = condition, change.due_on
        if tranche.status != rules.TrancheStatus.PAID:
            tranche.status = rules.tranche_status(condition, approved)
        after.append(tranche)
    plan.version += 1
    record(session, tenant=tenant, actor=principal.username, action="award_plan.tranches_changed",
           entity="application", entity_id=application_id, before={"tranches": before},
           after={"tranches": [tranche_state(t) for t in after]}, reasons=command.reasons.strip())
    await session.flush()
    return await _view_of(session, tenant, application)


async def set_indicators(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                         command: IndicatorsIn, expected: int | None) -> PlanView:
    """The project's indicators with their targets, by a call manager or the applicant organisation, as long
    as no report was submitted against them."""
    tenant = principal.tenant
    application = await _visible(session, principal, application_id)
    if not (principal.has_any(MANAGERS) or is_lead_applicant(principal, application)):
        raise Forbidden(_("indicatoren worden vastgelegd door de dienst of de aanvragende organisatie"))
    drafts = [rules.IndicatorDraft(i.name.strip(), i.unit.strip(), rules.parse_decimal(i.target, "target"))
              for i in command.indicators]
    rules.check_indicators(drafts)
    plan = await _locked_plan(session, tenant, application_id, expected)
    repository = AwardRepository(session, tenant)
    if any(r.status != rules.ReportStatus.DUE for r in await repository.reports_of(application_id)):
        raise Conflict(_("er werd al gerapporteerd op de indicatoren; ze kunnen niet meer wijzigen"))
    before = [{"name": i.name, "unit": i.unit, "target": str(i.target)}
              for i in await repository.indicators_of(application_id)]
    await repository.delete_indicators_of(application_id)
    repository.add(*[Indicator(id=uuid7(), tenant=tenant, application_id=application_id, position=position,
                               name=d.name, unit=d.unit, target=d.target)
                     for position, d in enumerate(drafts, start=1)])
    plan.version += 1
    record(session, tenant=tenant, actor=principal.username, action="award_plan.indicators_set",
           entity="application", entity_id=application_id, before={"indicators": before},
           after={"indicators": [{"name": d.name, "unit": d.unit, "target": str(d.target)} for d in drafts]})
    await session.flush()
    return await _view_of(session, tenant, application)


async def mark_paid(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                    tranche_id: uuid.UUID, command: PaymentIn, expected: int | None) -> PlanView:
    tenant = principal.tenant
    application = await _visible(session, principal, application_id)
    plan = await _locked_plan(session, tenant, application_id, expected)
    repository = AwardRepository(session, tenant)
    tranche = next((t for t in await repository.tranches_of(application_id) if t.id == tranche_id), None)
    if tranche is None:
        raise NotFound(_("deze schijf hoort niet bij dit betalingsplan"))
    rules.check_payment(tranche.status, tranche.kind, command.payment_reference)
    if command.paid_on > await CallRepository(session, tenant).brussels_today():
        raise Invalid(_("de betaaldatum ligt in de toekomst"), field="paid_on")
    before = tranche_state(tranche)
    tranche.status, tranche.paid_on = rules.TrancheStatus.PAID, command.paid_on
    tranche.payment_reference, tranche.paid_by = command.payment_reference.strip(), principal.username
    plan.version += 1
    record(session, tenant=tenant, actor=principal.username, action="tranche.paid", entity="application",
           entity_id=application_id, before=before,
           after={**tranche_state(tranche), "paid_on": command.paid_on.isoformat(),
                  "payment_reference": tranche.payment_reference})
    stage(session, TranchePaidV1(
        application_id=str(application.id), tranche=tranche.position, amount_cents=tranche.amount_cents,
        paid_on=command.paid_on.isoformat(), applicant_enterprise_number=application.applicant_enterprise_number,
        co_applicant_enterprise_numbers=[c.enterprise_number for c in application.co_applicants],
    ), tenant=tenant, subject=str(application.id))
    await session.flush()
    return await _view_of(session, tenant, application)


# --- reports ----------------------------------------------------------------------------------------------


def _report_kind(kind: str) -> rules.ReportKind:
    if kind not in rules.REPORT_LABELS:
        raise NotFound(_("onbekend rapport %(kind)r; er zijn: %(kinds)s")
                       % {"kind": kind, "kinds": ", ".join(rules.ReportKind)})
    return rules.ReportKind(kind)


async def _locked_report(session: AsyncSession, tenant: str, application_id: uuid.UUID, kind: str,
                         expected: int | None) -> Report:
    report_kind = _report_kind(kind)
    report = await AwardRepository(session, tenant).report_locked(application_id, report_kind)
    if report is None:
        raise NotFound(_("deze aanvraag heeft (nog) geen betalingsplan met rapporten"))
    check_version(report.version, expected, _("het %(report)s") % {"report": _(rules.REPORT_LABELS[report_kind])})
    return report


async def submit_report(session: AsyncSession, principal: Principal, application_id: uuid.UUID, kind: str,
                        command: ReportIn, expected: int | None) -> Report:
    """The applicant organisation's values per indicator and narrative; submitting again is possible only
    after the call manager asked for changes."""
    tenant = principal.tenant
    await _lead(session, principal, application_id)
    report = await _locked_report(session, tenant, application_id, kind, expected)
    repository = AwardRepository(session, tenant)
    progress = None
    if report.kind == rules.ReportKind.FINAL:
        progress = next((r.status for r in await repository.reports_of(application_id)
                         if r.kind == rules.ReportKind.PROGRESS), None)
    rules.check_submittable(report.kind, report.status, progress)
    values = {str(v.indicator_id): rules.parse_decimal(v.value, "value") for v in command.values}
    if len(values) != len(command.values):
        raise Invalid(_("een indicator staat twee keer in het rapport"), field="values")
    indicators = await repository.indicators_of(application_id)
    rules.check_report([str(i.id) for i in indicators], values, command.narrative)
    before = {"status": report.status}
    report.values = {k: str(v) for k, v in values.items()}
    report.narrative = command.narrative.strip()
    report.status = rules.ReportStatus.SUBMITTED
    report.submitted_by = principal.username
    report.submitted_at = await CallRepository(session, tenant).database_clock()
    report.version += 1
    record(session, tenant=tenant, actor=principal.username, action=f"report.{kind}.submitted",
           entity="application", entity_id=application_id, before=before,
           after={"status": rules.ReportStatus.SUBMITTED, "values": report.values, "narrative": report.narrative,
                  "attachment": (report.attachment or {}).get("sha256")})
    await session.flush()
    return report


def _check_attachable(report: Report) -> None:
    if report.status not in rules.OPEN_REPORTS:
        raise Conflict(_("het %(report)s is al ingediend; een bijlage kan niet meer wijzigen")
                       % {"report": _(rules.REPORT_LABELS[report.kind])},
                       status_now=report.status)


async def upload_attachment(units: UnitOfWork, principal: Principal, store: ObjectStore,
                            application_id: uuid.UUID, kind: str, *, filename: str, content_type: str,
                            chunks: AsyncIterable[bytes]) -> Report:
    """One optional attachment per report, streamed through the storage checks; a new one replaces it
    while the report is still awaited. A short read judges it, the bytes go to object storage with no unit of
    work open, and a short write records it on the locked report, judged again; a refused record removes the
    stored object."""
    tenant = principal.tenant
    filename = filename.strip().replace("/", "_").replace("\\", "_")
    async with units() as session:
        await _lead(session, principal, application_id)
        report_kind = _report_kind(kind)
        report = next((r for r in await AwardRepository(session, tenant).reports_of(application_id)
                       if r.kind == report_kind), None)
        if report is None:
            raise NotFound(_("deze aanvraag heeft (nog) geen betalingsplan met rapporten"))
        _check_attachable(report)
        if not filename:
            raise Invalid(_("geef de bestandsnaam (?filename=…)"), field="filename")
        report_id = report.id
    stored = await store.upload(chunks, tenant=tenant, aggregate="award-reports", aggregate_id=str(report_id),
                                filename=filename, claimed_type=content_type, accepted=DOCUMENTS)
    async with store.removed_unless_kept(stored.key) as upload:
        async with units() as session:
            await _lead(session, principal, application_id)
            report = await _locked_report(session, tenant, application_id, kind, None)
            _check_attachable(report)
            before = report.attachment
            report.attachment = {"object_key": stored.key, "filename": stored.filename,
                                 "content_type": stored.content_type, "size_bytes": stored.size,
                                 "sha256": stored.sha256}
            report.version += 1
            record(session, tenant=tenant, actor=principal.username, action=f"report.{kind}.attachment",
                   entity="application", entity_id=application_id,
                   before=None if before is None else {k: before[k] for k in ("filename", "sha256")},
                   after={"filename": stored.filename, "sha256": stored.sha256, "size_bytes": stored.size})
            await session.flush()
            upload.kept = True
    return report


async def read_attachment(session: AsyncSession, principal: Principal, store: ObjectStore,
                          application_id: uuid.UUID, kind: str) -> tuple[dict[str, Any], ObjectStream]:
    await _visible(session, principal, application_id)
    report = next((r for r in await AwardRepository(session, principal.tenant).reports_of(application_id)
                   if r.kind == _report_kind(kind)), None)
    if report is None or report.attachment is None:
        raise NotFound(_("dit rapport heeft geen bijlage"))
    return report.attachment, await store.stream(report.attachment["object_key"], principal.tenant)


async def review_report(session: AsyncSession, principal: Principal, application_id: uuid.UUID, kind: str,
                        command: ReviewIn, expected: int | None) -> PlanView:
    """approved | changes-requested, with reasons. Approval makes every unpaid tranche that waits for this
    report payable (the balance after the final report, an interim after the progress report)."""
    tenant = principal.tenant
    application = await _visible(session, principal, application_id)
    plan = await _locked_plan(session, tenant, application_id, None)
    report = await _locked_report(session, tenant, application_id, kind, expected)
    report.status = rules.check_review(report.status, command.outcome, command.reasons)
    report.reviewed_by = principal.username
    report.reviewed_at = await CallRepository(session, tenant).database_clock()
    report.review_reasons = command.reasons.strip()
    report.version += 1
    record(session, tenant=tenant, actor=principal.username, action=f"report.{kind}.{command.outcome}",
           entity="application", entity_id=application_id, before={"status": rules.ReportStatus.SUBMITTED},
           after={"status": command.outcome}, reasons=report.review_reasons)
    if command.outcome == rules.ReportStatus.APPROVED:
        repository = AwardRepository(session, tenant)
        approved = [r.kind for r in await repository.reports_of(application_id)
                    if r.status == rules.ReportStatus.APPROVED]
        for tranche in await repository.tranches_of(application_id):
            status = rules.tranche_status(tranche.condition, approved)
            if tranche.status == rules.TrancheStatus.PLANNED and status == rules.TrancheStatus.PAYABLE:
                before = tranche_state(tranche)
                tranche.status = status
                record(session, tenant=tenant, actor=principal.username, action="tranche.payable",
                       entity="application", entity_id=application_id, before=before, after=tranche_state(tranche),
                       reasons=f"{rules.REPORT_LABELS[report.kind]} goedgekeurd")
        plan.version += 1
    await session.flush()
    return await _view_of(session, tenant, application)


async def change_due_date(session: AsyncSession, principal: Principal, application_id: uuid.UUID, kind: str,
                          command: DueDateIn, expected: int | None) -> Report:
    """A call manager moves a report's due date (an extension, or an earlier one), with reasons."""
    tenant = principal.tenant
    await _visible(session, principal, application_id)
    if not command.reasons.strip():
        raise Invalid(_("zeg waarom de vervaldag verschuift"), field="reasons")
    report = await _locked_report(session, tenant, application_id, kind, expected)
    if report.status == rules.ReportStatus.APPROVED:
        raise Conflict(_("het %(report)s is al goedgekeurd") % {"report": _(rules.REPORT_LABELS[report.kind])},
                       status_now=report.status)
    before = {"due_on": report.due_on.isoformat()}
    report.due_on = command.due_on
    report.version += 1
    record(session, tenant=tenant, actor=principal.username, action=f"report.{kind}.due_date_changed",
           entity="application", entity_id=application_id, before=before,
           after={"due_on": command.due_on.isoformat()}, reasons=command.reasons.strip())
    await session.flush()
    return report


@dataclass(frozen=True)
class FollowUp:
    today: date
    overdue: list[tuple[Report, Application]]
    payable: list[tuple[Tranche, Application]]


async def follow_up(session: AsyncSession, tenant: str, call_id: uuid.UUID | None) -> FollowUp:
    """Reports overdue (Brussels today by the database clock) and tranches payable, each with its application."""
    repository = AwardRepository(session, tenant)
    today = await CallRepository(session, tenant).brussels_today()
    overdue = await repository.overdue_reports(today, call_id)
    payable = await repository.payable_tranches(call_id)
    applications = await ApplicationRepository(session, tenant).with_ids(
        {r.application_id for r in overdue} | {t.application_id for t in payable})
    return FollowUp(today, [(r, applications[r.application_id]) for r in overdue],
                    [(t, applications[t.application_id]) for t in payable])

