"""Jury use cases: composition, assignment, conflicts, reviews, consensus, the jury view and the meeting
order; and what ranking reads (final_scores, juror_scores). Repository → rules → audit.record → stage.
Never commits.

A conflict of interest is declared by the juror or detected from the registry (the juror's organisation is
the applicant or a co-applicant). A conflicted juror sees nothing of that application: every juror-facing
path answers 404 for it, and a conflicted juror's review never counts anywhere."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.grants.applications.models import Application
from services.grants.applications.repository import ApplicationRepository
from services.grants.applications.schemas import AttachmentOut
from services.grants.calls.models import Call, Criterion
from services.grants.calls.repository import CallRepository
from services.grants.events.published import ReviewSubmittedV1
from services.grants.jury import rules
from services.grants.jury.models import Assignment, ConflictDeclaration, Consensus, JuryMember, Review, ReviewScore
from services.grants.jury.repository import JuryRepository
from services.grants.jury.rules import ReviewStatus
from services.grants.jury.schemas import (
    ApplicationForScoring,
    AssignedApplication,
    AssignmentsOut,
    ComposeJury,
    ConflictOut,
    ConsensusOut,
    CriterionOut,
    DeclareConflict,
    FixAssignments,
    JurorApplication,
    JurorLoad,
    JurorScore,
    JuryMemberOut,
    JuryOut,
    JuryView,
    JuryViewApplication,
    MeetingItem,
    MeetingOrder,
    RecordConsensus,
    ReviewOut,
    SaveReview,
    ScoreOut,
)
from services.grants.notices import service as notices
from shared import audit, enterprise_number
from shared.auth import Principal
from shared.events.outbox import stage
from shared.i18n import N_, _, ngettext
from shared.ids import uuid7
from shared.notices.kinds import NoticeKind, RecipientKind
from shared.problems import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from shared.versioning import check_version

NOT_FOUND = N_("deze aanvraag bestaat niet of u beoordeelt ze niet")


# --- What ranking reads -------------------------------------------------------------------------------


async def final_scores(session: AsyncSession, tenant: str,
                       call_id: uuid.UUID) -> dict[uuid.UUID, dict[uuid.UUID, Decimal]]:
    """The score per criterion that ranking uses, per application of the call:
    {application_id: {criterion_id: score}}.

    Per application: the chair's consensus scores where a consensus is recorded (all its criteria);
    otherwise the mean of the SUBMITTED reviews' scores per criterion (Decimal, not rounded; drafts and
    reviews of conflicted jurors never count). Applications without consensus and without any submitted
    review are absent. Weighted totals:
    `services.grants.jury.rules.weighted_total(scores, {c.id: c for c in call.criteria})`.
    """
    repository = JuryRepository(session, tenant)
    result: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = {}
    for application_id, by_juror in (await juror_scores(session, tenant, call_id)).items():
        per_criterion: dict[uuid.UUID, list[Decimal]] = defaultdict(list)
        for scores in by_juror.values():
            for criterion_id, score in scores.items():
                per_criterion[criterion_id].append(score)
        # Each list holds at least one juror's score, so its mean is always defined.
        result[application_id] = {c: sum(values, Decimal(0)) / len(values) for c, values in per_criterion.items()}
    for consensus in await repository.consensus_of_call(call_id):
        result[consensus.application_id] = consensus_scores(consensus)
    return result


async def juror_scores(session: AsyncSession, tenant: str,
                       call_id: uuid.UUID) -> dict[uuid.UUID, dict[str, dict[uuid.UUID, Decimal]]]:
    """Each juror's raw submitted scores, for explanations: {application_id: {username: {criterion_id:
    score}}}. Only submitted reviews of jurors without a conflict."""
    result: dict[uuid.UUID, dict[str, dict[uuid.UUID, Decimal]]] = defaultdict(dict)
    for review in await counting_reviews(session, tenant, call_id):
        result[review.application_id][review.username] = {s.criterion_id: s.score for s in review.scores}
    return dict(result)


def consensus_scores(consensus: Consensus) -> dict[uuid.UUID, Decimal]:
    return {uuid.UUID(c): Decimal(v) for c, v in consensus.scores.items()}


# --- Conflicts ----------------------------------------------------------------------------------------


async def conflicts_of_call(session: AsyncSession, tenant: str, members: list[JuryMember],
                            applications: list[Application]) -> dict[uuid.UUID, frozenset[str]]:
    """Per application, the members conflicted on it: declared, or detected from the registry."""
    ids = [a.id for a in applications]
    numbers = await ApplicationRepository(session, tenant).enterprise_numbers_of(ids)
    declared: dict[uuid.UUID, set[str]] = defaultdict(set)
    for declaration in await JuryRepository(session, tenant).declarations_of_applications(ids):
        if declaration.has_conflict:
            declared[declaration.application_id].add(declaration.username)
    return {a.id: frozenset(m.username for m in members
                            if rules.is_conflicted(m.enterprise_number, sorted(numbers.get(a.id, ())),
                                                   m.username in declared[a.id]))
            for a in applications}


async def counting_reviews(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> list[Review]:
    """Submitted reviews, without those of jurors conflicted on the application (a conflict declared after
    submitting voids the review)."""
    repository = JuryRepository(session, tenant)
    reviews = await repository.submitted_reviews_of_call(call_id)
    if not reviews:
        return []
    reviewed = {r.application_id for r in reviews}
    declared = {(d.application_id, d.username) for d in await repository.declarations_of_applications(reviewed)
                if d.has_conflict}
    members = {m.username: m for m in await repository.members_of(call_id)}
    numbers = await ApplicationRepository(session, tenant).enterprise_numbers_of(reviewed)
    return [r for r in reviews if (r.application_id, r.username) not in declared
            and not (r.username in members and rules.is_conflicted(
                members[r.username].enterprise_number, sorted(numbers.get(r.application_id, ())), False))]


async def _is_conflicted(session: AsyncSession, application: Application, principal: Principal,
                         member: JuryMember | None) -> bool:
    declaration = await JuryRepository(session, principal.tenant).declaration(application.id, principal.username)
    numbers = sorted((await ApplicationRepository(session, principal.tenant).enterprise_numbers_of(
        [application.id])).get(application.id, ()))
    own = {principal.enterprise_number, member.enterprise_number if member else None} - {None, ""}
    return bool(declaration and declaration.has_conflict) or any(n in numbers for n in own)


async def juror_may_read(session: AsyncSession, principal: Principal, application: Application) -> bool:
    """For applications.policy.can_read_application: a juror assigned to the application, without a
    conflict, may read it."""
    if not principal.has_any(("juror",)):
        return False
    try:
        await _juror_access(session, principal, application.id)
    except NotFound:
        return False
    return True


async def _juror_access(session: AsyncSession, principal: Principal, application_id: uuid.UUID, *,
                        assigned: bool = True) -> tuple[Application, JuryMember]:
    """The application as a juror may see it: a member of its call's jury, without a conflict, and (unless
    `assigned` is False) assigned to it. Anything else does not exist for this juror: 404."""
    application = await ApplicationRepository(session, principal.tenant).get(application_id)
    if application is None or application.status not in rules.JURY_VISIBLE_STATUSES:
        raise NotFound(_(NOT_FOUND))
    repository = JuryRepository(session, principal.tenant)
    member = await repository.member(application.call_id, principal.username)
    if member is None or await _is_conflicted(session, application, principal, member):
        raise NotFound(_(NOT_FOUND))
    if assigned and await repository.assignment(application.id, principal.username) is None:
        raise NotFound(_(NOT_FOUND))
    return application, member


def _in_jury_work(application: Application) -> None:
    if application.status not in rules.JURY_WORK_STATUSES:
        raise Conflict(_("deze aanvraag is niet (meer) in beoordeling door de jury"), status_now=application.status)


async def _call(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> Call:
    call = await CallRepository(session, tenant).get(call_id)
    if call is None:
        raise NotFound(_("deze oproep bestaat niet"))
    return call


# --- Composition and assignment (call managers) ----------------------------------------------------------


def _members_out(call_id: uuid.UUID, members: list[JuryMember], version: int) -> JuryOut:
    return JuryOut(call_id=call_id, members=[JuryMemberOut(username=m.username, name=m.name,
                                                           enterprise_number=m.enterprise_number,
                                                           is_chair=m.is_chair) for m in members],
                   version=version)


async def get_jury(session: AsyncSession, principal: Principal, call_id: uuid.UUID) -> JuryOut:
    repository = JuryRepository(session, principal.tenant)
    await _call(session, principal.tenant, call_id)
    versions = await repository.versions_of(call_id)
    return _members_out(call_id, await repository.members_of(call_id), versions.composition_version)


async def compose(session: AsyncSession, principal: Principal, call_id: uuid.UUID, command: ComposeJury,
                  expected: int | None) -> JuryOut:
    """Sets the jury of a call (replacing the previous composition) and its chair, over the composition the
    call manager saw (`expected`: 412 when it changed since). A juror leaving takes their assignments along,
    so the assignments get a new version too."""
    repository = JuryRepository(session, principal.tenant)
    await _call(session, principal.tenant, call_id)
    versions = await repository.lock_versions(call_id)
    check_version(versions.composition_version, expected, _("de samenstelling van de jury"))
    wanted: dict[str, tuple[str, str | None]] = {}
    for i, given in enumerate(command.members):
        username, name = given.username.strip(), given.name.strip()
        if not username or not name:
            raise Invalid(_("elk jurylid heeft een gebruikersnaam en een naam"), field=f"members[{i}]")
        if username in wanted:
            raise Invalid(_("%(username)s staat meer dan eens in de jury") % {"username": username},
                          field=f"members[{i}].username")
        number = None
        if given.enterprise_number:
            try:
                number = enterprise_number.normalise(given.enterprise_number)
            except ValueError as exc:
                raise Invalid(str(exc), field=f"members[{i}].enterprise_number") from exc
        wanted[username] = (name, number)
    if command.chair is not None and command.chair not in wanted:
        raise Invalid(_("de voorzitter %(chair)s is geen lid van de jury") % {"chair": command.chair}, field="chair")
    existing = {m.username: m for m in await repository.members_of(call_id)}
    before = [_member_audit(m) for m in existing.values()]
    leaving = set(existing) - set(wanted)
    reviewed = {u for _, u in await repository.juror_ids_with_reviews(call_id, ReviewStatus.SUBMITTED)}
    if leaving & reviewed:
        raise Conflict(_("%(names)s heeft al beoordelingen ingediend en blijft in de jury")
                       % {"names": ", ".join(sorted(leaving & reviewed))})
    if leaving:
        await repository.remove_assignments_of_juror(call_id, leaving)
        versions.assignments_version += 1
    versions.composition_version += 1
    for username in leaving:
        await repository.remove(existing.pop(username))
    for member in existing.values():  # first drop every chair: at most one chair at any moment
        member.is_chair = False
    await session.flush()
    for username, (name, number) in wanted.items():
        if username not in existing:
            joining = JuryMember(id=uuid7(), tenant=principal.tenant, call_id=call_id, username=username)
            repository.add(joining)
            existing[username] = joining
        member = existing[username]
        member.name, member.enterprise_number = name, number
        member.is_chair = username == command.chair
    await session.flush()
    members = sorted(existing.values(), key=lambda m: m.username)
    audit.record(session, tenant=principal.tenant, actor=principal.username, action="jury.composed",
                 entity="call", entity_id=call_id, before={"members": before},
                 after={"members": [_member_audit(m) for m in members]})
    return _members_out(call_id, members, versions.composition_version)


def _member_audit(member: JuryMember) -> dict[str, Any]:
    return {"username": member.username, "enterprise_number": member.enterprise_number, "is_chair": member.is_chair}


async def _jury_work(session: AsyncSession, tenant: str, call_id: uuid.UUID) -> tuple[
        Call, list[JuryMember], list[Application], dict[uuid.UUID, frozenset[str]]]:
    call = await _call(session, tenant, call_id)
    members = await JuryRepository(session, tenant).members_of(call_id)
    applications = await _applications_in_jury_work(session, tenant, call_id, rules.JURY_WORK_STATUSES)
    return call, members, applications, await conflicts_of_call(session, tenant, members, applications)


async def _applications_in_jury_work(session: AsyncSession, tenant: str, call_id: uuid.UUID,
                                     statuses: frozenset[str]) -> list[Application]:
    """What a jury scores (or, with the decided ones, sees), in order of submission."""
    return await ApplicationRepository(session, tenant).of_call_with_status(call_id, statuses,
                                                                            in_submission_order=True)


async def propose_assignments(session: AsyncSession, principal: Principal, call_id: uuid.UUID) -> AssignmentsOut:
    """A balanced proposal; nothing is stored."""
    call, members, applications, conflicts = await _jury_work(session, principal.tenant, call_id)
    if not members:
        raise Conflict(_("stel eerst de jury samen"))
    proposal = rules.propose_assignments({a.id: conflicts[a.id] for a in applications},
                                         [m.username for m in members], call.jurors_per_application)
    versions = await JuryRepository(session, principal.tenant).versions_of(call_id)
    return AssignmentsOut(
        call_id=call_id, jurors_per_application=call.jurors_per_application, fixed=False,
        version=versions.assignments_version,
        applications=[AssignedApplication(application_id=a.id, title=a.title, jurors=proposal.assignments[a.id],
                                          conflicted=sorted(conflicts[a.id]), shortfall=proposal.shortfalls.get(a.id))
                      for a in applications],
        loads=[JurorLoad(username=u, load=n) for u, n in proposal.load.items()])


async def get_assignments(session: AsyncSession, principal: Principal, call_id: uuid.UUID) -> AssignmentsOut:
    repository = JuryRepository(session, principal.tenant)
    call, members, applications, conflicts = await _jury_work(session, principal.tenant, call_id)
    chosen: dict[uuid.UUID, list[str]] = defaultdict(list)
    for assignment in await repository.assignments_of_call(call_id):
        chosen[assignment.application_id].append(assignment.username)
    versions = await repository.versions_of(call_id)
    return _fixed_out(call, members, applications, conflicts, chosen, versions.assignments_version)


def _fixed_out(call: Call, members: list[JuryMember], applications: list[Application],
               conflicts: dict[uuid.UUID, frozenset[str]], chosen: dict[uuid.UUID, list[str]],
               version: int) -> AssignmentsOut:
    load = {m.username: 0 for m in members}
    for jurors in chosen.values():
        for juror in jurors:
            load[juror] = load.get(juror, 0) + 1
    items = []
    for a in applications:
        jurors = sorted(chosen.get(a.id, []))
        shortfall = None
        if len(jurors) < call.jurors_per_application:
            shortfall = (_("%(assigned)s van de %(needed)s juryleden toegewezen")
                         % {"assigned": len(jurors), "needed": call.jurors_per_application})
        items.append(AssignedApplication(application_id=a.id, title=a.title, jurors=jurors,
                                         conflicted=sorted(conflicts[a.id]), shortfall=shortfall))
    return AssignmentsOut(call_id=call.id, jurors_per_application=call.jurors_per_application, fixed=True,
                          applications=items, loads=[JurorLoad(username=u, load=n) for u, n in load.items()],
                          version=version)


async def fix_assignments(session: AsyncSession, principal: Principal, call_id: uuid.UUID,
                          command: FixAssignments, expected: int | None) -> AssignmentsOut:
    """Stores the assignments of the call (replacing the previous ones) over the ones the call manager saw
    (`expected`: 412 when they changed since), validated like a proposal: members only, applications in jury
    work only, never a conflicted juror."""
    repository = JuryRepository(session, principal.tenant)
    await _call(session, principal.tenant, call_id)
    versions = await repository.lock_versions(call_id)
    check_version(versions.assignments_version, expected, _("de toewijzing van de juryleden"))
    call, members, applications, conflicts = await _jury_work(session, principal.tenant, call_id)
    by_id = {a.id: a for a in applications}
    usernames = {m.username for m in members}
    chosen: dict[uuid.UUID, list[str]] = {}
    for i, item in enumerate(command.assignments):
        application = by_id.get(item.application_id)
        if application is None:
            raise Invalid(_("deze aanvraag hoort niet bij de oproep of is niet in beoordeling"),
                          field=f"assignments[{i}].application_id")
        if item.application_id in chosen:
            raise Invalid(_("deze aanvraag staat meer dan eens in de lijst"), field=f"assignments[{i}].application_id")
        if len(set(item.jurors)) != len(item.jurors):
            raise Invalid(_("een jurylid staat meer dan eens bij dezelfde aanvraag"), field=f"assignments[{i}].jurors")
        for juror in item.jurors:
            if juror not in usernames:
                raise Invalid(_("%(juror)s is geen lid van de jury van deze oproep") % {"juror": juror},
                              field=f"assignments[{i}].jurors")
            if juror in conflicts[application.id]:
                raise Invalid(_("%(juror)s heeft een belangenconflict met '%(title)s' en kan ze niet beoordelen")
                              % {"juror": juror, "title": application.title}, field=f"assignments[{i}].jurors")
        chosen[item.application_id] = list(item.jurors)
    submitted = await repository.juror_ids_with_reviews(call_id, ReviewStatus.SUBMITTED)
    kept = {(a, u) for a, jurors in chosen.items() for u in jurors}
    dropped = sorted(u for a, u in submitted - kept if a in by_id and u not in conflicts[a])
    if dropped:
        raise Conflict(_("%(names)s heeft al een beoordeling ingediend voor een aanvraag die u weghaalt; die "
                         "toewijzing blijft") % {"names": ", ".join(dropped)})
    earlier = await repository.assignments_of_call(call_id)
    before = {str(a.application_id): a.username for a in earlier}
    had = {(a.application_id, a.username) for a in earlier}
    await repository.remove_assignments_of_call(call_id)
    for application_id, jurors in chosen.items():
        for juror in jurors:
            repository.add(Assignment(id=uuid7(), tenant=principal.tenant, call_id=call_id,
                                      application_id=application_id, username=juror, assigned_by=principal.username))
    await session.flush()
    audit.record(session, tenant=principal.tenant, actor=principal.username, action="assignments.fixed",
                 entity="call", entity_id=call_id, before={"assignments": before},
                 after={"assignments": {str(a): sorted(j) for a, j in chosen.items()}})
    versions.assignments_version += 1
    await session.flush()
    _tell_jurors(session, principal.tenant, call, [(a, u) for a, jurors in chosen.items() for u in jurors
                                                   if (a, u) not in had])
    return _fixed_out(call, members, applications, conflicts, chosen, versions.assignments_version)


def _tell_jurors(session: AsyncSession, tenant: str, call: Call, new: list[tuple[uuid.UUID, str]]) -> None:
    """A notice for each juror with applications newly assigned to them."""
    per_juror: dict[str, int] = defaultdict(int)
    for _application, juror in new:
        per_juror[juror] += 1
    for juror, count in sorted(per_juror.items()):
        values = {"count": count, "call": call.title}

        def text(values: dict[str, Any] = values) -> tuple[str, str]:
            return (ngettext("U kreeg %(count)s aanvraag te beoordelen in «%(call)s»",
                             "U kreeg %(count)s aanvragen te beoordelen in «%(call)s»", values["count"]) % values,
                    _("In de oproep «%(call)s» werden u aanvragen toegewezen. Verklaar per aanvraag of u een "
                      "belangenconflict hebt, en geef dan uw scores met hun motivering.") % values)

        notices.raise_notice(session, tenant, kind=NoticeKind.REVIEW_ASSIGNED, texts=notices.in_every_language(text),
                             recipients=[(RecipientKind.USER, juror)], link=f"/{tenant}/jury/")


# --- The juror ----------------------------------------------------------------------------------------


async def my_applications(session: AsyncSession, principal: Principal,
                          call_id: uuid.UUID | None) -> list[JurorApplication]:
    """The applications assigned to me, without any where I am conflicted: for me they do not exist."""
    repository = JuryRepository(session, principal.tenant)
    assigned = {a.application_id for a in await repository.assignments_of_juror(principal.username, call_id)}
    declared = await repository.declared_conflicts_of_juror(principal.username)
    numbers_of_member = {m.call_id: m.enterprise_number for m in await repository.memberships_of(principal.username)}
    numbers = await ApplicationRepository(session, principal.tenant).enterprise_numbers_of(assigned - declared)
    reviews = {r.application_id: r for r in await repository.reviews_of_juror(principal.username, assigned)}
    applications = await ApplicationRepository(session, principal.tenant).with_ids(assigned - declared)
    result = []
    for application_id in sorted(assigned - declared):
        application = applications.get(application_id)
        if application is None or application.status not in rules.JURY_VISIBLE_STATUSES:
            continue
        own = {principal.enterprise_number, numbers_of_member.get(application.call_id)} - {None, ""}
        if own & numbers.get(application_id, set()):
            continue
        review = reviews.get(application_id)
        result.append(JurorApplication(application_id=application.id, call_id=application.call_id,
                                       title=application.title, applicant_name=application.applicant_name,
                                       submitted_at=application.submitted_at,
                                       review_status=review.status if review else None))
    return sorted(result, key=lambda a: (a.submitted_at or datetime.min.replace(tzinfo=UTC), a.application_id))


async def declare_conflict(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                           command: DeclareConflict) -> ConflictOut:
    """A member of the call's jury declares a conflict with the application, or that there is none. A
    conflict removes the assignment and my draft: from then on the application does not exist for me."""
    repository = JuryRepository(session, principal.tenant)
    application, _access = await _juror_access(session, principal, application_id, assigned=False)
    _in_jury_work(application)
    reason = command.reason.strip()
    if command.has_conflict and not reason:
        raise Invalid(_("geef de reden van het belangenconflict"), field="reason")
    declaration = await repository.declaration(application_id, principal.username)
    before = None
    if declaration is None:
        declaration = ConflictDeclaration(id=uuid7(), tenant=principal.tenant, application_id=application_id,
                                          username=principal.username)
        repository.add(declaration)
    else:
        before = {"has_conflict": declaration.has_conflict, "reason": declaration.reason}
    declaration.has_conflict, declaration.reason = command.has_conflict, reason
    declaration.declared_at = datetime.now(UTC)
    if command.has_conflict:
        assignment = await repository.assignment(application_id, principal.username)
        if assignment is not None:
            await repository.remove(assignment)
        review = await repository.review(application_id, principal.username)
        if review is not None and review.status == ReviewStatus.DRAFT:
            await repository.remove(review)
    await session.flush()
    audit.record(session, tenant=principal.tenant, actor=principal.username, action="conflict.declared",
                 entity="application", entity_id=application_id, before=before,
                 after={"juror": principal.username, "has_conflict": command.has_conflict, "reason": reason},
                 reasons=reason)
    return ConflictOut(application_id=application_id, username=principal.username,
                       has_conflict=declaration.has_conflict, reason=declaration.reason,
                       declared_at=declaration.declared_at)


def _criteria_out(criteria: list[Criterion]) -> list[CriterionOut]:
    return [CriterionOut(id=c.id, position=c.position, name=c.name, description=c.description, weight=c.weight,
                         max_score=c.max_score) for c in criteria]


def review_out(review: Review, criteria: list[Criterion]) -> ReviewOut:
    by_id = {c.id: c for c in criteria}
    scores = sorted((s for s in review.scores if s.criterion_id in by_id),
                    key=lambda s: by_id[s.criterion_id].position)
    return ReviewOut(application_id=review.application_id, username=review.username, status=review.status,
                     scores=[ScoreOut(criterion_id=s.criterion_id, criterion=by_id[s.criterion_id].name,
                                      score=s.score, max_score=by_id[s.criterion_id].max_score,
                                      justification=s.justification) for s in scores],
                     weighted_total=review.weighted_total, submitted_at=review.submitted_at, version=review.version)


async def application_for_scoring(session: AsyncSession, principal: Principal,
                                  application_id: uuid.UUID) -> ApplicationForScoring:
    """The submitted snapshot, its attachments, the criteria and my review."""
    repository = JuryRepository(session, principal.tenant)
    application, _access = await _juror_access(session, principal, application_id)
    call = await _call(session, principal.tenant, application.call_id)
    review = await repository.review(application_id, principal.username)
    return ApplicationForScoring(
        application_id=application.id, call_id=application.call_id, title=application.title,
        submitted_at=application.submitted_at, content_hash=application.content_hash, snapshot=application.snapshot,
        attachments=[AttachmentOut(id=a.id, code=a.code, filename=a.filename, content_type=a.content_type,
                                   size_bytes=a.size_bytes, sha256=a.sha256, uploaded_by=a.uploaded_by,
                                   uploaded_at=a.uploaded_at)
                     for a in await ApplicationRepository(session, principal.tenant).attachments_of(application_id)],
        criteria=_criteria_out(call.criteria),
        review=review_out(review, call.criteria) if review else None)


async def _flush_or_stale(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as exc:  # someone else wrote between our read and our write
        raise PreconditionFailed(_("iemand anders wijzigde dit tegelijk: laad opnieuw en probeer nog eens")) from exc


async def save_review(session: AsyncSession, principal: Principal, application_id: uuid.UUID, command: SaveReview,
                      if_match: int | None) -> ReviewOut:
    """My draft scores (replacing the previous draft): each within 0..max of its criterion."""
    repository = JuryRepository(session, principal.tenant)
    application, _access = await _juror_access(session, principal, application_id)
    _in_jury_work(application)
    call = await _call(session, principal.tenant, application.call_id)
    criteria = {c.id: c for c in call.criteria}
    review = await repository.review(application_id, principal.username)
    if review is not None and review.status == ReviewStatus.SUBMITTED:
        raise Conflict(_("uw beoordeling is ingediend en kan niet meer gewijzigd worden"))
    if review is not None:
        check_version(review.version, if_match, _("uw beoordeling"))
    scores = rules.validate_scores([(s.criterion_id, s.score) for s in command.scores], criteria)
    justifications = {s.criterion_id: s.justification.strip() for s in command.scores}
    if review is None:
        review = Review(id=uuid7(), tenant=principal.tenant, call_id=call.id, application_id=application_id,
                        username=principal.username, status=ReviewStatus.DRAFT, scores=[])
        repository.add(review)
    existing = {s.criterion_id: s for s in review.scores}
    for criterion_id in set(existing) - set(scores):
        review.scores.remove(existing[criterion_id])
    for criterion_id, score in scores.items():
        row = existing.get(criterion_id)
        if row is None:
            row = ReviewScore(id=uuid7(), tenant=principal.tenant, criterion_id=criterion_id)
            review.scores.append(row)
        row.score, row.justification = score, justifications[criterion_id]
    review.updated_at = datetime.now(UTC)  # also bumps the version when only the scores changed
    await _flush_or_stale(session)
    return review_out(review, call.criteria)


async def submit_review(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                        if_match: int | None) -> ReviewOut:
    """Every criterion scored with a justification; then immutable. Emits review.submitted with the weighted
    total and records every score in the audit trail. Submitting again returns the same review, no event."""
    repository = JuryRepository(session, principal.tenant)
    application, _access = await _juror_access(session, principal, application_id)
    call = await _call(session, principal.tenant, application.call_id)
    review = await repository.review(application_id, principal.username)
    if review is not None and review.status == ReviewStatus.SUBMITTED:
        return review_out(review, call.criteria)
    _in_jury_work(application)
    if review is None:
        raise Invalid(_("sla eerst uw scores op"))
    check_version(review.version, if_match, _("uw beoordeling"))
    rules.check_complete({s.criterion_id: (s.score, s.justification) for s in review.scores},
                         {c.id: c.name for c in call.criteria})
    criteria = {c.id: c for c in call.criteria}
    review.weighted_total = rules.weighted_total({s.criterion_id: s.score for s in review.scores}, criteria)
    review.status, review.submitted_at = ReviewStatus.SUBMITTED, datetime.now(UTC)
    await _flush_or_stale(session)
    for score in review.scores:
        criterion = criteria[score.criterion_id]
        audit.record(session, tenant=principal.tenant, actor=principal.username, action="score.submitted",
                     entity="application", entity_id=application_id, reasons=score.justification,
                     after={"review_id": str(review.id), "juror": principal.username,
                            "criterion_id": str(criterion.id), "criterion": criterion.name,
                            "score": str(score.score), "max_score": criterion.max_score,
                            "justification": score.justification})
    stage(session, ReviewSubmittedV1(application_id=str(application_id), call_id=str(call.id),
                                     juror=principal.username, weighted_total=str(review.weighted_total)),
          tenant=principal.tenant, subject=str(application_id))
    return review_out(review, call.criteria)


async def reviews_of(session: AsyncSession, principal: Principal, application_id: uuid.UUID) -> list[ReviewOut]:
    """The submitted reviews of an application. A juror sees the others' only after submitting their own;
    the chair and call managers see all."""
    repository = JuryRepository(session, principal.tenant)
    if principal.has_any(rules.MANAGERS):
        application = await ApplicationRepository(session, principal.tenant).get(application_id)
        if application is None:
            raise NotFound(_("deze aanvraag bestaat niet"))
    else:
        application, member = await _juror_access(session, principal, application_id, assigned=False)
        if not member.is_chair:
            if await repository.assignment(application_id, principal.username) is None:
                raise NotFound(_(NOT_FOUND))
            mine = await repository.review(application_id, principal.username)
            if mine is None or mine.status != ReviewStatus.SUBMITTED:
                raise Forbidden(_("u ziet de scores en motiveringen van de andere juryleden pas nadat u uw eigen "
                                "beoordeling hebt ingediend"))
    call = await _call(session, principal.tenant, application.call_id)
    counting = {r.id for r in await counting_reviews(session, principal.tenant, call.id)}
    return [review_out(r, call.criteria) for r in await repository.reviews_of_application(application_id)
            if r.id in counting]


# --- Chair and call managers ----------------------------------------------------------------------------


def _consensus_out(consensus: Consensus) -> ConsensusOut:
    return ConsensusOut(application_id=consensus.application_id,
                        scores={c: Decimal(v) for c, v in consensus.scores.items()},
                        weighted_total=consensus.weighted_total, minutes=consensus.minutes,
                        recorded_by=consensus.recorded_by, recorded_at=consensus.recorded_at,
                        version=consensus.version)


def _consensus_audit(consensus: Consensus) -> dict[str, Any]:
    return {"scores": dict(consensus.scores), "weighted_total": str(consensus.weighted_total),
            "minutes": consensus.minutes, "recorded_by": consensus.recorded_by, "version": consensus.version}


async def record_consensus(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                           command: RecordConsensus, if_match: int | None) -> ConsensusOut:
    """The chair (or a call manager) records the jury's consensus after the meeting, with minutes."""
    repository = JuryRepository(session, principal.tenant)
    if principal.has_any(rules.MANAGERS):
        application = await ApplicationRepository(session, principal.tenant).get(application_id)
        if application is None:
            raise NotFound(_("deze aanvraag bestaat niet"))
    else:
        application, member = await _juror_access(session, principal, application_id, assigned=False)
        if not member.is_chair:
            raise Forbidden(_("alleen de voorzitter van de jury of een oproepbeheerder legt de consensus vast"))
    _in_jury_work(application)
    call = await _call(session, principal.tenant, application.call_id)
    criteria = {c.id: c for c in call.criteria}
    scores = rules.validate_scores([(s.criterion_id, s.score) for s in command.scores], criteria)
    rules.check_complete({c: (s, "-") for c, s in scores.items()}, {c.id: c.name for c in call.criteria})
    minutes = command.minutes.strip()
    if not minutes:
        raise Invalid(_("het verslag (de notulen) van de bespreking is verplicht"), field="minutes")
    consensus = await repository.consensus(application_id)
    if consensus is not None:
        check_version(consensus.version, if_match, _("de consensus"))
    before = _consensus_audit(consensus) if consensus else None
    if consensus is None:
        consensus = Consensus(application_id=application_id, tenant=principal.tenant, call_id=call.id)
        repository.add(consensus)
    consensus.scores = {str(c): str(s) for c, s in scores.items()}
    consensus.weighted_total = rules.weighted_total(scores, criteria)
    consensus.minutes, consensus.recorded_by = minutes, principal.username
    consensus.recorded_at = datetime.now(UTC)
    await _flush_or_stale(session)
    audit.record(session, tenant=principal.tenant, actor=principal.username, action="consensus.recorded",
                 entity="application", entity_id=application_id, before=before,
                 after=_consensus_audit(consensus), reasons=minutes)
    return _consensus_out(consensus)


async def _manager_or_chair(repository: JuryRepository, principal: Principal, call_id: uuid.UUID) -> str | None:
    """None for a call manager; the chair's username for the chair; otherwise 403."""
    if principal.has_any(rules.MANAGERS):
        return None
    member = await repository.member(call_id, principal.username)
    if member is None or not member.is_chair:
        raise Forbidden(_("alleen de voorzitter van de jury of een oproepbeheerder ziet dit overzicht"))
    return member.username


def _counted_total(review: Review) -> Decimal:
    """The weighted total of a review that counts: set when it was submitted, and only submitted ones count."""
    if review.weighted_total is None:
        raise ValueError(f"review {review.id} counts but was never submitted")
    return review.weighted_total


async def jury_view(session: AsyncSession, principal: Principal, call_id: uuid.UUID) -> JuryView:
    """Per application: the jurors' weighted totals, their mean and spread, each beside the juror's own
    average (calibration), disagreement when the spread exceeds the call's limit, and the consensus."""
    repository = JuryRepository(session, principal.tenant)
    call = await _call(session, principal.tenant, call_id)
    chair = await _manager_or_chair(repository, principal, call_id)
    members = await repository.members_of(call_id)
    applications = await _applications_in_jury_work(session, principal.tenant, call_id, rules.JURY_VISIBLE_STATUSES)
    conflicts = await conflicts_of_call(session, principal.tenant, members, applications)
    if chair is not None:  # the chair sees nothing of an application they are conflicted on
        applications = [a for a in applications if chair not in conflicts[a.id]]
    reviews = await counting_reviews(session, principal.tenant, call_id)
    totals_by_juror: dict[str, list[Decimal]] = defaultdict(list)
    by_application: dict[uuid.UUID, list[Review]] = defaultdict(list)
    for review in reviews:
        totals_by_juror[review.username].append(_counted_total(review))
        by_application[review.application_id].append(review)
    averages = rules.calibration(totals_by_juror)
    assigned: dict[uuid.UUID, list[str]] = defaultdict(list)
    for assignment in await repository.assignments_of_call(call_id):
        assigned[assignment.application_id].append(assignment.username)
    consensus = {c.application_id: c for c in await repository.consensus_of_call(call_id)}
    items = []
    for application in applications:
        mine = by_application.get(application.id, [])
        totals = [_counted_total(r) for r in mine]
        spread = rules.spread(totals)
        average = rules.mean(totals)
        per_criterion: dict[str, list[Decimal]] = defaultdict(list)
        for review in mine:
            for score in review.scores:
                per_criterion[str(score.criterion_id)].append(score.score)
        items.append(JuryViewApplication(
            application_id=application.id, title=application.title, assigned=sorted(assigned[application.id]),
            submitted=len(mine), mean=rules.two_places(average) if average is not None else None, spread=spread,
            disagreement=spread is not None and spread > call.spread_limit,
            jurors=[JurorScore(username=r.username, weighted_total=_counted_total(r),
                               juror_average=averages[r.username],
                               calibration=_counted_total(r) - averages[r.username]) for r in mine],
            criterion_means={c: rules.two_places(sum(v, Decimal(0)) / len(v)) for c, v in per_criterion.items()},
            consensus=_consensus_out(consensus[application.id]) if application.id in consensus else None))
    return JuryView(call_id=call_id, spread_limit=call.spread_limit, applications=items)


async def meeting_order(session: AsyncSession, principal: Principal, call_id: uuid.UUID) -> MeetingOrder:
    """The order of discussion in which conflicted jurors leave and re-enter the room least often.

    The chair sees nothing of an application they are conflicted on: it is left out of their order (no
    title, no id, not who else must leave for it), the moves are counted over what they see, and the other
    items keep their place in the call manager's order, so both speak of the same numbers."""
    repository = JuryRepository(session, principal.tenant)
    await _call(session, principal.tenant, call_id)
    chair = await _manager_or_chair(repository, principal, call_id)
    _jury, _reviews, applications, conflicts = await _jury_work(session, principal.tenant, call_id)
    by_id = {a.id: a for a in applications}
    order = rules.meeting_order({a.id: conflicts[a.id] for a in applications})
    hidden = {a.id for a in applications if chair is not None and chair in conflicts[a.id]}
    shown = [(position, k) for position, k in enumerate(order, start=1) if k not in hidden]
    items, out = [], frozenset[str]()
    for position, application_id in shown:
        absent = conflicts[application_id]
        items.append(MeetingItem(position=position, application_id=application_id,
                                 title=by_id[application_id].title, absent=sorted(absent),
                                 leave=sorted(absent - out), reenter=sorted(out - absent)))
        out = absent
    return MeetingOrder(call_id=call_id, items=items, return_at_end=sorted(out),
                        moves=rules.room_moves([conflicts[k] for _, k in shown]),
                        naive_moves=rules.room_moves([conflicts[a.id] for a in applications if a.id not in hidden]),
                        withheld=len(hidden))
