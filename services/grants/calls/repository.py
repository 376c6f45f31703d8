from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.models import Call


class CallRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def list_with_status_in(self, statuses: Collection[str] | None, limit: int) -> list[Call]:
        statement = select(Call).where(Call.tenant == self.tenant)
        if statuses is not None:
            statement = statement.where(Call.status.in_(statuses))
        return list((await self.session.scalars(statement.order_by(Call.created_at.desc(), Call.id).limit(limit))).all())

    def add(self, call: Call) -> None:
        self.session.add(call)
