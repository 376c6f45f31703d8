"""Every query on award rules, payment plans, tranches, indicators, reports and reminders, each from the
tenant-scoped base statement."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.dialects.postgresql import insert

from services.grants.awards.models import AwardPlan, AwardRuleRow, Indicator, Report, SentReminder, Tranche
from services.grants.awards.rules import OPEN_REPORTS, AwardRule, ReminderKind
from shared.db import TenantRepository


class AwardRepository(TenantRepository):
    async def rule_of_call(self, call_id: uuid.UUID) -> AwardRuleRow | None:
        return await self.session.scalar(self.select(AwardRuleRow).where(AwardRuleRow.call_id == call_id))

    async def rule_of_call_locked(self, call_id: uuid.UUID) -> AwardRuleRow | None:
        return await self.session.scalar(
            self.select(AwardRuleRow).where(AwardRuleRow.call_id == call_id)
            .with_for_update().execution_options(populate_existing=True))

    async def plan(self, application_id: uuid.UUID) -> AwardPlan | None:
        return await self.session.scalar(self.select(AwardPlan).where(AwardPlan.application_id == application_id))

    async def plan_locked(self, application_id: uuid.UUID) -> AwardPlan | None:
        return await self.session.scalar(
            self.select(AwardPlan).where(AwardPlan.application_id == application_id)
            .with_for_update().execution_options(populate_existing=True))

    async def tranches_of(self, application_id: uuid.UUID) -> list[Tranche]:
        return list((await self.session.scalars(
            self.select(Tranche).where(Tranche.application_id == application_id)
            .order_by(Tranche.position, Tranche.id))).all())

    async def indicators_of(self, application_id: uuid.UUID) -> list[Indicator]:
        return list((await self.session.scalars(
            self.select(Indicator).where(Indicator.application_id == application_id)
            .order_by(Indicator.position, Indicator.id))).all())

    async def reports_of(self, application_id: uuid.UUID) -> list[Report]:
        return list((await self.session.scalars(
            self.select(Report).where(Report.application_id == application_id)
            .order_by(Report.due_on, Report.kind))).all())

    async def report_locked(self, application_id: uuid.UUID, kind: str) -> Report | None:
        return await self.session.scalar(
            self.select(Report).where(Report.application_id == application_id, Report.kind == kind)
            .with_for_update().execution_options(populate_existing=True))

    async def delete_tranches(self, ids: list[uuid.UUID]) -> None:
        if ids:
            await self.session.execute(self.delete(Tranche).where(Tranche.id.in_(ids)))

    async def delete_indicators_of(self, application_id: uuid.UUID) -> None:
        await self.session.execute(self.delete(Indicator).where(Indicator.application_id == application_id))

    async def overdue_reports(self, today: date, call_id: uuid.UUID | None) -> list[Report]:
        """Awaited reports whose due date lies before `today`, oldest first; of one call's plans when given."""
        query = self.select(Report).where(Report.status.in_(OPEN_REPORTS), Report.due_on < today)
        if call_id is not None:
            query = query.join(AwardPlan, AwardPlan.application_id == Report.application_id).where(
                AwardPlan.call_id == call_id)
        return list((await self.session.scalars(query.order_by(Report.due_on, Report.id))).all())

    async def payable_tranches(self, call_id: uuid.UUID | None) -> list[Tranche]:
        """Tranches waiting to be paid, by due date (undated last); of one call's plans when given."""
        query = self.select(Tranche).where(Tranche.status == "payable")
        if call_id is not None:
            query = query.join(AwardPlan, AwardPlan.application_id == Tranche.application_id).where(
                AwardPlan.call_id == call_id)
        return list((await self.session.scalars(query.order_by(Tranche.due_on.nulls_last(), Tranche.id))).all())

    def _awaited_in_window(self, today: date, default_days: int) -> Select[Any]:
        """Awaited reports inside their call's reminder window (or overdue), with that window in days, that
        have not had the reminder due today (overdue after the due date, upcoming until then): a reminded
        report is not picked again, so reminded ones never crowd out the next."""
        days = func.coalesce(AwardRuleRow.reminder_days_before, literal(default_days))
        kind_due = case((Report.due_on < today, literal(ReminderKind.OVERDUE.value)),
                        else_=literal(ReminderKind.UPCOMING.value))
        reminded = (select(SentReminder.id)
                    .where(SentReminder.report_id == Report.id, SentReminder.kind == kind_due).exists())
        return (self.select(Report, Report, days)
                .join(AwardPlan, AwardPlan.application_id == Report.application_id)
                .outerjoin(AwardRuleRow, AwardRuleRow.call_id == AwardPlan.call_id)
                .where(Report.status.in_(OPEN_REPORTS), Report.due_on - days <= today, ~reminded))

    async def reports_awaiting_reminder(self, today: date, default_days: int,
                                        limit: int) -> list[tuple[Report, int]]:
        """The first `limit` reports that need a reminder today, oldest due date first."""
        rows = await self.session.execute(
            self._awaited_in_window(today, default_days).order_by(Report.due_on, Report.id).limit(limit))
        return [(report, int(window)) for report, window in rows.all()]

    async def lock_report_awaiting_reminder(self, report_id: uuid.UUID, today: date,
                                            default_days: int) -> tuple[Report, int] | None:
        """The report, locked, when it still needs today's reminder; None when it no longer does or another
        replica is reminding it right now (that one sends it)."""
        row = (await self.session.execute(
            self._awaited_in_window(today, default_days).where(Report.id == report_id)
            .with_for_update(of=Report, skip_locked=True))).first()
        return None if row is None else (row[0], int(row[1]))

    async def reminders_sent(self, report_ids: list[uuid.UUID]) -> set[tuple[str, str]]:
        if not report_ids:
            return set()
        rows = await self.session.execute(
            self.select(SentReminder, SentReminder.report_id, SentReminder.kind)
            .where(SentReminder.report_id.in_(report_ids)))
        return {(str(report_id), kind) for report_id, kind in rows.all()}

    async def claim_reminder(self, values: dict[str, object]) -> bool:
        """Records the reminder; False when it was already recorded (then it must not go out again)."""
        inserted = await self.session.scalar(
            insert(SentReminder).values(tenant=self.tenant, **values)
            .on_conflict_do_nothing(constraint="uq_report_reminders_once").returning(SentReminder.id))
        return inserted is not None


def rule_of(row: AwardRuleRow | None) -> AwardRule:
    if row is None:
        return AwardRule()
    return AwardRule(advance_bp=row.advance_bp, interim_bp=row.interim_bp, progress_at_bp=row.progress_at_bp,
                     final_months_after_end=row.final_months_after_end, reminder_days_before=row.reminder_days_before)
