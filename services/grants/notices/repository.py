"""Every query on notices, each from the tenant-scoped base statement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert

from services.grants.notices.models import Notice
from services.grants.notices.rules import RecipientKind
from shared.db import TenantRepository


class NoticeRepository(TenantRepository):
    async def add_notice_once(self, values: dict[str, Any]) -> None:
        """A notice per recipient and event: a redelivered event adds nothing."""
        await self.session.execute(
            insert(Notice).values(tenant=self.tenant, **values)
            .on_conflict_do_nothing(constraint="uq_notices_dedupe"))

    @staticmethod
    def _mine(username: str, enterprise_number: str | None) -> ColumnElement[bool]:
        """The notices a person may see and mark: their own, and their organisation's."""
        mine = (Notice.recipient_kind == RecipientKind.USER) & (Notice.recipient == username)
        if enterprise_number:
            theirs = (Notice.recipient_kind == RecipientKind.ORGANISATION) & (Notice.recipient == enterprise_number)
            mine = mine | theirs
        return mine

    async def notices_for(self, username: str, enterprise_number: str | None, limit: int,
                          unread_only: bool = False) -> list[Notice]:
        """One notice per event (the person's copy and their organisation's are one), newest first. An event
        counts as unread while any of the person's copies is: the copy shown is then an unread one."""
        mine = self._mine(username, enterprise_number)
        if unread_only:
            mine = mine & Notice.read_at.is_(None)
        one_per_event = (
            self.select(Notice, Notice.id).where(mine).distinct(Notice.dedupe_key)
            .order_by(Notice.dedupe_key, Notice.read_at.is_(None).desc(), Notice.created_at.desc(), Notice.id.desc())
            .subquery())
        return list((await self.session.scalars(
            self.select(Notice).where(Notice.id.in_(select(one_per_event.c.id)))
            .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit))).all())

    async def unread_count_for(self, username: str, enterprise_number: str | None) -> int:
        """Events with an unread copy for this person: what the list's unread filter would show."""
        return await self.session.scalar(
            self.select(Notice, func.count(func.distinct(Notice.dedupe_key)))
            .where(self._mine(username, enterprise_number), Notice.read_at.is_(None))) or 0

    async def notice_for(self, notice_id: uuid.UUID, username: str, enterprise_number: str | None) -> Notice | None:
        """The notice, when this person may see it (the list's rule); None for anyone else's."""
        return await self.session.scalar(
            self.select(Notice).where(Notice.id == notice_id, self._mine(username, enterprise_number)))

    async def mark_notices_read(self, username: str, enterprise_number: str | None, *,
                                dedupe_key: str | None = None, created_until: datetime | None = None) -> int:
        """Marks the person's unread copies read, by event: one event (`dedupe_key`), or every event with a copy
        created at or before `created_until` (every event when None). Returns the events newly marked. Rows
        already read keep their first read time (a retry changes nothing)."""
        mine = self._mine(username, enterprise_number)
        events = self.select(Notice, Notice.dedupe_key).where(mine)
        if dedupe_key is not None:
            events = events.where(Notice.dedupe_key == dedupe_key)
        if created_until is not None:
            events = events.where(Notice.created_at <= created_until)
        marked = await self.session.scalars(
            self.update(Notice).where(mine, Notice.read_at.is_(None), Notice.dedupe_key.in_(events))
            .values(read_at=func.clock_timestamp()).returning(Notice.dedupe_key)
            .execution_options(synchronize_session=False))
        return len(set(marked.all()))
