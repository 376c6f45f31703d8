from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.jury.rules import JURY_WORK_STATUSES
from services.grants.ranking.models import RankingProposal


class RankingRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    async def candidates_of_call(self, call_id: uuid.UUID) -> list[Application]:
        """The applications the jury works on (submitted, not found ineligible, not withdrawn)."""
        return list((await self.session.scalars(
            select(Application).where(Application.tenant == self.tenant, Application.call_id == call_id,
                                      Application.status.in_(JURY_WORK_STATUSES))
            .order_by(Application.id))).all())

    async def latest_proposal_of_call(self, call_id: uuid.UUID) -> RankingProposal | None:
        return await self.session.scalar(
            select(RankingProposal).where(RankingProposal.tenant == self.tenant, RankingProposal.call_id == call_id)
            .order_by(RankingProposal.fixed_at.desc(), RankingProposal.id.desc()).limit(1))

    def add(self, proposal: RankingProposal) -> None:
        self.session.add(proposal)
