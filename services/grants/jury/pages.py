"""The jury's portal pages.

The juror's (/<tenant>/jury/): the applications assigned to me (never one I have a conflict with), the
declaration of (no) conflict of interest, the scoring form with a justification per criterion, the submission
after a confirmation, and then (only then) the other jurors' scores.

The call manager's (/<tenant>/provincie/oproepen/<call>/jury…): composing the jury (members, their
organisation, the chair), the proposed assignment (load per juror, shortfalls as warnings) and fixing it; the
jury overview (mean, spread, each juror beside their own average, disagreement) with the meeting order; and the
consensus form. The chair is a juror, not a call manager: the overview and the consensus form are open to
jurors too, and the jury service lets only the chair (or a call manager) through. The chair reaches them from
the jury portal (templates/province/chair_links.html, included in the juror's list)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.rules import CO_APPLICANT_ROLES
from services.grants.calls import service as calls
from services.grants.calls.routes import to_out as call_out
from services.grants.calls.rules import MANAGERS, CallStatus
from services.grants.calls.schemas import CallOut
from services.grants.jury import service
from services.grants.jury.rules import REVIEW_STATUS_LABELS, ReviewStatus
from services.grants.jury.schemas import (
    ApplicationForScoring,
    AssignmentsOut,
    ComposeJury,
    DeclareConflict,
    FixAssignments,
    JuryView,
    RecordConsensus,
    ReviewOut,
    SaveReview,
)
from services.grants.portal import JURORS, form_post, visitor
from shared.i18n import N_, _
from shared.portal import formats
from shared.portal.forms import Form, command, sentence
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import Problem

CHAIR_OR_MANAGERS = (*MANAGERS, "juror")
MEMBER_ROWS = 6
"""Empty rows the composition form offers at least, so a manager can add members without any script."""
SCORE_HINT = N_("Geef een score van 0 tot %(maximum)s, bv. 7 of 7,5.")


def parsed_score(raw: str, maximum: int) -> Decimal | None:
    """'7,5' or '7.5' → Decimal('7.5') when it lies within 0 … `maximum` with at most two decimals; else None."""
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or -int(value.as_tuple().exponent) > 2 or not 0 <= value <= maximum:
        return None
    return value


# ---- the juror's portal ----------------------------------------------------------------------------------

@get("/{tenant:str}/jury/")
async def index(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session, JURORS)
    problem: str | None = None
    assigned = []
    try:
        assigned = await service.my_applications(session, who.person, None)
    except Problem as exc:
        problem = sentence(exc.detail)
    return who.page("jury/index.html", {"assigned": assigned, "problem": problem,
                                        "review_status": REVIEW_STATUS_LABELS})


def score_form_of(scoring: ApplicationForScoring) -> Form:
    form = Form()
    for score in scoring.review.scores if scoring.review else []:
        form.values[f"score_{score.criterion_id}"] = formats.decimal(score.score)
        form.values[f"justification_{score.criterion_id}"] = score.justification
    form.values["version"] = str(scoring.review.version if scoring.review else 0)
    return form


def read_scores(form: Form, scoring: ApplicationForScoring, *, complete: bool) -> list[dict[str, Any]]:
    """Every criterion's score (0 … its maximum, decimals allowed as '7,5') and justification. A draft may leave
    some open; a submission needs all (`complete`)."""
    scores: list[dict[str, Any]] = []
    for criterion in scoring.criteria:
        score_key, why_key = f"score_{criterion.id}", f"justification_{criterion.id}"
        raw = form.values.get(score_key, "").strip()
        justification = form.text(why_key, max_length=5000)
        if not raw:
            if complete:
                form.errors[score_key] = _("Geef een score van 0 tot %(maximum)s.") % {"maximum": criterion.max_score}
            continue
        value = parsed_score(raw, criterion.max_score)
        if value is None:
            form.errors[score_key] = _(SCORE_HINT) % {"maximum": criterion.max_score}
            continue
        if complete and not justification:
            form.errors[why_key] = _("Motiveer je score: de aanvrager leest later waarom.")
        scores.append({"criterion_id": criterion.id, "score": value, "justification": justification})
    return scores


def score_fields(scores: list[dict[str, Any]]) -> dict[str, str]:
    """The review's field names as the service names them (scores[0].score) → the form's (score_<criterion>)."""
    names: dict[str, str] = {}
    for i, score in enumerate(scores):
        names[f"scores[{i}].score"] = f"score_{score['criterion_id']}"
        names[f"scores[{i}].justification"] = f"justification_{score['criterion_id']}"
    return names


async def scoring_page(who: Viewer, session: AsyncSession, application_id: uuid.UUID, form: Form | None = None,
                       conflict_form: Form | None = None, status_code: int = 200) -> Template:
    principal = who.person
    scoring = await service.application_for_scoring(session, principal, application_id)
    submitted = scoring.review is not None and scoring.review.status == ReviewStatus.SUBMITTED
    others: list[ReviewOut] = []
    others_problem: str | None = None
    if submitted:
        try:
            others = [r for r in await service.reviews_of(session, principal, application_id)
                      if r.username != principal.username]
        except Problem as exc:
            others_problem = sentence(exc.detail)
    criteria = {criterion.id: criterion for criterion in scoring.criteria}
    return who.page("jury/application.html", {
        "scoring": scoring, "criteria": criteria, "submitted": submitted, "others": others,
        "others_problem": others_problem, "form": form or score_form_of(scoring),
        "conflict_form": conflict_form or Form(), "review_status": REVIEW_STATUS_LABELS, "roles": CO_APPLICANT_ROLES,
    }, status_code=status_code)


@get("/{tenant:str}/jury/{application_id:uuid}")
async def application(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID) -> Template:
    who = await visitor(request, session, JURORS)
    return await scoring_page(who, session, application_id)


@post("/{tenant:str}/jury/{application_id:uuid}/belangenconflict")
async def declare(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                  data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, JURORS)
    answer = form.values.get("conflict")
    reason = form.text("reason", max_length=2000)
    if answer not in {"ja", "nee"}:
        form.errors["conflict"] = _("Kies of je een belangenconflict hebt.")
    elif answer == "ja" and not reason:
        form.errors["reason"] = _("Beschrijf kort het belangenconflict.")
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.declare_conflict(session, who.person, application_id, command(
                    DeclareConflict, {"has_conflict": answer == "ja", "reason": reason}))
        except Problem as exc:
            form.refuse_problem(exc)
        else:
            if answer == "ja":
                who.flash(_("Je belangenconflict is genoteerd. Deze aanvraag staat niet meer op je lijst; "
                          "je ziet er niets meer van."))
                return who.redirect("jury/")
            who.flash(_("Genoteerd: je hebt geen belangenconflict met deze aanvraag."))
            return who.redirect(f"jury/{application_id}")
    return await scoring_page(who, session, application_id, conflict_form=form, status_code=422)


@post("/{tenant:str}/jury/{application_id:uuid}/beoordeling")
async def save(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
               data: FormData) -> Template | Redirect:
    """'Concept bewaren' keeps whatever is filled in; 'Indienen…' saves too, then asks for a confirmation."""
    who, _form = await form_post(request, session, data, JURORS)
    scoring = await service.application_for_scoring(session, who.person, application_id)
    form = Form.posted(data)
    to_submit = data.get("action") == "submit"
    scores = read_scores(form, scoring, complete=to_submit)
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.save_review(session, who.person, application_id,
                                          command(SaveReview, {"scores": scores}),
                                          form.version() or None)
        except Problem as exc:
            form.refuse_problem(exc, score_fields(scores))
        else:
            if to_submit:
                return who.redirect(f"jury/{application_id}/indienen")
            who.flash(_("Je concept is bewaard. Niemand anders ziet het."))
            return who.redirect(f"jury/{application_id}#beoordeling")
    return await scoring_page(who, session, application_id, form=form, status_code=422)


def confirmation(who: Viewer, scoring: ApplicationForScoring, problem: str | None = None,
                 status_code: int = 200) -> Template:
    criteria = {criterion.id: criterion for criterion in scoring.criteria}
    return who.page("jury/confirm.html", {"scoring": scoring, "review": scoring.review, "criteria": criteria,
                                          "problem": problem}, status_code=status_code)


@get("/{tenant:str}/jury/{application_id:uuid}/indienen")
async def confirm_submission(request: Request[Any, Any, Any], session: AsyncSession,
                             application_id: uuid.UUID) -> Template | Redirect:
    who = await visitor(request, session, JURORS)
    scoring = await service.application_for_scoring(session, who.person, application_id)
    if scoring.review is None or scoring.review.status == ReviewStatus.SUBMITTED:
        return who.redirect(f"jury/{application_id}")
    return confirmation(who, scoring)


@post("/{tenant:str}/jury/{application_id:uuid}/indienen")
async def submit(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                 data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, JURORS)
    try:
        async with undone_on_refusal(session):
            await service.submit_review(session, who.person, application_id, form.version())
    except Problem as exc:
        scoring = await service.application_for_scoring(session, who.person, application_id)
        return confirmation(who, scoring, sentence(exc.detail), exc.status)
    who.flash(_("Je beoordeling is ingediend. Je ziet nu ook de scores van de andere juryleden."))
    return who.redirect(f"jury/{application_id}")


# ---- composing the jury and the assignment (call managers) -----------------------------------------------

async def managed_call(session: AsyncSession, who: Viewer, call_id: uuid.UUID) -> CallOut:
    return call_out(await calls.get_visible(session, who.person, call_id))


def member_rows(form: Form) -> int:
    rows = [int(m[1]) for key in form.values if (m := re.match(r"member_username_(\d+)$", key))]
    return max([MEMBER_ROWS - 1, *rows]) + 1


def read_members(form: Form) -> tuple[list[dict[str, Any]], str | None]:
    """The filled rows (empty ones are ignored) and the chair's username."""
    members: list[dict[str, Any]] = []
    chair: str | None = None
    seen: set[str] = set()
    for row in range(1, member_rows(form) + 1):
        keys = [f"member_{part}_{row}" for part in ("username", "name", "kbo")]
        if not any(form.values.get(key, "").strip() for key in keys):
            continue
        username = form.text(keys[0], required=_("Vul de gebruikersnaam in."), max_length=100)
        name = form.text(keys[1], required=_("Vul de naam in."), max_length=200)
        number_text = form.values.get(keys[2], "").strip()
        enterprise = form.parsed(keys[2], formats.parse_enterprise_number) if number_text else None
        if username in seen:
            form.errors[keys[0]] = _("Dit jurylid staat al hoger in de lijst.")
        seen.add(username)
        if form.values.get("chair") == str(row):
            chair = username
        members.append({"username": username, "name": name, "enterprise_number": enterprise})
    if not members:
        form.errors["member_username_1"] = _("Vul minstens één jurylid in.")
    elif chair is None:
        form.errors["chair"] = _("Duid de voorzitter aan: een van de ingevulde juryleden.")
    return members, chair


def assignment_form(assignments: AssignmentsOut) -> Form:
    return Form(values={f"assign_{a.application_id}": ", ".join(a.jurors) for a in assignments.applications})


def read_assignment(form: Form) -> list[dict[str, Any]]:
    return [{"application_id": key.removeprefix("assign_"),
             "jurors": [u.strip() for u in value.split(",") if u.strip()]}
            for key, value in form.values.items() if key.startswith("assign_")]


async def jury_page(who: Viewer, session: AsyncSession, call_id: uuid.UUID, *, members: Form | None = None,
                    assignment: Form | None = None, propose: bool = False, status_code: int = 200) -> Template:
    principal = who.person
    call = await managed_call(session, who, call_id)
    jury = await service.get_jury(session, principal, call_id)
    if members is None:
        members = Form(values={"chair": ""})
        for row, member in enumerate(jury.members, start=1):
            members.values |= {f"member_username_{row}": member.username, f"member_name_{row}": member.name,
                               f"member_kbo_{row}": formats.enterprise_number(member.enterprise_number)
                               if member.enterprise_number else ""}
            if member.is_chair:
                members.values["chair"] = str(row)
    shown: AssignmentsOut | None = None
    problem: str | None = None
    if jury.members and call.status != CallStatus.DRAFT:
        try:
            shown = await (service.propose_assignments(session, principal, call_id) if propose
                           else service.get_assignments(session, principal, call_id))
        except Problem as exc:
            problem = sentence(exc.detail)
    if assignment is None and shown is not None:
        assignment = assignment_form(shown)
    return who.page("province/jury.html", {
        "call": call, "jury": jury, "members": members, "member_rows": member_rows(members),
        "assignments": shown, "assignment": assignment or Form(), "assignment_problem": problem,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/jury")
async def jury(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
               voorstel: bool = False) -> Template:
    """With ?voorstel=1 the service's balanced proposal (nothing stored) instead of the fixed assignment."""
    who = await visitor(request, session, MANAGERS)
    return await jury_page(who, session, call_id, propose=voorstel)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/jury")
async def compose(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
                  data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, MANAGERS)
    members, chair = read_members(form)
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.compose(session, who.person, call_id,
                                      command(ComposeJury, {"members": members, "chair": chair}),
                                      form.version())
        except Problem as exc:
            form.refuse(sentence(exc.detail))
        else:
            who.flash(_("De jury is samengesteld: %(count)s leden, voorzitter %(chair)s.")
                      % {"count": len(members), "chair": chair})
            return who.redirect(f"provincie/oproepen/{call_id}/jury")
    return await jury_page(who, session, call_id, members=form, status_code=422)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/jury/toewijzing")
async def fix_assignment(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
                         data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, MANAGERS)
    try:
        async with undone_on_refusal(session):
            await service.fix_assignments(session, who.person, call_id,
                                          command(FixAssignments, {"assignments": read_assignment(form)}),
                                          form.version())
    except Problem as exc:
        form.refuse(sentence(exc.detail))
        return await jury_page(who, session, call_id, assignment=form, propose=True, status_code=exc.status)
    who.flash(_("De toewijzing is vastgelegd. De juryleden zien hun aanvragen nu in het juryportaal."))
    return who.redirect(f"provincie/oproepen/{call_id}/jury")


# ---- the overview, the meeting order and the consensus (managers and the chair) ---------------------------

def calibration(value: Any) -> str:
    """+4,5 / −2 / ±0: how far a score sits from the juror's own average."""
    amount = Decimal(str(value))
    sign = "+" if amount > 0 else "−" if amount < 0 else "±"
    return f"{sign}{formats.decimal(abs(amount))}"


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/juryoverzicht")
async def overview(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID) -> Template:
    who = await visitor(request, session, CHAIR_OR_MANAGERS)
    principal = who.person
    call = await managed_call(session, who, call_id)
    view = await service.jury_view(session, principal, call_id)
    order = await service.meeting_order(session, principal, call_id)
    return who.page("province/jury_view.html", {
        "call": call, "view": view, "order": order, "is_manager": who.holds(*MANAGERS),
        "titles": {a.application_id: a.title for a in view.applications}, "calibration": calibration,
        "criteria": {c.id: c for c in call.criteria},
    })


def consensus_form(view: JuryView, application_id: uuid.UUID) -> Form:
    item = next((a for a in view.applications if a.application_id == application_id), None)
    form = Form()
    if item is None:
        return form
    source = item.consensus.scores if item.consensus else item.criterion_means
    form.values = {f"score_{criterion}": formats.decimal(score) for criterion, score in source.items()}
    form.values["minutes"] = item.consensus.minutes if item.consensus else ""
    form.values["version"] = str(item.consensus.version if item.consensus else 0)
    return form


def read_consensus(form: Form, call: CallOut) -> list[dict[str, Any]]:
    scores: list[dict[str, Any]] = []
    for criterion in call.criteria:
        key = f"score_{criterion.id}"
        value = parsed_score(form.values.get(key, ""), criterion.max_score)
        if value is None:
            form.errors[key] = _(SCORE_HINT) % {"maximum": criterion.max_score}
            continue
        scores.append({"criterion_id": criterion.id, "score": value})
    form.text("minutes", required=_("Vat de bespreking samen: de aanvrager leest dit als motivering."),
              max_length=10_000)
    return scores


async def consensus_page(who: Viewer, session: AsyncSession, call_id: uuid.UUID, application_id: uuid.UUID,
                         form: Form | None = None, status_code: int = 200) -> Template:
    call = await managed_call(session, who, call_id)
    view = await service.jury_view(session, who.person, call_id)
    item = next((a for a in view.applications if a.application_id == application_id), None)
    return who.page("province/consensus.html", {
        "call": call, "item": item, "form": form or consensus_form(view, application_id),
        "is_manager": who.holds(*MANAGERS), "calibration": calibration,
    }, status_code=status_code if item else 404)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/consensus/{application_id:uuid}")
async def consensus(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
                    application_id: uuid.UUID) -> Template:
    who = await visitor(request, session, CHAIR_OR_MANAGERS)
    return await consensus_page(who, session, call_id, application_id)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/consensus/{application_id:uuid}")
async def record_consensus(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
                           application_id: uuid.UUID, data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, CHAIR_OR_MANAGERS)
    scores = read_consensus(form, await managed_call(session, who, call_id))
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.record_consensus(
                    session, who.person, application_id,
                    command(RecordConsensus, {"scores": scores, "minutes": form.values["minutes"].strip()}),
                    form.version() or None)
        except Problem as exc:
            if exc.status == 412:
                form.refuse(_("Iemand anders legde intussen een consensus vast voor deze aanvraag; laad de pagina "
                            "opnieuw om ze te zien."))
            else:
                form.refuse_problem(exc)
        else:
            who.flash(_("De consensus en het verslag zijn vastgelegd."))
            return who.redirect(f"provincie/oproepen/{call_id}/juryoverzicht#a-{application_id}")
    return await consensus_page(who, session, call_id, application_id, form, status_code=422)


ROUTES = [index, application, declare, save, confirm_submission, submit,
          jury, compose, fix_assignment, overview, consensus, record_consensus]
