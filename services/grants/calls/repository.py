"""Every query on calls, each from the tenant-scoped base statement; and the database clock."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import Date, cast, func, select

from services.grants.calls.models import Call
from shared.db import TenantRepository
from shared.reads import Row, TenantReads

ONE_CALL = """
    SELECT c.*, ARRAY(SELECT k FROM criteria k WHERE k.call_id = c.id ORDER BY k.position) AS criteria
    FROM calls c WHERE c.id = $1"""
"""A call with its criteria in the order the ORM's relationship gives them (models.Call): one statement."""


async def read_call(reads: TenantReads, tenant: str, call_id: uuid.UUID) -> Row | None:
    """The hot read of one call (shared/reads.py), for the API's GET by id: what `CallRepository.get` loads
    through the ORM, in one round trip."""
    return await reads.one(tenant, ONE_CALL, call_id)


class CallRepository(TenantRepository):
    async def list_with_status_in(self, statuses: Collection[str] | None, limit: int) -> list[Call]:
        statement = self.select(Call)
        if statuses is not None:
            statement = statement.where(Call.status.in_(statuses))
        statement = statement.order_by(Call.created_at.desc(), Call.id).limit(limit)
        return list((await self.session.scalars(statement)).all())

    async def get(self, call_id: uuid.UUID) -> Call | None:
        return await self.session.scalar(self.select(Call).where(Call.id == call_id))

    async def with_ids(self, call_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Call]:
        if not call_ids:
            return {}
        return {c.id: c for c in await self.session.scalars(self.select(Call).where(Call.id.in_(list(call_ids))))}

    async def lock_due_for_closing(self, limit: int) -> list[Call]:
        """Published calls whose deadline passed by the database clock; rows another replica is closing,
        or that a submission still holds, are skipped (the next round takes them)."""
        return list((await self.session.scalars(
            self.select(Call).where(Call.status == "published", Call.closes_at <= func.clock_timestamp())
            .order_by(Call.closes_at).limit(limit)
            .with_for_update(skip_locked=True).execution_options(populate_existing=True))).all())

    async def lock(self, call_id: uuid.UUID) -> Call | None:
        return await self.session.scalar(
            self.select(Call).where(Call.id == call_id)
            .with_for_update().execution_options(populate_existing=True))

    async def brussels_today(self) -> date:
        """Today in Europe/Brussels by the database clock: decision, appeal and payment dates are Belgian days."""
        today = cast(func.timezone("Europe/Brussels", func.clock_timestamp()), Date)
        return (await self.session.execute(select(today))).scalar_one()
