from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.rules import MANAGERS
from services.grants.ranking import service
from services.grants.ranking.models import RankingProposal
from services.grants.ranking.rules import OutcomeStatus, Ranking, describe_funding_rule, describe_tie_break
from services.grants.ranking.schemas import OutcomeOut, ProposalOut, RankingOut, ScenarioIn
from shared.auth import Principal, require_roles
from shared.versioning import etag


def outcome_out(outcome: dict[str, Any]) -> OutcomeOut:
    return OutcomeOut(application_id=uuid.UUID(outcome["application_id"]), title=outcome["title"],
                      status=OutcomeStatus(outcome["status"]), requested_cents=outcome["requested_cents"],
                      amount_cents=outcome["amount_cents"], rank=outcome["rank"], total=outcome["total"],
                      steps=outcome["steps"])


def ranking_out(call_id: uuid.UUID, inputs: dict[str, Any], outcomes: list[dict[str, Any]], awarded: int) -> RankingOut:
    names = {c["position"]: c["name"] for c in inputs["criteria"]}
    return RankingOut(call_id=call_id, budget_cents=inputs["budget_cents"], awarded_cents=awarded,
                      remaining_cents=inputs["budget_cents"] - awarded,
                      funding_rule=describe_funding_rule(inputs["partial_funding"], inputs["partial_funding_min_bp"]),
                      tie_break=inputs["tie_break"], tie_break_rule=describe_tie_break(inputs["tie_break"], names),
                      outcomes=[outcome_out(o) for o in outcomes])


def computed_out(computed: service.Computed) -> RankingOut:
    ranking: Ranking = computed.ranking
    outcomes = [o.as_json() for o in ranking.outcomes]
    return ranking_out(computed.call.id, computed.inputs, outcomes, ranking.awarded_cents)


def proposal_out(proposal: RankingProposal) -> ProposalOut:
    inputs = {k: v for k, v in proposal.inputs.items() if k != "scores"}
    return ProposalOut(id=proposal.id, call_id=proposal.call_id, version=proposal.version,
                       deviations=list(proposal.deviations), reasons=proposal.reasons, fixed_by=proposal.fixed_by,
                       fixed_at=proposal.fixed_at, inputs=inputs,
                       ranking=ranking_out(proposal.call_id, proposal.inputs, proposal.results,
                                           proposal.awarded_cents))


class RankingController(Controller):
    path = "/{tenant:str}/calls/{call_id:uuid}/ranking"
    tags = ["ranking"]
    guards = [require_roles(*MANAGERS)]

    @get("/")
    async def ranking(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> RankingOut:
        """The ranking under the call's published rules, every step explained per application."""
        return computed_out(await service.compute(session, principal.tenant, call_id))

    @post("/scenarios", status_code=200)
    async def scenario(self, call_id: uuid.UUID, data: ScenarioIn, session: AsyncSession,
                       principal: Principal) -> RankingOut:
        """A what-if (another budget, other thresholds, another tie-break chain): computed, not stored."""
        return computed_out(await service.compute(session, principal.tenant, call_id, data))

    @post("/proposal")
    async def fix_proposal(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal,
                           data: ScenarioIn | None = None) -> Response[ProposalOut]:
        """Fixes the proposal (the call's rules, or a scenario's) that the decision will rest on. A scenario
        above the call's budget or with other thresholds than published needs reasons (422 without)."""
        proposal, _fresh = await service.fix(session, principal, call_id, data)
        return Response(proposal_out(proposal), status_code=201, headers={"ETag": etag(proposal.version)})

    @get("/proposal")
    async def proposal(self, call_id: uuid.UUID, session: AsyncSession,
                       principal: Principal) -> Response[ProposalOut]:
        """The proposal fixed last; its `ETag` is the version a decision names with If-Match."""
        proposal = await service.latest(session, principal.tenant, call_id)
        return Response(proposal_out(proposal), headers={"ETag": etag(proposal.version)})
