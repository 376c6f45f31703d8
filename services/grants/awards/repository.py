from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, cast, delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.awards.models import AwardPlan, AwardRuleRow, Indicator, Report, SentReminder, Tranche
from services.grants.awards.rules import OPEN_REPORTS, AwardRule
from services.grants.decisions.models import Decision, DecisionLine


class AwardRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def brussels_today(self) -> date:
        """Today in Europe/Brussels by the database clock: the one clock every replica agrees on."""
        return await self.session.scalar(
            select(cast(func.timezone("Europe/Brussels", func.clock_timestamp()), Date)))  # type: ignore[return-value]

    async def application_locked(self, application_id: uuid.UUID) -> Application | None:
        """Held while a plan is made, so the award event and a call manager's request make one plan."""
        return await self.session.scalar(
            select(Application).where(Application.tenant == self.tenant, Application.id == application_id)
            .with_for_update().execution_options(populate_existing=True))

    async def application(self, application_id: uuid.UUID) -> Application | None:
        return await self.session.scalar(
            select(Application).where(Application.tenant == self.tenant, Application.id == application_id))

    async def awarded_amount_and_date(self, application_id: uuid.UUID) -> tuple[int, date] | None:
        """The amount the decision awarded this application and the decision's date (decisions capability's
        decision_lines); None when it was not awarded."""
        row = (await self.session.execute(
            select(DecisionLine.amount_cents, Decision.decided_on)
            .join(Decision, Decision.id == DecisionLine.decision_id)
            .where(DecisionLine.tenant == self.tenant, DecisionLine.application_id == application_id,
                   DecisionLine.outcome == "awarded"))).first()
        return None if row is None else (int(row[0]), row[1])

    async def rule_of_call(self, call_id: uuid.UUID) -> AwardRuleRow | None:
        return await self.session.scalar(
            select(AwardRuleRow).where(AwardRuleRow.tenant == self.tenant, AwardRuleRow.call_id == call_id))

    async def rule_of_call_locked(self, call_id: uuid.UUID) -> AwardRuleRow | None:
        return await self.session.scalar(
            select(AwardRuleRow).where(AwardRuleRow.tenant == self.tenant, AwardRuleRow.call_id == call_id)
            .with_for_update().execution_options(populate_existing=True))

    async def plan(self, application_id: uuid.UUID) -> AwardPlan | None:
        return await self.session.scalar(
            select(AwardPlan).where(AwardPlan.tenant == self.tenant, AwardPlan.application_id == application_id))

    async def plan_locked(self, application_id: uuid.UUID) -> AwardPlan | None:
        return await self.session.scalar(
            select(AwardPlan).where(AwardPlan.tenant == self.tenant, AwardPlan.application_id == application_id)
            .with_for_update().execution_options(populate_existing=True))

    async def tranches_of(self, application_id: uuid.UUID) -> list[Tranche]:
        return list((await self.session.scalars(
            select(Tranche).where(Tranche.tenant == self.tenant, Tranche.application_id == application_id)
            .order_by(Tranche.position, Tranche.id))).all())

    async def indicators_of(self, application_id: uuid.UUID) -> list[Indicator]:
        return list((await self.session.scalars(
            select(Indicator).where(Indicator.tenant == self.tenant, Indicator.application_id == application_id)
            .order_by(Indicator.position, Indicator.id))).all())

    async def reports_of(self, application_id: uuid.UUID) -> list[Report]:
        return list((await self.session.scalars(
            select(Report).where(Report.tenant == self.tenant, Report.application_id == application_id)
            .order_by(Report.due_on, Report.kind))).all())

    async def report_locked(self, application_id: uuid.UUID, kind: str) -> Report | None:
        return await self.session.scalar(
            select(Report).where(Report.tenant == self.tenant, Report.application_id == application_id,
                                 Report.kind == kind)
            .with_for_update().execution_options(populate_existing=True))

    async def delete_tranches(self, ids: list[uuid.UUID]) -> None:
        if ids:
            await self.session.execute(delete(Tranche).where(Tranche.tenant == self.tenant, Tranche.id.in_(ids)))

    async def delete_indicators_of(self, application_id: uuid.UUID) -> None:
        await self.session.execute(delete(Indicator).where(Indicator.tenant == self.tenant,
                                                           Indicator.application_id == application_id))

    async def overdue_reports(self, call_id: uuid.UUID | None) -> list[tuple[Report, Application]]:
        """Awaited reports whose due date passed (Brussels today by the database clock), oldest first."""
        today = cast(func.timezone("Europe/Brussels", func.clock_timestamp()), Date)
        query = (select(Report, Application).join(Application, Application.id == Report.application_id)
                 .where(Report.tenant == self.tenant, Report.status.in_(OPEN_REPORTS), Report.due_on < today))
        if call_id is not None:
            query = query.where(Application.call_id == call_id)
        return [(r, a) for r, a in (await self.session.execute(query.order_by(Report.due_on, Report.id))).all()]

    async def payable_tranches(self, call_id: uuid.UUID | None) -> list[tuple[Tranche, Application]]:
        query = (select(Tranche, Application).join(Application, Application.id == Tranche.application_id)
                 .where(Tranche.tenant == self.tenant, Tranche.status == "payable"))
        if call_id is not None:
            query = query.where(Application.call_id == call_id)
        return [(t, a) for t, a in
                (await self.session.execute(query.order_by(Tranche.due_on.nulls_last(), Tranche.id))).all()]

    async def lock_awaited_reports(self, today: date, default_days: int,
                                   limit: int) -> list[tuple[Report, int]]:
        """Awaited reports inside their call's reminder window (or overdue), with that window in days; rows
        another replica is reminding right now are skipped (it sends them; the next round sees them sent)."""
        days = func.coalesce(AwardRuleRow.reminder_days_before, literal(default_days))
        rows = await self.session.execute(
            select(Report, days)
            .join(AwardPlan, AwardPlan.application_id == Report.application_id)
            .outerjoin(AwardRuleRow, AwardRuleRow.call_id == AwardPlan.call_id)
            .where(Report.tenant == self.tenant, Report.status.in_(OPEN_REPORTS),
                   Report.due_on - days <= today)
            .order_by(Report.due_on, Report.id).limit(limit)
            .with_for_update(of=Report, skip_locked=True))
        return [(report, int(window)) for report, window in rows.all()]

    async def reminders_sent(self, report_ids: list[uuid.UUID]) -> set[tuple[str, str]]:
        if not report_ids:
            return set()
        rows = await self.session.execute(
            select(SentReminder.report_id, SentReminder.kind)
            .where(SentReminder.tenant == self.tenant, SentReminder.report_id.in_(report_ids)))
        return {(str(report_id), kind) for report_id, kind in rows.all()}

    async def claim_reminder(self, values: dict[str, object]) -> bool:
        """Records the reminder; False when it was already recorded (then it must not go out again)."""
        inserted = await self.session.scalar(
            insert(SentReminder).values(tenant=self.tenant, **values)
            .on_conflict_do_nothing(constraint="uq_report_reminders_once").returning(SentReminder.id))
        return inserted is not None

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)


def rule_of(row: AwardRuleRow | None) -> AwardRule:
    if row is None:
        return AwardRule()
    return AwardRule(advance_bp=row.advance_bp, interim_bp=row.interim_bp, progress_at_bp=row.progress_at_bp,
                     final_months_after_end=row.final_months_after_end, reminder_days_before=row.reminder_days_before)
