"""The plans API: plans with their parties, period, status and documents, and their results framework
(objectives → actions → indicators → yearly targets). Coordinators write; call managers read every plan; a
partner reads the plans its organisation is party to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.plans import rules, service
from services.partners.plans.models import Indicator, Plan, PlanDocument, Target
from services.partners.plans.repository import Framework
from services.partners.plans.schemas import (
    ActionIn,
    ActionOut,
    DocumentOut,
    DraftPlan,
    FrameworkIn,
    IndicatorChanges,
    IndicatorIn,
    IndicatorOut,
    MunicipalityOut,
    ObjectiveIn,
    ObjectiveOut,
    PartyOut,
    PlanChanges,
    PlanOut,
    PlanPage,
    PlanSummary,
    StatusChange,
    TargetIn,
    TargetOut,
)
from shared import idempotency
from shared.auth import Principal, require_roles
from shared.downloads import stored_file
from shared.i18n import N_, _
from shared.municipalities import name_of
from shared.problems import BadRequest
from shared.service_app import Runtime
from shared.storage import ObjectStore
from shared.versioning import IdempotencyKey, IfMatch, etag, expected_version

WRITERS = rules.COORDINATORS
READERS = (*rules.READERS, "partner")
"""Everyone who reads some plan: a partner only its own organisation's (the service decides which)."""


def municipalities_out(codes: Sequence[str]) -> list[MunicipalityOut]:
    return [MunicipalityOut(code=code, name=name_of(code)) for code in codes]


def document_out(document: PlanDocument) -> DocumentOut:
    return DocumentOut(id=document.id, kind=document.kind, kind_label=rules.DOCUMENT_KINDS.get(document.kind,
                                                                                               document.kind),
                       file_name=document.file_name, content_type=document.content_type, size=document.size,
                       sha256=document.sha256, uploaded_by=document.uploaded_by, uploaded_at=document.uploaded_at)


def indicator_out(indicator: Indicator, targets: Sequence[Target]) -> IndicatorOut:
    rule = rules.CountingRule(indicator.rule) if indicator.rule else None
    return IndicatorOut(
        id=indicator.id, plan_id=indicator.plan_id, action_id=indicator.action_id, name=indicator.name,
        unit=indicator.unit, baseline=indicator.baseline, feed=indicator.feed,
        feed_label=N_("geteld") if indicator.feed == rules.Feed.COUNTED else N_("ingevoerd"), rule=indicator.rule,
        rule_label=rules.COUNTING_RULES[rule] if rule else None, position=indicator.position,
        targets=[TargetOut(year=t.year, value=t.value) for t in targets], version=indicator.version)


def objectives_out(framework: Framework, parent: uuid.UUID | None) -> list[ObjectiveOut]:
    return [ObjectiveOut(
        id=o.id, parent_id=o.parent_id, level=o.level, level_label=rules.OBJECTIVE_LEVELS[o.level], code=o.code,
        title=o.title, remarks=o.remarks, position=o.position, objectives=objectives_out(framework, o.id),
        actions=[ActionOut(id=a.id, objective_id=a.objective_id, code=a.code, title=a.title, position=a.position,
                           indicators=[indicator_out(i, framework.targets_of(i.id))
                                       for i in framework.indicators_of(a.id)])
                 for a in framework.actions_of(o.id)])
        for o in framework.children_of(parent)]


def plan_out(framework: Framework) -> PlanOut:
    plan = framework.plan
    return PlanOut(
        id=plan.id, kind=plan.kind, kind_label=rules.PLAN_KINDS[plan.kind], title=plan.title, summary=plan.summary,
        status=plan.status, status_label=rules.STATUSES[plan.status],
        allowed_moves=[m.value for m in rules.allowed_moves(plan.status)], starts_on=plan.starts_on,
        ends_on=plan.ends_on, municipalities=municipalities_out(plan.municipalities),
        parties=[PartyOut(id=p.id, name=p.name, role=p.role, organisation_id=p.organisation_id)
                 for p in framework.parties],
        documents=[document_out(d) for d in framework.documents], objectives=objectives_out(framework, None),
        created_by=plan.created_by, created_at=plan.created_at, version=plan.version)


def summary_out(plan: Plan) -> PlanSummary:
    return PlanSummary(id=plan.id, kind=plan.kind, kind_label=rules.PLAN_KINDS[plan.kind], title=plan.title,
                       status=plan.status, status_label=rules.STATUSES[plan.status], starts_on=plan.starts_on,
                       ends_on=plan.ends_on, municipalities=municipalities_out(plan.municipalities),
                       version=plan.version)


async def answered(session: AsyncSession, principal: Principal, plan: Plan,
                   status_code: int = 200) -> Response[PlanOut]:
    framework = await service.framework(session, principal, plan.id)
    return Response(plan_out(framework), status_code=status_code, headers={"ETag": etag(framework.plan.version)})


def indicator_answer(indicator: Indicator, targets: Sequence[Target],
                     status_code: int = 200) -> Response[IndicatorOut]:
    return Response(indicator_out(indicator, targets), status_code=status_code,
                    headers={"ETag": etag(indicator.version)})


def after_cursor(cursor: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(cursor) if cursor else None
    except ValueError as exc:
        raise BadRequest(_("ongeldige cursor")) from exc


class PlanController(Controller):
    path = "/{tenant:str}/plans"
    tags = ["plans"]

    @post("/", guards=[require_roles(*WRITERS)])
    async def create_plan(self, request: Request, data: DraftPlan, session: AsyncSession, principal: Principal,
                          idempotency_key: IdempotencyKey = None) -> Response[PlanOut]:
        """A new plan, in draft. With an Idempotency-Key, a retry gets the first answer, not a second plan."""
        keyed = await idempotency.claim_request(session, request, tenant=principal.tenant,
                                                subject=principal.subject, key=idempotency_key)
        if keyed is not None and keyed.replay is not None:
            return keyed.replay
        return await idempotency.remember(
            session, keyed, await answered(session, principal, await service.create(session, principal, data), 201))

    @get("/", guards=[require_roles(*READERS)])
    async def list_plans(
        self, session: AsyncSession, principal: Principal,
        status: str | None = Parameter(default=None), kind: str | None = Parameter(default=None),
        municipality: str | None = Parameter(default=None),
        limit: int = Parameter(default=50, ge=1, le=200), cursor: str | None = Parameter(default=None),
    ) -> PlanPage:
        """Filtered by status, kind and municipality (a name or a NIS code), in a stable order, by cursor."""
        rows = await service.page(session, principal, status=status, kind=kind, municipality=municipality,
                                  after=after_cursor(cursor), limit=limit)
        return PlanPage(items=[summary_out(p) for p in rows[:limit]],
                        next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)

    @get("/{plan_id:uuid}", guards=[require_roles(*READERS)])
    async def get_plan(self, plan_id: uuid.UUID, session: AsyncSession, principal: Principal) -> Response[PlanOut]:
        return await answered(session, principal, await service.get_readable(session, principal, plan_id))

    @patch("/{plan_id:uuid}", guards=[require_roles(*WRITERS)])
    async def change_plan(self, plan_id: uuid.UUID, data: PlanChanges, session: AsyncSession, principal: Principal,
                          if_match: IfMatch = None) -> Response[PlanOut]:
        plan = await service.update(session, principal, plan_id, data, expected_version(if_match))
        return await answered(session, principal, plan)

    @post("/{plan_id:uuid}/status", guards=[require_roles(*WRITERS)], status_code=200)
    async def change_status(self, plan_id: uuid.UUID, data: StatusChange, session: AsyncSession,
                            principal: Principal, if_match: IfMatch = None) -> Response[PlanOut]:
        plan = await service.change_status(session, principal, plan_id, data.to, data.reasons,
                                           expected_version(if_match))
        return await answered(session, principal, plan)

    @post("/{plan_id:uuid}/framework", guards=[require_roles(*WRITERS)])
    async def add_framework(self, plan_id: uuid.UUID, data: FrameworkIn, session: AsyncSession,
                            principal: Principal) -> Response[PlanOut]:
        """Objectives with their actions, indicators and targets in one request, after what is there."""
        framework = await service.add_framework(session, principal, plan_id, data)
        return await answered(session, principal, framework.plan, 201)

    @post("/{plan_id:uuid}/objectives", guards=[require_roles(*WRITERS)])
    async def add_objective(self, plan_id: uuid.UUID, data: ObjectiveIn, session: AsyncSession,
                            principal: Principal) -> ObjectiveOut:
        objective = await service.add_objective(session, principal, plan_id, data)
        framework = await service.framework(session, principal, plan_id)
        parent = objectives_out(framework, objective.parent_id)
        return next(o for o in parent if o.id == objective.id)

    @post("/{plan_id:uuid}/documents", guards=[require_roles(*WRITERS)])
    async def upload_document(self, request: Request, plan_id: uuid.UUID, principal: Principal,
                              store: ObjectStore, runtime: Runtime, kind: str = Parameter(default=""),
                              filename: str = Parameter(default="")) -> Response[DocumentOut]:
        """The raw file as the body, its type as Content-Type (PDF, office documents, images): streamed through
        the size and type checks into object storage with no database connection held."""
        document = await service.upload_document(
            lambda: runtime.db.transaction(principal.tenant), principal, store, plan_id, kind=kind,
            filename=filename, content_type=request.headers.get("content-type", ""), chunks=request.stream())
        return Response(document_out(document), status_code=201)

    @get("/{plan_id:uuid}/documents", guards=[require_roles(*READERS)])
    async def list_documents(self, plan_id: uuid.UUID, session: AsyncSession,
                             principal: Principal) -> list[DocumentOut]:
        return [document_out(d) for d in await service.documents(session, principal, plan_id)]

    @get("/{plan_id:uuid}/documents/{document_id:uuid}", guards=[require_roles(*READERS)])
    async def download_document(self, plan_id: uuid.UUID, document_id: uuid.UUID, session: AsyncSession,
                                principal: Principal, store: ObjectStore) -> Stream:
        """The file in pieces from object storage, with the SHA-256 recorded at upload as its ETag."""
        document, content = await service.read_document(session, principal, store, plan_id, document_id)
        return stored_file(content, media_type=document.content_type, file_name=document.file_name,
                           sha256=document.sha256)


class FrameworkController(Controller):
    """The framework's items by their own id: actions under an objective, indicators under an action, and an
    indicator's yearly targets."""

    path = "/{tenant:str}"
    tags = ["plans"]

    @post("/objectives/{objective_id:uuid}/actions", guards=[require_roles(*WRITERS)])
    async def add_action(self, objective_id: uuid.UUID, data: ActionIn, session: AsyncSession,
                         principal: Principal) -> ActionOut:
        action = await service.add_action(session, principal, objective_id, data)
        framework = await service.framework(session, principal, action.plan_id)
        return ActionOut(id=action.id, objective_id=action.objective_id, code=action.code, title=action.title,
                         position=action.position,
                         indicators=[indicator_out(i, framework.targets_of(i.id))
                                     for i in framework.indicators_of(action.id)])

    @post("/actions/{action_id:uuid}/indicators", guards=[require_roles(*WRITERS)])
    async def add_indicator(self, action_id: uuid.UUID, data: IndicatorIn, session: AsyncSession,
                            principal: Principal) -> Response[IndicatorOut]:
        indicator = await service.add_indicator(session, principal, action_id, data)
        _, targets = await service.get_indicator(session, principal, indicator.id)
        return indicator_answer(indicator, targets, 201)

    @get("/indicators/{indicator_id:uuid}", guards=[require_roles(*READERS)])
    async def get_indicator(self, indicator_id: uuid.UUID, session: AsyncSession,
                            principal: Principal) -> Response[IndicatorOut]:
        return indicator_answer(*await service.get_indicator(session, principal, indicator_id))

    @patch("/indicators/{indicator_id:uuid}", guards=[require_roles(*WRITERS)])
    async def change_indicator(self, indicator_id: uuid.UUID, data: IndicatorChanges, session: AsyncSession,
                               principal: Principal, if_match: IfMatch = None) -> Response[IndicatorOut]:
        return indicator_answer(*await service.change_indicator(session, principal, indicator_id, data,
                                                                expected_version(if_match)))

    @put("/indicators/{indicator_id:uuid}/targets/{year:int}", guards=[require_roles(*WRITERS)])
    async def set_target(self, indicator_id: uuid.UUID, year: int, data: TargetIn, session: AsyncSession,
                         principal: Principal, if_match: IfMatch = None) -> Response[IndicatorOut]:
        """If-Match names the indicator's version (its ETag), which every target change raises."""
        return indicator_answer(*await service.set_target(session, principal, indicator_id, year, data.value,
                                                          expected_version(if_match)))


CONTROLLERS = [PlanController, FrameworkController]
