"""Decision use cases: decide a call from its fixed proposal (statuses, audit, events, letters), serve the
letter, lodge and handle appeals, list notices."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.rules import ApplicationStatus
from services.grants.calls import service as calls
from services.grants.calls.models import Call
from services.grants.calls.repository import CallRepository
from services.grants.calls.rules import MANAGERS, CallStatus
from services.grants.decisions import rules
from services.grants.decisions.models import Appeal, Decision, DecisionLine, Letter
from services.grants.decisions.repository import DecisionRepository
from services.grants.decisions.rules import AppealStatus, Involvement, Outcome
from services.grants.decisions.schemas import AppealChange, AppealIn, DecisionIn
from services.grants.events.published import ApplicationAwardedV1, ApplicationRejectedV1, DecisionPublishedV1
from services.grants.jury import service as jury
from services.grants.jury.repository import JuryRepository
from services.grants.ranking import service as ranking
from services.grants.ranking.models import RankingProposal
from services.grants.ranking.repository import RankingRepository
from services.grants.ranking.rules import describe_funding_rule
from services.grants.screening.repository import ScreeningRepository
from shared.audit import record
from shared.auth import Principal
from shared.events.outbox import stage
from shared.i18n import _
from shared.ids import uuid7
from shared.problems import Conflict, Invalid, NotFound
from shared.storage import PDF, ObjectStore, ObjectStream
from shared.tenancy import display_name
from shared.versioning import check_version


class Decided(NamedTuple):
    """A decision and its lines; `created` is false for a retry that found the decision already taken."""

    decision: Decision
    lines: list[DecisionLine]
    created: bool


async def decide(session: AsyncSession, principal: Principal, store: ObjectStore, call_id: uuid.UUID,
                 command: DecisionIn, expected: int | None) -> Decided:
    """Awards and rejects every application of the call from the proposal the request names (the call's
    latest, at the version `expected`: 412 when it is another); ineligible ones are rejected with the
    screening's reasons. The proposal must still be current: every application screened, the same ranked
    applications with the same scores (409 otherwise). A proposal that departs from the call's budget or
    published rules carries its deviation and reasons into every letter and the audit entry. Idempotent on
    the reference: a retry returns the decision."""
    tenant = principal.tenant
    reference = command.reference.strip()
    if not reference:
        raise Invalid(_("de referentie van het besluit is verplicht"), field="reference")
    call = await CallRepository(session, tenant).lock(call_id)
    if call is None:
        raise NotFound(_("deze oproep bestaat niet"))
    repository = DecisionRepository(session, tenant)
    existing = await repository.decision_of_call(call.id)
    if existing is not None:
        if existing.reference != reference:
            raise Conflict(_("over deze oproep is al beslist met referentie %(reference)s")
                           % {"reference": existing.reference}, decision_id=str(existing.id))
        if existing.proposal_id != command.proposal_id:
            raise Conflict(_("over deze oproep is al beslist met referentie %(reference)s, op een ander voorstel")
                           % {"reference": existing.reference}, decision_id=str(existing.id),
                           proposal_id=str(existing.proposal_id))
        return Decided(existing, await repository.lines_of_decision(existing.id), created=False)
    if call.status != CallStatus.IN_REVIEW:
        raise Conflict(_("beslissen kan enkel over een oproep in beoordeling"), status_now=call.status)
    today = await CallRepository(session, tenant).brussels_today()
    if command.decided_on > today:
        raise Invalid(_("de datum van het besluit ligt in de toekomst"), field="decided_on")
    proposal = await _named_proposal(session, tenant, call, command.proposal_id, expected)
    decision = Decision(id=uuid7(), tenant=tenant, call_id=call.id, proposal_id=proposal.id, reference=reference,
                        decided_on=command.decided_on, notified_on=today, decided_by=principal.username)
    lines = await _decision_lines(session, tenant, decision, proposal)
    repository.add(decision)
    await session.flush()
    repository.add(*lines)

    applications = await ApplicationRepository(session, tenant).with_ids([line.application_id for line in lines])
    for line in lines:
        application = applications[line.application_id]
        before = application.status
        application.status = ApplicationStatus(line.outcome)
        record(session, tenant=tenant, actor=principal.username, action=f"application.{line.outcome}",
               entity="application", entity_id=application.id, before={"status": before},
               after={"status": line.outcome, "amount_cents": line.amount_cents, "decision": reference,
                      **({"deviations": list(proposal.deviations)} if proposal.deviations else {})},
               reasons=" ".join(line.reasons))
        numbers = [c.enterprise_number for c in application.co_applicants]
        event = (ApplicationAwardedV1(application_id=str(application.id), call_id=str(call.id),
                                      decision_id=str(decision.id), title=application.title,
                                      amount_cents=line.amount_cents,
                                      applicant_enterprise_number=application.applicant_enterprise_number,
                                      co_applicant_enterprise_numbers=numbers)
                 if line.outcome == Outcome.AWARDED else
                 ApplicationRejectedV1(application_id=str(application.id), call_id=str(call.id),
                                       decision_id=str(decision.id), title=application.title))
        stage(session, event, tenant=tenant, subject=str(application.id))
    awarded = [line for line in lines if line.outcome == Outcome.AWARDED]
    awarded_cents = sum(line.amount_cents for line in awarded)
    now = await CallRepository(session, tenant).database_clock()
    await calls.mark_decided(session, call, now, actor=principal.username)
    record(session, tenant=tenant, actor=principal.username, action="decision.published", entity="call",
           entity_id=call.id, before={"status": CallStatus.IN_REVIEW},
           after={"status": CallStatus.DECIDED, "decision_id": str(decision.id), "reference": reference,
                  "decided_on": command.decided_on.isoformat(), "notified_on": today.isoformat(),
                  "proposal_id": str(proposal.id),
                  "proposal_version": proposal.version, "deviations": list(proposal.deviations),
                  "awarded": len(awarded), "rejected": len(lines) - len(awarded), "awarded_cents": awarded_cents},
           reasons=(f"Afwijking van de regels van de oproep: {' '.join(proposal.deviations)} Motivering: "
                    f"{proposal.reasons}" if proposal.deviations else ""))
    stage(session, DecisionPublishedV1(decision_id=str(decision.id), call_id=str(call.id), reference=reference,
                                       decided_on=command.decided_on.isoformat(), awarded=len(awarded),
                                       rejected=len(lines) - len(awarded), awarded_cents=awarded_cents),
          tenant=tenant, subject=str(call.id))
    await _write_letters(session, store, call, decision, proposal, lines, applications)
    await session.flush()
    return Decided(decision, lines, created=True)


async def _named_proposal(session: AsyncSession, tenant: str, call: Call, proposal_id: uuid.UUID,
                          expected: int | None) -> RankingProposal:
    """The proposal the request names, if it is the call's latest at the version the person saw and still
    current: every application screened, the same ranked applications with the same scores, no amount above
    the maximum per project. Locks the call's applications until the commit: a withdrawal (or screening)
    racing the decision waits and then finds the application decided, or came first and makes the proposal
    stale here; never a withdrawn one decided."""
    proposals = RankingRepository(session, tenant)
    latest = await proposals.latest_proposal_of_call(call.id)
    if latest is None:
        raise Conflict(_("leg eerst een voorstel van rangschikking en selectie vast"))
    proposal = await proposals.proposal_of_call(call.id, proposal_id)
    if proposal is None:
        raise NotFound(_("dit voorstel bestaat niet voor deze oproep"), field="proposal_id")
    check_version(proposal.version, expected, _("het voorstel"))
    if proposal.id != latest.id:
        raise Conflict(_("er is intussen een nieuwer voorstel vastgelegd (versie %(version)s, door %(name)s); "
                         "bekijk het en beslis op dat voorstel") % {"version": latest.version, "name": latest.fixed_by},
                       current_version=latest.version,
                       proposal_id=str(latest.id))
    await ApplicationRepository(session, tenant).lock_of_call(call.id)
    await ranking.check_current(session, tenant, call.id, proposal)
    if call.max_per_project_cents and any(r["amount_cents"] > call.max_per_project_cents for r in proposal.results):
        raise Conflict(_("het voorstel kent een project meer toe dan het maximum per project; leg het voorstel "
                       "opnieuw vast"))
    return proposal


async def _decision_lines(session: AsyncSession, tenant: str, decision: Decision,
                          proposal: RankingProposal) -> list[DecisionLine]:
    """A line per ranked application from the proposal, and a rejection with the screening's reasons for each
    application screened ineligible."""
    lines = [DecisionLine(id=uuid7(), tenant=tenant, decision_id=decision.id,
                          application_id=uuid.UUID(r["application_id"]),
                          outcome=Outcome.AWARDED if r["amount_cents"] > 0 else Outcome.REJECTED,
                          amount_cents=r["amount_cents"], rank=r["rank"],
                          total=None if r["total"] is None else Decimal(r["total"]), reasons=r["steps"])
             for r in proposal.results]
    ineligible = await ApplicationRepository(session, tenant).of_call_with_status(decision.call_id,
                                                                                  [ApplicationStatus.INELIGIBLE])
    screenings = {s.application_id: s for s in await ScreeningRepository(session, tenant).of_applications(
        [a.id for a in ineligible])}
    for application in ineligible:
        screening = screenings.get(application.id)
        reasons = rules.screening_reasons(screening.checks if screening else [],
                                          screening.reasons if screening else "")
        lines.append(DecisionLine(id=uuid7(), tenant=tenant, decision_id=decision.id, application_id=application.id,
                                  outcome=Outcome.REJECTED, amount_cents=0, rank=None, total=None, reasons=reasons))
    return lines


async def _write_letters(session: AsyncSession, store: ObjectStore, call: Call, decision: Decision,
                         proposal: RankingProposal, lines: list[DecisionLine],
                         applications: dict[uuid.UUID, Application]) -> None:
    """A letter per application, in object storage before the commit: a rolled-back decision leaves an
    unreferenced object at worst, never a decision without its letters."""
    repository = DecisionRepository(session, call.tenant)
    minutes, justifications = await jury_reasons(session, call.tenant, call.id)
    scores = proposal.inputs.get("scores", {})
    ranked_count = sum(1 for r in proposal.results if r["rank"] is not None)
    funding_rule = describe_funding_rule(proposal.inputs["partial_funding"], proposal.inputs["partial_funding_min_bp"])
    thresholds = {c["id"]: c["min_threshold"] for c in proposal.inputs["criteria"]}
    screened_out = {line.application_id for line in lines} - {uuid.UUID(r["application_id"]) for r in proposal.results}
    for line in lines:
        application = applications[line.application_id]
        key = str(application.id)
        criteria = [rules.CriterionReason(
            position=c.position, name=c.name, weight=Decimal(c.weight), max_score=c.max_score,
            threshold=None if thresholds.get(str(c.id)) is None else Decimal(thresholds[str(c.id)]),
            score=Decimal(scores[key][str(c.id)]) if str(c.id) in scores.get(key, {}) else None,
            justification=rules.justification_of(minutes.get(application.id),
                                                 justifications.get(application.id, {}).get(str(c.id), [])))
            for c in call.criteria]
        content = rules.LetterContent(
            province=display_name(call.tenant), reference=decision.reference, decided_on=decision.decided_on,
            notified_on=decision.notified_on,
            call_title=call.title, legal_basis=call.legal_basis, applicant_name=application.applicant_name,
            applicant_enterprise_number=application.applicant_enterprise_number, application_id=key,
            application_title=application.title, requested_cents=application.requested_cents,
            outcome=line.outcome, amount_cents=line.amount_cents, rank=line.rank, ranked_count=ranked_count,
            total=line.total, appeal_days=call.appeal_days, funding_rule=funding_rule, criteria=criteria,
            steps=list(line.reasons), ineligible=application.id in screened_out,
            max_per_project_cents=call.max_per_project_cents or None, deviations=list(proposal.deviations),
            deviation_reasons=proposal.reasons)
        pdf = await asyncio.to_thread(_letter, content)
        stored = await store.upload([pdf], tenant=call.tenant, aggregate="letters", aggregate_id=key,
                                    filename=f"beslissing-{decision.reference}.pdf", claimed_type=PDF,
                                    accepted=frozenset({PDF}), made_here=True)
        repository.add(Letter(application_id=application.id, tenant=call.tenant, decision_id=decision.id,
                              object_key=stored.key, sha256=hashlib.sha256(pdf).hexdigest(), size_bytes=stored.size))


def _letter(content: rules.LetterContent) -> bytes:
    """A letter as PDF. reportlab is imported with the first decision, in the thread that lays it out, not at every
    start of the service."""
    from services.grants.decisions import letters

    return letters.render(content)


async def jury_reasons(session: AsyncSession, tenant: str,
                       call_id: uuid.UUID) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, dict[str, list[str]]]]:
    """The chair's consensus minutes per application, and the justifications of the reviews that count
    (submitted, juror not conflicted) per application and criterion id, in order of submission."""
    minutes = {c.application_id: c.minutes for c in await JuryRepository(session, tenant).consensus_of_call(call_id)}
    justifications: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    reviews = sorted(await jury.counting_reviews(session, tenant, call_id), key=lambda r: (r.submitted_at, r.id))
    for review in reviews:
        for score in review.scores:
            justifications[review.application_id][str(score.criterion_id)].append(score.justification)
    return minutes, justifications


async def decision_of_call(session: AsyncSession, tenant: str,
                           call_id: uuid.UUID) -> tuple[Decision, list[DecisionLine]]:
    repository = DecisionRepository(session, tenant)
    decision = await repository.decision_of_call(call_id)
    if decision is None:
        raise NotFound(_("over deze oproep is nog niet beslist"))
    return decision, await repository.lines_of_decision(decision.id)


async def _visible_application(session: AsyncSession, principal: Principal,
                               application_id: uuid.UUID) -> tuple[Application, Involvement]:
    application = await ApplicationRepository(session, principal.tenant).get(application_id)
    role = None if application is None else rules.involvement(
        username=principal.username, enterprise_number=principal.enterprise_number,
        is_manager=principal.has_any(MANAGERS), applicant_username=application.applicant_username,
        applicant_number=application.applicant_enterprise_number,
        co_applicant_numbers=[c.enterprise_number for c in application.co_applicants])
    if application is None or role is None:
        raise NotFound(_("deze aanvraag bestaat niet of u hebt er geen toegang toe"))
    return application, role


async def letter(session: AsyncSession, principal: Principal, store: ObjectStore,
                 application_id: uuid.UUID) -> tuple[Letter, ObjectStream]:
    """The decision letter, for the applicant organisation, its co-applicants and the call managers."""
    await _visible_application(session, principal, application_id)
    found = await DecisionRepository(session, principal.tenant).letter_of_application(application_id)
    if found is None:
        raise NotFound(_("voor deze aanvraag is nog geen beslissingsbrief opgemaakt"))
    return found, await store.stream(found.object_key, principal.tenant)


async def _decision_of_application(repository: DecisionRepository,
                                   application_id: uuid.UUID) -> tuple[DecisionLine, Decision]:
    line = await repository.line_of_application(application_id)
    decision = None if line is None else await repository.decision(line.decision_id)
    if line is None or decision is None:
        raise Conflict(_("over deze aanvraag is nog niet beslist: beroep kan pas na de beslissing"))
    return line, decision


async def decision_of_application(session: AsyncSession, principal: Principal,
                                  application_id: uuid.UUID) -> tuple[DecisionLine, Decision, int, date, bool]:
    """The decision line of one application with its appeal period: (line, decision, appeal days, last day,
    whether an appeal is still in time today, by the database's Brussels date)."""
    repository = DecisionRepository(session, principal.tenant)
    application, _access = await _visible_application(session, principal, application_id)
    line = await repository.line_of_application(application_id)
    decision = None if line is None else await repository.decision(line.decision_id)
    if line is None or decision is None:
        raise NotFound(_("over deze aanvraag is nog niet beslist"))
    call = await CallRepository(session, principal.tenant).get(application.call_id)
    assert call is not None
    last_day = rules.appeal_last_day(decision.notified_on, call.appeal_days)
    today = await CallRepository(session, principal.tenant).brussels_today()
    return line, decision, call.appeal_days, last_day, today <= last_day


async def _last_day(session: AsyncSession, tenant: str, application: Application, decision_id: uuid.UUID) -> date:
    call = await CallRepository(session, tenant).get(application.call_id)
    decision = await DecisionRepository(session, tenant).decision(decision_id)
    assert call is not None and decision is not None
    return rules.appeal_last_day(decision.notified_on, call.appeal_days)


async def lodge_appeal(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                       command: AppealIn) -> tuple[Appeal, date]:
    """An appeal by the applicant, within the call's appeal period counted from the notification (the day the
    decision was published), as the letter says."""
    repository = DecisionRepository(session, principal.tenant)
    application, role = await _visible_application(session, principal, application_id)
    if role != Involvement.APPLICANT:
        raise NotFound(_("deze aanvraag bestaat niet of u hebt er geen toegang toe"))
    grounds = command.grounds.strip()
    if not grounds:
        raise Invalid(_("vermeld waarom u de beslissing betwist"), field="grounds")
    _application, decision = await _decision_of_application(repository, application_id)
    call = await CallRepository(session, principal.tenant).get(application.call_id)
    assert call is not None
    today = await CallRepository(session, principal.tenant).brussels_today()
    rules.check_appeal_in_time(today, decision.notified_on, call.appeal_days)
    if any(a.status in rules.OPEN_APPEALS for a in await repository.appeals_of_application(application_id)):
        raise Conflict(_("er loopt al een beroep tegen deze beslissing"))
    appeal = Appeal(id=uuid7(), tenant=principal.tenant, application_id=application_id, decision_id=decision.id,
                    grounds=grounds, status=AppealStatus.RECEIVED, lodged_by=principal.username)
    repository.add(appeal)
    record(session, tenant=principal.tenant, actor=principal.username, action="appeal.received",
           entity="application", entity_id=application_id, before=None,
           after={"appeal_id": str(appeal.id), "status": AppealStatus.RECEIVED, "decision": decision.reference},
           reasons=grounds)
    await session.flush()
    await session.refresh(appeal)
    return appeal, rules.appeal_last_day(decision.notified_on, call.appeal_days)


async def appeals(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> list[tuple[Appeal, date]]:
    repository = DecisionRepository(session, principal.tenant)
    application, _access = await _visible_application(session, principal, application_id)
    found = await repository.appeals_of_application(application_id)
    if not found:
        return []
    last_day = await _last_day(session, principal.tenant, application, found[0].decision_id)
    return [(a, last_day) for a in found]


async def appeals_of_call(session: AsyncSession, principal: Principal,
                          call_id: uuid.UUID) -> list[tuple[Appeal, date]]:
    """Every appeal against the call's decision, oldest first, each with the last day of its period: the call
    manager's list (the roles are the route's guard)."""
    call = await CallRepository(session, principal.tenant).get(call_id)
    if call is None:
        raise NotFound(_("deze oproep bestaat niet"))
    return [(appeal, rules.appeal_last_day(decision.notified_on, call.appeal_days))
            for appeal, decision in await DecisionRepository(session, principal.tenant).appeals_of_call(call_id)]


async def handle_appeal(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                        appeal_id: uuid.UUID, command: AppealChange, expected: int | None) -> tuple[Appeal, date]:
    """received → under-review → upheld | dismissed, by a call manager, with reasons; audited."""
    repository = DecisionRepository(session, principal.tenant)
    appeal = await repository.appeal_locked(application_id, appeal_id)
    if appeal is None:
        raise NotFound(_("dit beroep bestaat niet"))
    check_version(appeal.version, expected, _("het beroep"))
    status = rules.check_appeal_transition(appeal.status, command.status, command.reasons)
    before = {"status": appeal.status}
    appeal.status = status
    if status in rules.HANDLED_APPEALS:
        appeal.outcome_reasons = command.reasons.strip()
    appeal.handled_by = principal.username
    appeal.handled_at = await CallRepository(session, principal.tenant).database_clock()
    record(session, tenant=principal.tenant, actor=principal.username, action=f"appeal.{status}",
           entity="application", entity_id=application_id, before=before,
           after={"appeal_id": str(appeal.id), "status": status}, reasons=command.reasons.strip())
    await session.flush()
    await session.refresh(appeal)
    application = await ApplicationRepository(session, principal.tenant).get(application_id)
    assert application is not None
    return appeal, await _last_day(session, principal.tenant, application, appeal.decision_id)
