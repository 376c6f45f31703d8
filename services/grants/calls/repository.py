from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.calls.models import Call


class CallRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def list_with_status_in(self, statuses: Collection[str] | None, limit: int) -> list[Call]:
        statement = select(Call).where(Call.tenant == self.tenant)
        if statuses is not None:
            statement = statement.where(Call.status.in_(statuses))
        statement = statement.order_by(Call.created_at.desc(), Call.id).limit(limit)
        return list((await self.session.scalars(statement)).all())

    async def get(self, call_id: uuid.UUID) -> Call | None:
        return await self.session.scalar(select(Call).where(Call.tenant == self.tenant, Call.id == call_id))

    async def get_locked_for_submission(self, call_id: uuid.UUID) -> Call | None:
        """FOR SHARE: many submissions go on together, while closing the call (FOR UPDATE) waits for them, so
        the count in call.closed includes every submission that was accepted."""
        return await self.session.scalar(
            select(Call).where(Call.tenant == self.tenant, Call.id == call_id)
            .with_for_update(read=True).execution_options(populate_existing=True))

    async def lock_due_for_closing(self, limit: int) -> list[Call]:
        """Published calls whose deadline passed by the database clock; rows another replica is closing,
        or that a submission still holds, are skipped (the next round takes them)."""
        return list((await self.session.scalars(
            select(Call).where(Call.tenant == self.tenant, Call.status == "published",
                               Call.closes_at <= func.clock_timestamp())
            .order_by(Call.closes_at).limit(limit)
            .with_for_update(skip_locked=True).execution_options(populate_existing=True))).all())

    async def lock(self, call_id: uuid.UUID) -> Call | None:
        return await self.session.scalar(
            select(Call).where(Call.tenant == self.tenant, Call.id == call_id)
            .with_for_update().execution_options(populate_existing=True))

    async def count_submitted_applications(self, call_id: uuid.UUID) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(Application)
            .where(Application.tenant == self.tenant, Application.call_id == call_id,
                   Application.submitted_at.is_not(None), Application.status != "withdrawn")) or 0

    async def database_clock(self) -> datetime:
        """The one clock every replica agrees on."""
        return await self.session.scalar(select(func.clock_timestamp()))  # type: ignore[return-value]

    def add(self, call: Call) -> None:
        self.session.add(call)
