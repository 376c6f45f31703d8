"""Ranking use cases: compute the call's ranking (or a what-if scenario, never stored) from the jury's final
scores, and fix a proposal, stored with its inputs and results, for the decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.rules import ApplicationStatus
from services.grants.calls.models import Call
from services.grants.calls.repository import CallRepository
from services.grants.calls.rules import CallStatus
from services.grants.jury import service as jury
from services.grants.jury.rules import JURY_WORK_STATUSES
from services.grants.ranking.models import RankingProposal
from services.grants.ranking.repository import RankingRepository
from services.grants.ranking.rules import (
    Candidate,
    CriterionRule,
    OutcomeStatus,
    Ranking,
    RankingRules,
    Scenario,
    deviations,
    rank,
)
from services.grants.ranking.schemas import ScenarioIn
from shared.audit import record
from shared.auth import Principal
from shared.i18n import _
from shared.ids import uuid7
from shared.problems import Conflict, Invalid, NotFound

RANKABLE = frozenset({CallStatus.CLOSED, CallStatus.IN_REVIEW, CallStatus.DECIDED, CallStatus.ARCHIVED})


@dataclass
class Computed:
    call: Call
    ranking: Ranking
    inputs: dict[str, Any]


def scenario_of(command: ScenarioIn | None) -> Scenario:
    if command is None:
        return Scenario()
    return Scenario(budget_cents=command.budget_cents,
                    thresholds={t.position: t.min_threshold for t in command.thresholds},
                    tie_break=command.tie_break)


def rules_of(call: Call) -> RankingRules:
    return RankingRules(
        budget_cents=call.total_budget_cents,
        criteria=[CriterionRule(id=c.id, position=c.position, name=c.name, weight=Decimal(c.weight),
                                max_score=c.max_score,
                                min_threshold=None if c.min_threshold is None else Decimal(c.min_threshold))
                  for c in call.criteria],
        tie_break=tuple(call.tie_break or ()), partial_funding=call.partial_funding,
        partial_funding_min_bp=call.partial_funding_min_bp,
        max_per_project_cents=call.max_per_project_cents or None)


def inputs_json(rules: RankingRules, command: ScenarioIn | None,
                scores: dict[uuid.UUID, dict[uuid.UUID, Decimal]]) -> dict[str, Any]:
    return {
        "budget_cents": rules.budget_cents, "tie_break": list(rules.tie_break),
        "partial_funding": rules.partial_funding, "partial_funding_min_bp": rules.partial_funding_min_bp,
        "max_per_project_cents": rules.max_per_project_cents,
        "criteria": [{"id": str(c.id), "position": c.position, "name": c.name, "weight": str(c.weight),
                      "max_score": c.max_score,
                      "min_threshold": None if c.min_threshold is None else str(c.min_threshold)}
                     for c in rules.criteria],
        "scenario": None if command is None else {
            "budget_cents": command.budget_cents, "tie_break": command.tie_break,
            "thresholds": [{"position": t.position, "min_threshold": None if t.min_threshold is None
                            else str(t.min_threshold)} for t in command.thresholds]},
        "scores": {str(a): {str(c): str(s) for c, s in by_criterion.items()} for a, by_criterion in scores.items()},
    }


async def _call(session: AsyncSession, tenant: str, call_id: uuid.UUID, *, lock: bool = False) -> Call:
    calls = CallRepository(session, tenant)
    call = await (calls.lock(call_id) if lock else calls.get(call_id))
    if call is None:
        raise NotFound(_("deze oproep bestaat niet"))
    return call


async def candidates_of_call(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> list[Application]:
    """The applications that are ranked: screened eligible (the ones the jury works on), not withdrawn, by id.
    An application that is not screened eligible is never ranked, proposed or awarded."""
    return await ApplicationRepository(session, tenant).of_call_with_status(call_id, JURY_WORK_STATUSES)


async def unscreened_of_call(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> list[Application]:
    """Submitted applications without a screening result yet: no proposal or decision until they have one."""
    return await ApplicationRepository(session, tenant).of_call_with_status(call_id, [ApplicationStatus.SUBMITTED])


def check_screened(unscreened: list[Application]) -> None:
    """409 while an application of the call still waits for its screening, naming it."""
    if unscreened:
        raise Conflict(_("%(count)s aanvraag/aanvragen zijn nog niet gescreend: %(titles)s; leg eerst vast of ze "
                         "ontvankelijk zijn") % {"count": len(unscreened),
                                                 "titles": ", ".join(f"«{a.title}»" for a in unscreened[:10])},
                       unscreened=len(unscreened))


async def compute(session: AsyncSession, tenant: str, call_id: uuid.UUID, command: ScenarioIn | None = None,
                  *, lock: bool = False) -> Computed:
    """The call's ranking under its published rules, or under a scenario's overrides."""
    call = await _call(session, tenant, call_id, lock=lock)
    if call.status not in RANKABLE:
        raise Conflict(_("een rangschikking kan pas als de oproep afgesloten is"), status_now=call.status)
    rules = scenario_of(command).apply(rules_of(call))
    scores = await jury.final_scores(session, tenant, call.id)
    applications = await candidates_of_call(session, tenant, call.id)
    candidates = [Candidate(id=str(a.id), title=a.title, requested_cents=a.requested_cents,
                            submitted_at=a.submitted_at, scores=scores.get(a.id, {})) for a in applications]
    ranking = rank(rules, candidates)
    return Computed(call=call, ranking=ranking, inputs=inputs_json(rules, command, scores))


def deviations_of(call: Call, command: ScenarioIn | None) -> list[str]:
    """How a what-if leaves the call's budget and published rules (empty for the call's own rules)."""
    published = rules_of(call)
    return deviations(published, scenario_of(command).apply(published))


async def fix(session: AsyncSession, principal: Principal, call_id: uuid.UUID,
              command: ScenarioIn | None) -> tuple[RankingProposal, Computed]:
    """Fixes the proposal the decision will rest on (a later fix replaces it until the decision)."""
    computed = await compute(session, principal.tenant, call_id, command, lock=True)
    call = computed.call
    if call.status != CallStatus.IN_REVIEW:
        raise Conflict(_("een voorstel vastleggen kan enkel voor een oproep in beoordeling"), status_now=call.status)
    check_screened(await unscreened_of_call(session, principal.tenant, call.id))
    unscored = [o.title for o in computed.ranking.outcomes if o.status == OutcomeStatus.UNSCORED]
    if unscored:
        raise Conflict(_("%(count)s aanvraag/aanvragen hebben nog geen scores van de jury: %(titles)s")
                       % {"count": len(unscored), "titles": ", ".join(f"«{t}»" for t in unscored[:10])},
                       unscored=len(unscored))
    departures = deviations_of(call, command)
    reasons = (command.reasons if command else "").strip()
    if departures and not reasons:
        raise Invalid(_("dit scenario wijkt af van het budget of de gepubliceerde regels van de oproep "
                        "(%(deviations)s); motiveer de afwijking: ze komt in de beslissing, de brieven en de "
                        "geschiedenis") % {"deviations": " ".join(departures)}, field="reasons", deviations=departures)
    repository = RankingRepository(session, principal.tenant)
    previous = await repository.latest_proposal_of_call(call.id)
    proposal = RankingProposal(id=uuid7(), tenant=principal.tenant, call_id=call.id, inputs=computed.inputs,
                               results=[o.as_json() for o in computed.ranking.outcomes],
                               budget_cents=computed.ranking.rules.budget_cents,
                               awarded_cents=computed.ranking.awarded_cents, fixed_by=principal.username,
                               version=1 if previous is None else previous.version + 1,
                               deviations=departures, reasons=reasons)
    repository.add(proposal)
    record(session, tenant=principal.tenant, actor=principal.username, action="proposal.fixed", entity="call",
           entity_id=call.id, before=None if previous is None else summary(previous), after=summary(proposal),
           reasons=reasons or "voorstel volgens de regels van de oproep")
    await session.flush()
    await session.refresh(proposal)
    return proposal, computed


def summary(proposal: RankingProposal) -> dict[str, Any]:
    return {"proposal_id": str(proposal.id), "version": proposal.version, "deviations": list(proposal.deviations),
            "budget_cents": proposal.budget_cents,
            "awarded_cents": proposal.awarded_cents, "scenario": proposal.inputs.get("scenario"),
            "funded": [r["application_id"] for r in proposal.results if r["amount_cents"] > 0]}


async def latest(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> RankingProposal:
    proposal = await RankingRepository(session, tenant).latest_proposal_of_call(call_id)
    if proposal is None:
        raise NotFound(_("voor deze oproep is nog geen voorstel vastgelegd"))
    return proposal


async def check_current(session: AsyncSession, tenant: str, call_id: uuid.UUID, proposal: RankingProposal) -> None:
    """409 unless the proposal still rests on what is true now: every application screened, the same ranked
    applications, and for each of them the same scores (a consensus recorded or a review counted since the
    proposal was fixed changes the ranking it shows)."""
    check_screened(await unscreened_of_call(session, tenant, call_id))
    candidates = await candidates_of_call(session, tenant, call_id)
    if {str(a.id) for a in candidates} != {r["application_id"] for r in proposal.results}:
        raise Conflict(_("het vastgelegde voorstel is niet meer actueel (een aanvraag werd intussen ingetrokken of "
                       "gescreend); leg het voorstel opnieuw vast"))
    scores = await jury.final_scores(session, tenant, call_id)
    used: dict[str, dict[str, str]] = proposal.inputs.get("scores", {})
    changed = [a.title for a in candidates
               if {str(c): str(s) for c, s in scores.get(a.id, {}).items()} != used.get(str(a.id), {})]
    if changed:
        raise Conflict(_("het vastgelegde voorstel is niet meer actueel: de scores van %(titles)s zijn gewijzigd "
                         "sinds het werd vastgelegd; leg het voorstel opnieuw vast")
                       % {"titles": ", ".join(f"«{t}»" for t in changed[:10])}, changed=len(changed))
