"""Every query on realisations and their evidence, each from the tenant-scoped base statement."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from services.partners.realisations.models import Evidence, Realisation
from services.partners.realisations.rules import RealisationStatus
from shared.db import TenantRepository


class RealisationRepository(TenantRepository):
    async def get(self, realisation_id: uuid.UUID) -> Realisation | None:
        return await self.session.scalar(self.select(Realisation).where(Realisation.id == realisation_id))

    async def lock(self, realisation_id: uuid.UUID) -> Realisation | None:
        """FOR UPDATE, read afresh: two reviews, or a review and a correction, are serialised and the second
        sees the first's version."""
        return await self.session.scalar(
            self.select(Realisation).where(Realisation.id == realisation_id).with_for_update()
            .execution_options(populate_existing=True))

    async def of_indicator_in(self, indicator_id: uuid.UUID, year: int) -> Realisation | None:
        return await self.session.scalar(
            self.select(Realisation).where(Realisation.indicator_id == indicator_id, Realisation.year == year))

    async def of_indicator(self, indicator_id: uuid.UUID) -> list[Realisation]:
        return list((await self.session.scalars(
            self.select(Realisation).where(Realisation.indicator_id == indicator_id)
            .order_by(Realisation.year))).all())

    async def of_plan(self, plan_id: uuid.UUID, year: int | None = None) -> list[Realisation]:
        """The plan's realisations (of one year, or all), by year then indicator."""
        statement = self.select(Realisation).where(Realisation.plan_id == plan_id)
        if year is not None:
            statement = statement.where(Realisation.year == year)
        return list((await self.session.scalars(
            statement.order_by(Realisation.year, Realisation.indicator_id))).all())

    async def page(self, *, status: RealisationStatus | None = None, plan_ids: Collection[uuid.UUID] | None = None,
                   year: int | None = None, after: uuid.UUID | None = None, limit: int = 50) -> list[Realisation]:
        """A page in a stable order (by id, time-ordered: UUIDv7), after the cursor; `plan_ids` None: every plan."""
        statement = self.select(Realisation)
        if status is not None:
            statement = statement.where(Realisation.status == status)
        if plan_ids is not None:
            statement = statement.where(Realisation.plan_id.in_(list(plan_ids)))
        if year is not None:
            statement = statement.where(Realisation.year == year)
        if after is not None:
            statement = statement.where(Realisation.id > after)
        return list((await self.session.scalars(statement.order_by(Realisation.id).limit(limit))).all())

    async def evidence_of(self, realisation_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Evidence]]:
        """The evidence of each realisation, oldest first (one query for a whole page)."""
        found: dict[uuid.UUID, list[Evidence]] = {i: [] for i in realisation_ids}
        if not found:
            return found
        for evidence in await self.session.scalars(
                self.select(Evidence).where(Evidence.realisation_id.in_(list(found)))
                .order_by(Evidence.uploaded_at, Evidence.id)):
            found[evidence.realisation_id].append(evidence)
        return found

    async def evidence(self, realisation_id: uuid.UUID, evidence_id: uuid.UUID) -> Evidence | None:
        return await self.session.scalar(
            self.select(Evidence).where(Evidence.realisation_id == realisation_id, Evidence.id == evidence_id))
