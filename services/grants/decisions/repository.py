"""Every query on decisions, their lines, letters, appeals and notices, each from the tenant-scoped base
statement."""

from __future__ import annotations

import uuid
from datetime import date

from services.grants.decisions.models import Appeal, Decision, DecisionLine, Letter
from shared.db import TenantRepository


class DecisionRepository(TenantRepository):
    async def decision_of_call(self, call_id: uuid.UUID) -> Decision | None:
        return await self.session.scalar(self.select(Decision).where(Decision.call_id == call_id))

    async def decision(self, decision_id: uuid.UUID) -> Decision | None:
        return await self.session.scalar(self.select(Decision).where(Decision.id == decision_id))

    async def line_of_application(self, application_id: uuid.UUID) -> DecisionLine | None:
        return await self.session.scalar(
            self.select(DecisionLine).where(DecisionLine.application_id == application_id))

    async def lines_of_decision(self, decision_id: uuid.UUID) -> list[DecisionLine]:
        return list((await self.session.scalars(
            self.select(DecisionLine).where(DecisionLine.decision_id == decision_id)
            .order_by(DecisionLine.rank.nulls_last(), DecisionLine.application_id))).all())

    async def award_of_application(self, application_id: uuid.UUID) -> tuple[int, date] | None:
        """The amount the decision awarded this application and the decision's date; None when it was not
        awarded."""
        row = (await self.session.execute(
            self.select(DecisionLine, DecisionLine.amount_cents, Decision.decided_on)
            .join(Decision, Decision.id == DecisionLine.decision_id)
            .where(DecisionLine.application_id == application_id, DecisionLine.outcome == "awarded"))).first()
        return None if row is None else (int(row[0]), row[1])

    async def awarded_lines(self) -> list[tuple[DecisionLine, Decision]]:
        """Every awarded line with its decision, by decision date, then rank."""
        rows = await self.session.execute(
            self.select(DecisionLine, DecisionLine, Decision)
            .join(Decision, Decision.id == DecisionLine.decision_id)
            .where(DecisionLine.outcome == "awarded")
            .order_by(Decision.decided_on, Decision.id, DecisionLine.rank.nulls_last(), DecisionLine.application_id))
        return [(line, decision) for line, decision in rows.all()]

    async def letter_of_application(self, application_id: uuid.UUID) -> Letter | None:
        return await self.session.scalar(self.select(Letter).where(Letter.application_id == application_id))

    async def appeals_of_application(self, application_id: uuid.UUID) -> list[Appeal]:
        return list((await self.session.scalars(
            self.select(Appeal).where(Appeal.application_id == application_id)
            .order_by(Appeal.lodged_at, Appeal.id))).all())

    async def appeals_of_call(self, call_id: uuid.UUID) -> list[tuple[Appeal, Decision]]:
        """Every appeal against the call's decision with that decision, oldest first."""
        rows = await self.session.execute(
            self.select(Appeal, Appeal, Decision).join(Decision, Decision.id == Appeal.decision_id)
            .where(Decision.call_id == call_id).order_by(Appeal.lodged_at, Appeal.id))
        return [(appeal, decision) for appeal, decision in rows.all()]

    async def appeal_locked(self, application_id: uuid.UUID, appeal_id: uuid.UUID) -> Appeal | None:
        return await self.session.scalar(
            self.select(Appeal).where(Appeal.application_id == application_id, Appeal.id == appeal_id)
            .with_for_update().execution_options(populate_existing=True))

