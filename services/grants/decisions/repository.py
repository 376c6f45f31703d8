from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.decisions.models import Appeal, Decision, DecisionLine, Letter, Notice
from services.grants.screening.models import Screening

class DecisionRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def brussels_today(self) -> date:
        """Today in Europe/Brussels by the database clock: the one clock every replica agrees on."""
        return await self.session.scalar(
            select(cast(func.timezone("Europe/Brussels", func.clock_timestamp()), Date)))  # type: ignore[return-value]

    async def decision_of_call(self, call_id: uuid.UUID) -> Decision | None:
        return await self.session.scalar(
            select(Decision).where(Decision.tenant == self.tenant, Decision.call_id == call_id))

    async def decision(self, decision_id: uuid.UUID) -> Decision | None:
        return await self.session.scalar(
            select(Decision).where(Decision.tenant == self.tenant, Decision.id == decision_id))

    async def application(self, application_id: uuid.UUID) -> Application | None:
        return await self.session.scalar(
            select(Application).where(Application.tenant == self.tenant, Application.id == application_id))

    async def applications_with_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Application]:
        rows = await self.session.scalars(
            select(Application).where(Application.tenant == self.tenant, Application.id.in_(list(ids))))
        return {a.id: a for a in rows}

    async def ineligible_of_call(self, call_id: uuid.UUID) -> list[tuple[Application, Screening | None]]:
        rows = await self.session.execute(
            select(Application, Screening).outerjoin(Screening, Screening.application_id == Application.id)
            .where(Application.tenant == self.tenant, Application.call_id == call_id,
                   Application.status == "ineligible").order_by(Application.id))
        return [(a, s) for a, s in rows.all()]

    async def applicant_emails(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(
            select(Application.id, Application.applicant_email).where(Application.tenant == self.tenant,
                                                          Application.id.in_(list(ids))))
        return {id: email for id, email in rows.all()}

    async def line_of_application(self, application_id: uuid.UUID) -> DecisionLine | None:
        return await self.session.scalar(
            select(DecisionLine).where(DecisionLine.tenant == self.tenant,
                                       DecisionLine.application_id == application_id))

    async def lines_of_decision(self, decision_id: uuid.UUID) -> list[DecisionLine]:
        return list((await self.session.scalars(
            select(DecisionLine).where(DecisionLine.tenant == self.tenant, DecisionLine.decision_id == decision_id)
            .order_by(DecisionLine.rank.nulls_last(), DecisionLine.application_id))).all())

    async def letter_of_application(self, application_id: uuid.UUID) -> Letter | None:
        return await self.session.scalar(
            select(Letter).where(Letter.tenant == self.tenant, Letter.application_id == application_id))

    async def appeals_of_application(self, application_id: uuid.UUID) -> list[Appeal]:
        return list((await self.session.scalars(
            select(Appeal).where(Appeal.tenant == self.tenant, Appeal.application_id == application_id)
            .order_by(Appeal.lodged_at, Appeal.id))).all())

    async def appeal_locked(self, application_id: uuid.UUID, appeal_id: uuid.UUID) -> Appeal | None:
        return await self.session.scalar(
            select(Appeal).where(Appeal.tenant == self.tenant, Appeal.application_id == application_id,
                                 Appeal.id == appeal_id).with_for_update().execution_options(populate_existing=True))

    async def add_notice_once(self, values: dict[str, Any]) -> None:
        """A notice per recipient and event: a redelivered event adds nothing."""
        await self.session.execute(
            insert(Notice).values(tenant=self.tenant, **values)
            .on_conflict_do_nothing(constraint="uq_notices_dedupe"))

    async def notices_for(self, username: str, enterprise_number: str | None, limit: int) -> list[Notice]:
        mine = (Notice.recipient_kind == "user") & (Notice.recipient == username)
        if enterprise_number:
            mine = mine | ((Notice.recipient_kind == "organisation") & (Notice.recipient == enterprise_number))
        return list((await self.session.scalars(
            select(Notice).where(Notice.tenant == self.tenant, mine)
            .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit))).all())

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)
