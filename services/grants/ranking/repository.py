"""Every query on ranking proposals, each from the tenant-scoped base statement."""

from __future__ import annotations

import uuid

from services.grants.ranking.models import RankingProposal
from shared.db import TenantRepository


class RankingRepository(TenantRepository):
    async def latest_proposal_of_call(self, call_id: uuid.UUID) -> RankingProposal | None:
        return await self.session.scalar(
            self.select(RankingProposal).where(RankingProposal.call_id == call_id)
            .order_by(RankingProposal.fixed_at.desc(), RankingProposal.id.desc()).limit(1))

    async def proposal_of_call(self, call_id: uuid.UUID, proposal_id: uuid.UUID) -> RankingProposal | None:
        return await self.session.scalar(
            self.select(RankingProposal).where(RankingProposal.call_id == call_id, RankingProposal.id == proposal_id))
