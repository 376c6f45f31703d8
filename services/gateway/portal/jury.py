"""The juror's portal (/<tenant>/jury/): the applications assigned to me (never one I have a conflict with), the
declaration of (no) conflict of interest, the scoring form with a justification per criterion, the submission
after a confirmation, and then (only then) the other jurors' scores."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.gateway.portal.access import Visitor, check_csrf, visitor
from services.gateway.portal.applicant import CO_APPLICANT_ROLES, FormData
from services.gateway.portal.forms import Form
from services.gateway.portal.formats import number
from services.gateway.portal.grants_client import (
    ApplicationForScoring, GrantsClient, JurorApplication, Review, Score, ServiceProblem,
)
from services.gateway.runtime import InjectedGateway

JURORS = ("juror",)
REVIEW_STATUS = {None: "nog niet begonnen", "draft": "concept", "submitted": "ingediend"}


def client(who: Visitor, gateway: InjectedGateway) -> GrantsClient:
    return GrantsClient(gateway, who.tenant, who.user)


@get("/{tenant:str}/jury/")
async def index(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, JURORS)
    problem: str | None = None
    assigned: list[JurorApplication] = []
    try:
        assigned = await client(who, gateway).my_assignments()
    except ServiceProblem as exc:
        problem = exc.message
    return who.page("jury/index.html", {"assigned": assigned, "problem": problem, "review_status": REVIEW_STATUS})


def score_form_of(scoring: ApplicationForScoring) -> Form:
    form = Form()
    for score in scoring.review.scores if scoring.review else []:
        form.values[f"score_{score.criterion_id}"] = number(score.score) if score.score is not None else ""
        form.values[f"justification_{score.criterion_id}"] = score.justification
    form.values["version"] = str(scoring.review.version if scoring.review else 0)
    return form


def read_scores(form: Form, scoring: ApplicationForScoring, *, complete: bool) -> list[Score]:
    """Every criterion's score (0 … its maximum, decimals allowed as '7,5') and justification. A draft may leave
    some open; a submission needs all (`complete`)."""
    scores: list[Score] = []
    for criterion in scoring.criteria:
        score_key, why_key = f"score_{criterion.id}", f"justification_{criterion.id}"
        raw = form.values.get(score_key, "").strip().replace(",", ".")
        justification = form.text(why_key, max_length=5000)
        if not raw:
            if complete:
                form.errors[score_key] = f"Geef een score van 0 tot {criterion.max_score}."
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            form.errors[score_key] = f"Geef een getal van 0 tot {criterion.max_score}, bv. 7 of 7,5."
            continue
        decimals = -int(value.as_tuple().exponent) if value.is_finite() else 99
        if not value.is_finite() or not 0 <= value <= criterion.max_score or decimals > 2:
            form.errors[score_key] = f"Geef een score van 0 tot {criterion.max_score}, bv. 7 of 7,5."
            continue
        if complete and not justification:
            form.errors[why_key] = "Motiveer je score: de aanvrager leest later waarom."
        scores.append(Score(criterion_id=criterion.id, score=str(value), justification=justification))
    return scores


async def scoring_page(who: Visitor, grants: GrantsClient, application_id: uuid.UUID, form: Form | None = None,
                       conflict_form: Form | None = None, status_code: int = 200) -> Template:
    scoring = await grants.scoring(str(application_id))
    submitted = scoring.review is not None and scoring.review.status == "submitted"
    others: list[Review] = []
    others_problem: str | None = None
    if submitted:
        try:
            others = [r for r in await grants.reviews(str(application_id)) if r.username != scoring.review.username]
        except ServiceProblem as exc:
            others_problem = exc.message
    criteria = {criterion.id: criterion for criterion in scoring.criteria}
    return who.page("jury/application.html", {
        "scoring": scoring, "criteria": criteria, "submitted": submitted, "others": others,
        "others_problem": others_problem, "form": form or score_form_of(scoring),
        "conflict_form": conflict_form or Form(), "review_status": REVIEW_STATUS, "roles": CO_APPLICANT_ROLES,
    }, status_code=status_code)


@get("/{tenant:str}/jury/{application_id:uuid}")
async def application(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                      gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, JURORS)
    return await scoring_page(who, client(who, gateway), application_id)


@post("/{tenant:str}/jury/{application_id:uuid}/belangenconflict")
async def declare(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                  gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, JURORS)
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    answer = form.values.get("conflict")
    reason = form.text("reason", max_length=2000)
    if answer not in {"ja", "nee"}:
        form.errors["conflict"] = "Kies of je een belangenconflict hebt."
    elif answer == "ja" and not reason:
        form.errors["reason"] = "Beschrijf kort het belangenconflict."
    if form.ok:
        try:
            await grants.declare_conflict(str(application_id), answer == "ja", reason)
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields)
        else:
            if answer == "ja":
                who.flash("Je belangenconflict is genoteerd. Deze aanvraag staat niet meer op je lijst; "
                          "je ziet er niets meer van.")
                return Redirect(f"/{tenant}/jury/")
            who.flash("Genoteerd: je hebt geen belangenconflict met deze aanvraag.")
            return Redirect(f"/{tenant}/jury/{application_id}")
    return await scoring_page(who, grants, application_id, conflict_form=form, status_code=422)


@post("/{tenant:str}/jury/{application_id:uuid}/beoordeling")
async def save(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
               gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    """'Concept bewaren' keeps whatever is filled in; 'Indienen…' saves too, then asks for a confirmation."""
    who = await visitor(request, tenant, gateway, JURORS)
    check_csrf(data, who)
    grants = client(who, gateway)
    scoring = await grants.scoring(str(application_id))
    form = Form.posted(data)
    to_submit = data.get("action") == "submit"
    scores = read_scores(form, scoring, complete=to_submit)
    if form.ok:
        try:
            await grants.save_review(str(application_id), scores, int(form.values.get("version") or 0))
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields)
        else:
            if to_submit:
                return Redirect(f"/{tenant}/jury/{application_id}/indienen")
            who.flash("Je concept is bewaard. Niemand anders ziet het.")
            return Redirect(f"/{tenant}/jury/{application_id}#beoordeling")
    return await scoring_page(who, grants, application_id, form=form, status_code=422)


@get("/{tenant:str}/jury/{application_id:uuid}/indienen")
async def confirm_submission(request: Request[Any, Any, Any], tenant: FromPath[str],
                             application_id: FromPath[uuid.UUID],
                             gateway: InjectedGateway) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, JURORS)
    scoring = await client(who, gateway).scoring(str(application_id))
    if scoring.review is None or scoring.review.status == "submitted":
        return Redirect(f"/{tenant}/jury/{application_id}")
    criteria = {criterion.id: criterion for criterion in scoring.criteria}
    return who.page("jury/confirm.html", {"scoring": scoring, "review": scoring.review, "criteria": criteria,
                                          "problem": None})


@post("/{tenant:str}/jury/{application_id:uuid}/indienen")
async def submit(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                 gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, JURORS)
    check_csrf(data, who)
    grants = client(who, gateway)
    try:
        await grants.submit_review(str(application_id), int(str(data.get("version") or 0)))
    except ServiceProblem as exc:
        scoring = await grants.scoring(str(application_id))
        criteria = {criterion.id: criterion for criterion in scoring.criteria}
        return who.page("jury/confirm.html", {"scoring": scoring, "review": scoring.review, "criteria": criteria,
                                              "problem": exc.message}, status_code=exc.status)
    who.flash("Je beoordeling is ingediend. Je ziet nu ook de scores van de andere juryleden.")
    return Redirect(f"/{tenant}/jury/{application_id}")


ROUTES = [index, application, declare, save, confirm_submission, submit]
