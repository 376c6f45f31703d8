"""Every query on plans, their parties, documents and results framework, each from the tenant-scoped base
statement."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ARRAY, ColumnElement, Date, String, cast, func, select
from sqlalchemy.dialects import postgresql

from services.partners.plans.models import (
    Action,
    Indicator,
    Objective,
    Plan,
    PlanDocument,
    PlanParty,
    Target,
)
from shared.db import TenantRepository


@dataclass
class Framework:
    """A plan with its parties and its whole results framework, each list in its order (position, then code;
    targets by indicator and year)."""

    plan: Plan
    parties: list[PlanParty]
    objectives: list[Objective]
    actions: list[Action]
    indicators: list[Indicator]
    targets: list[Target]
    documents: list[PlanDocument] = field(default_factory=list)

    def actions_of(self, objective_id: uuid.UUID) -> list[Action]:
        return [a for a in self.actions if a.objective_id == objective_id]

    def indicators_of(self, action_id: uuid.UUID) -> list[Indicator]:
        return [i for i in self.indicators if i.action_id == action_id]

    def targets_of(self, indicator_id: uuid.UUID) -> list[Target]:
        return [t for t in self.targets if t.indicator_id == indicator_id]

    def children_of(self, objective_id: uuid.UUID | None) -> list[Objective]:
        """The objectives under `objective_id` (None: the top level)."""
        return [o for o in self.objectives if o.parent_id == objective_id]


def covers(municipality_code: str) -> ColumnElement[bool]:
    """plans.municipalities @> ARRAY[code]: the form the GIN index on the column answers."""
    return Plan.municipalities.op("@>")(cast(postgresql.array([municipality_code]), ARRAY(String(10))))


class PlanRepository(TenantRepository):
    async def get(self, plan_id: uuid.UUID) -> Plan | None:
        return await self.session.scalar(self.select(Plan).where(Plan.id == plan_id))

    async def lock(self, plan_id: uuid.UUID) -> Plan | None:
        """FOR UPDATE, read afresh: two status changes or a target set during an ending plan are serialised."""
        return await self.session.scalar(
            self.select(Plan).where(Plan.id == plan_id).with_for_update().execution_options(populate_existing=True))

    async def framework(self, plan_id: uuid.UUID) -> Framework:
        """The plan (which must exist: call `get` first) and everything under it."""
        plan = await self.get(plan_id)
        if plan is None:
            raise LookupError(f"no plan {plan_id}")
        objectives = list((await self.session.scalars(
            self.select(Objective).where(Objective.plan_id == plan_id)
            .order_by(Objective.position, Objective.code, Objective.id))).all())
        actions = list((await self.session.scalars(
            self.select(Action).where(Action.plan_id == plan_id)
            .order_by(Action.position, Action.code, Action.id))).all())
        indicators = list((await self.session.scalars(
            self.select(Indicator).where(Indicator.plan_id == plan_id)
            .order_by(Indicator.position, Indicator.id))).all())
        targets = list((await self.session.scalars(
            self.select(Target).join(Indicator, Indicator.id == Target.indicator_id)
            .where(Indicator.plan_id == plan_id).order_by(Indicator.position, Indicator.id, Target.year))).all())
        return Framework(plan=plan, parties=await self.parties_of(plan_id), objectives=objectives, actions=actions,
                         indicators=indicators, targets=targets, documents=await self.documents_of(plan_id))

    async def parties_of(self, plan_id: uuid.UUID) -> list[PlanParty]:
        return list((await self.session.scalars(
            self.select(PlanParty).where(PlanParty.plan_id == plan_id)
            .order_by(PlanParty.position, PlanParty.id))).all())

    async def documents_of(self, plan_id: uuid.UUID) -> list[PlanDocument]:
        return list((await self.session.scalars(
            self.select(PlanDocument).where(PlanDocument.plan_id == plan_id)
            .order_by(PlanDocument.uploaded_at, PlanDocument.id))).all())

    async def document(self, plan_id: uuid.UUID, document_id: uuid.UUID) -> PlanDocument | None:
        return await self.session.scalar(
            self.select(PlanDocument).where(PlanDocument.plan_id == plan_id, PlanDocument.id == document_id))

    async def has_signed_document(self, plan_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            self.select(PlanDocument, PlanDocument.id)
            .where(PlanDocument.plan_id == plan_id, PlanDocument.kind == "signed").limit(1))
        return found is not None

    async def plans_of_organisation(self, organisation_id: uuid.UUID) -> list[Plan]:
        """The plans the organisation is party to, newest period first."""
        party_of = self.select(PlanParty, PlanParty.plan_id).where(PlanParty.organisation_id == organisation_id)
        return list((await self.session.scalars(
            self.select(Plan).where(Plan.id.in_(party_of)).order_by(Plan.starts_on.desc(), Plan.id))).all())

    async def is_party(self, plan_id: uuid.UUID, organisation_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            self.select(PlanParty, PlanParty.id)
            .where(PlanParty.plan_id == plan_id, PlanParty.organisation_id == organisation_id).limit(1))
        return found is not None

    async def plans_covering(self, municipality_code: str) -> list[Plan]:
        """The plans whose municipalities include the NIS code (the GIN index on plans.municipalities)."""
        return list((await self.session.scalars(
            self.select(Plan).where(covers(municipality_code))
            .order_by(Plan.starts_on.desc(), Plan.id))).all())

    async def page(self, *, statuses: Collection[str] | None = None, kind: str | None = None,
                   municipality: str | None = None, organisation_id: uuid.UUID | None = None,
                   after: uuid.UUID | None = None, limit: int = 50) -> list[Plan]:
        """A page of plans in a stable order (by id, which is time-ordered: UUIDv7), after the cursor."""
        statement = self.select(Plan)
        if statuses:
            statement = statement.where(Plan.status.in_(list(statuses)))
        if kind is not None:
            statement = statement.where(Plan.kind == kind)
        if municipality is not None:
            statement = statement.where(covers(municipality))
        if organisation_id is not None:
            statement = statement.where(Plan.id.in_(
                self.select(PlanParty, PlanParty.plan_id).where(PlanParty.organisation_id == organisation_id)))
        if after is not None:
            statement = statement.where(Plan.id > after)
        return list((await self.session.scalars(statement.order_by(Plan.id).limit(limit))).all())

    async def objective(self, objective_id: uuid.UUID) -> Objective | None:
        return await self.session.scalar(self.select(Objective).where(Objective.id == objective_id))

    async def action(self, action_id: uuid.UUID) -> Action | None:
        return await self.session.scalar(self.select(Action).where(Action.id == action_id))

    async def indicator(self, indicator_id: uuid.UUID) -> Indicator | None:
        return await self.session.scalar(self.select(Indicator).where(Indicator.id == indicator_id))

    async def indicators_with_ids(self, indicator_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Indicator]:
        if not indicator_ids:
            return {}
        return {i.id: i for i in await self.session.scalars(
            self.select(Indicator).where(Indicator.id.in_(list(indicator_ids))))}

    async def target(self, indicator_id: uuid.UUID, year: int) -> Target | None:
        return await self.session.scalar(
            self.select(Target).where(Target.indicator_id == indicator_id, Target.year == year))

    async def targets_of(self, indicator_id: uuid.UUID) -> list[Target]:
        return list((await self.session.scalars(
            self.select(Target).where(Target.indicator_id == indicator_id).order_by(Target.year))).all())

    async def next_position(self, model: type[Objective] | type[Action] | type[Indicator],
                            plan_id: uuid.UUID) -> int:
        """One past the highest position in the plan: a new item goes last."""
        highest = await self.session.scalar(
            self.select(model, func.max(model.position)).where(model.plan_id == plan_id))
        return (highest or 0) + 1

    async def brussels_today(self) -> date:
        """Today in Europe/Brussels by the database clock."""
        today = cast(func.timezone("Europe/Brussels", func.clock_timestamp()), Date)
        return (await self.session.execute(select(today))).scalar_one()
