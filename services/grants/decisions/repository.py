from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, select, update
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

    @staticmethod
    def _mine(username: str, enterprise_number: str | None) -> ColumnElement[bool]:
        """The notices a person may see and mark: their own, and their organisation's."""
        mine = (Notice.recipient_kind == "user") & (Notice.recipient == username)
        if enterprise_number:
            mine = mine | ((Notice.recipient_kind == "organisation") & (Notice.recipient == enterprise_number))
        return mine

    async def notices_for(self, username: str, enterprise_number: str | None, limit: int,
                          unread_only: bool = False) -> list[Notice]:
        """One notice per event (the person's copy and their organisation's are one), newest first. An event
        counts as unread while any of the person's copies is: the copy shown is then an unread one."""
        mine = self._mine(username, enterprise_number)
        if unread_only:
            mine = mine & Notice.read_at.is_(None)
        one_per_event = (
            select(Notice.id).where(Notice.tenant == self.tenant, mine).distinct(Notice.dedupe_key)
            .order_by(Notice.dedupe_key, Notice.read_at.is_(None).desc(), Notice.created_at.desc(), Notice.id.desc())
            .subquery())
        return list((await self.session.scalars(
            select(Notice).where(Notice.tenant == self.tenant, Notice.id.in_(select(one_per_event.c.id)))
            .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit))).all())

    async def unread_count_for(self, username: str, enterprise_number: str | None) -> int:
        """Events with an unread copy for this person: what the list's unread filter would show."""
        return await self.session.scalar(
            select(func.count(func.distinct(Notice.dedupe_key)))
            .where(Notice.tenant == self.tenant, self._mine(username, enterprise_number),
                   Notice.read_at.is_(None))) or 0

    async def notice_for(self, notice_id: uuid.UUID, username: str, enterprise_number: str | None) -> Notice | None:
        """The notice, when this person may see it (the list's rule); None for anyone else's."""
        return await self.session.scalar(
            select(Notice).where(Notice.tenant == self.tenant, Notice.id == notice_id,
                                 self._mine(username, enterprise_number)))

    async def mark_notices_read(self, username: str, enterprise_number: str | None, *,
                                dedupe_key: str | None = None, created_until: datetime | None = None) -> int:
        """Marks the person's unread copies read, by event: one event (`dedupe_key`), or every event with a copy
        created at or before `created_until` (every event when None). Returns the events newly marked. Rows
        already read keep their first read time (a retry changes nothing)."""
        mine = self._mine(username, enterprise_number)
        events = select(Notice.dedupe_key).where(Notice.tenant == self.tenant, mine)
        if dedupe_key is not None:
            events = events.where(Notice.dedupe_key == dedupe_key)
        if created_until is not None:
            events = events.where(Notice.created_at <= created_until)
        marked = await self.session.scalars(
            update(Notice).where(Notice.tenant == self.tenant, mine, Notice.read_at.is_(None),
                                 Notice.dedupe_key.in_(events))
            .values(read_at=func.clock_timestamp()).returning(Notice.dedupe_key)
            .execution_options(synchronize_session=False))
        return len(set(marked.all()))

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)
