"""The call manager's portal (/<tenant>/provincie/): the calls in every state, the call form (draft and edit,
with If-Match), the lifecycle (publish, close, start the review, archive), a call's applications with their
screening, and per application the manual screening and the audit history.

Jury, ranking and decision pages live in province_jury.py and province_ranking.py; they share the helpers here.
Every form is POST-redirect-GET; on a refusal the page comes back with the input and the Dutch message."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from services.gateway.portal import call_form
from services.gateway.portal.access import Visitor, check_csrf, visitor
from services.gateway.portal.applicant import STATUS_LABELS, FormData
from services.gateway.portal.forms import Form
from services.gateway.portal.grants_client import (
    Application, GrantsClient, ManagedCall, Screening, ServiceProblem, sentence,
)
from services.gateway.runtime import InjectedGateway

MANAGERS = ("call-manager", "province-admin")
STALE_CALL = ("Iemand anders wijzigde deze oproep intussen. Wat jij invulde staat hieronder nog; "
              "bewaar opnieuw om hun wijziging hiermee te overschrijven, of annuleer om ze te bekijken.")
LIFECYCLE: dict[str, tuple[str, str]] = {
    # form path → (the grants action, what the flash says)
    "publiceren": ("publish", "De oproep is gepubliceerd. Aanvragers zien ze nu op de openbare pagina."),
    "afsluiten": ("close", "De oproep is afgesloten."),
    "beoordeling-starten": ("start-review", "De beoordeling is gestart."),
    "archiveren": ("archive", "De oproep is gearchiveerd."),
}
AUDIT_ACTIONS: dict[str, str] = {
    "call.published": "oproep gepubliceerd", "call.closed": "oproep afgesloten",
    "call.in-review": "beoordeling gestart", "call.decided": "beslist", "call.archived": "gearchiveerd",
    "co_applicant.confirmed": "mede-aanvrager bevestigde", "application.submitted": "ingediend",
    "application.withdrawn": "ingetrokken", "screening.automatic": "automatische screening",
    "screening.recorded": "screening vastgelegd", "conflict.declared": "belangenconflict verklaard",
    "score.submitted": "score ingediend", "consensus.recorded": "consensus vastgelegd",
    "jury.composed": "jury samengesteld", "assignments.fixed": "toewijzing vastgelegd",
    "proposal.fixed": "voorstel vastgelegd", "decision.published": "beslissing genomen",
    "application.awarded": "toegekend", "application.rejected": "afgewezen", "appeal.received": "beroep ingediend",
    "appeal.under-review": "beroep in behandeling", "appeal.upheld": "beroep gegrond",
    "appeal.dismissed": "beroep ongegrond",
}
CHECK_LABELS: dict[str, str] = {
    "required_attachments": "verplichte bijlagen", "maximum_per_project": "maximum per project",
    "cofinancing": "cofinancieringsgraad", "min_coapplicants": "aantal mede-aanvragers",
    "social_economy_coapplicant": "sociale-economiepartner",
}


def shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {shown(v)}" for k, v in value.items()) or "—"
    return str(value)


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """An audit entry's before and after as (field, before, after), the fields that differ only."""
    old, new = before or {}, after or {}
    return [(key, shown(old.get(key)), shown(new.get(key))) for key in dict.fromkeys([*old, *new])
            if old.get(key) != new.get(key)]


def client(who: Visitor, gateway: InjectedGateway) -> GrantsClient:
    return GrantsClient(gateway, who.tenant, who.user)


def problems_of(exc: ServiceProblem) -> list[str]:
    """The service lists every reason in one Dutch detail, separated by '; ' (publication, validation)."""
    return [sentence(part) for part in exc.message.rstrip(".").split("; ") if part.strip()]


# ---- the calls ------------------------------------------------------------------------------------------

@get("/{tenant:str}/provincie/")
async def index(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, MANAGERS)
    problem: str | None = None
    calls: list[ManagedCall] = []
    try:
        calls = await client(who, gateway).managed_calls()
    except ServiceProblem as exc:
        problem = exc.message
    return who.page("province/index.html", {"calls": calls, "problem": problem})


def call_form_page(who: Visitor, form: Form, call: ManagedCall | None = None, status_code: int = 200) -> Template:
    rows = call_form.criterion_rows(call, form)
    base = f"/{who.tenant}/provincie/oproepen"
    action = f"{base}/{call.id}/bewerken" if call else f"{base}/nieuw"
    return who.page("province/call_form.html", {
        "call": call, "form": form, "action": action, "criterion_rows": rows,
        "attachment_rows": call_form.ATTACHMENT_ROWS, "tie_slots": call_form.TIE_BREAK_SLOTS,
        "tie_options": call_form.tie_break_options(rows), "file_types": call_form.FILE_TYPES,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/nieuw")
async def new_call(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, MANAGERS)
    return call_form_page(who, Form(values=dict(call_form.DEFAULTS)))


@post("/{tenant:str}/provincie/oproepen/nieuw")
async def create_call(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway,
                      data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    form = Form.posted(data)
    terms = call_form.read_call(form)
    if terms is not None:
        try:
            call = await client(who, gateway).draft_call(terms)
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields, call_form.CALL_FIELDS)
        else:
            who.flash("De oproep is bewaard als concept. Kijk ze na en publiceer ze wanneer ze klaar is.")
            return Redirect(f"/{tenant}/provincie/oproepen/{call.id}")
    return call_form_page(who, form, status_code=422)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/bewerken")
async def edit_call(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                    gateway: InjectedGateway) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    call = await client(who, gateway).managed_call(str(call_id))
    if call.status != "draft":
        who.flash(f"Deze oproep is {call.status_label or call.status}: alleen een concept kan nog gewijzigd worden.",
                  "error")
        return Redirect(f"/{tenant}/provincie/oproepen/{call_id}")
    return call_form_page(who, call_form.form_of(call), call)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/bewerken")
async def save_call(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                    gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    terms = call_form.read_call(form)
    if terms is not None:
        try:
            await grants.change_call(str(call_id), int(form.values.get("version") or 0), terms)
        except ServiceProblem as exc:
            if exc.status == 412:
                form.refuse(STALE_CALL)
                # A second save is a deliberate overwrite of the other person's change.
                form.values["version"] = str((await grants.managed_call(str(call_id))).version)
            else:
                form.refuse(exc.message, exc.fields, call_form.CALL_FIELDS)
        else:
            who.flash("De wijzigingen zijn bewaard.")
            return Redirect(f"/{tenant}/provincie/oproepen/{call_id}")
    return call_form_page(who, form, await grants.managed_call(str(call_id)),
                          status_code=412 if form.message == STALE_CALL else 422)


# ---- a call's page: terms, lifecycle, applications ------------------------------------------------------

async def screenings_of(grants: GrantsClient, applications: list[Application]) -> dict[str, Screening | None]:
    async def one(application: Application) -> Screening | None:
        try:
            return await grants.screening(application.id)
        except ServiceProblem:
            return None  # shown as "not available"; the application's own page says why
    found = await asyncio.gather(*(one(a) for a in applications))
    return {a.id: s for a, s in zip(applications, found, strict=True)}


async def call_page(who: Visitor, grants: GrantsClient, call_id: uuid.UUID, problems: list[str] | None = None,
                    status_code: int = 200) -> Template:
    call = await grants.managed_call(str(call_id))
    applications: list[Application] = []
    screenings: dict[str, Screening | None] = {}
    if call.status != "draft":
        applications = await grants.call_applications(call.id)
        screenings = await screenings_of(grants, applications)
    return who.page("province/call.html", {
        "call": call, "applications": applications, "screenings": screenings, "statuses": STATUS_LABELS,
        "problems": problems or [], "tie_labels": dict(call_form.tie_break_options(len(call.criteria))),
        "file_types": {mime: label for mime, label in call_form.FILE_TYPES.values()},
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}")
async def call(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
               gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, MANAGERS)
    return await call_page(who, client(who, gateway), call_id)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/status/{step:str}")
async def move(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
               step: FromPath[str], gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    if step not in LIFECYCLE:
        return Redirect(f"/{tenant}/provincie/oproepen/{call_id}")
    action, done = LIFECYCLE[step]
    grants = client(who, gateway)
    try:
        await grants.move_call(str(call_id), action, int(str(data.get("version") or 0)))
    except ServiceProblem as exc:
        intro = {"publish": "De oproep kan nog niet gepubliceerd worden:"}.get(action, "Dat lukte niet:")
        return await call_page(who, grants, call_id, [intro, *problems_of(exc)], status_code=exc.status)
    who.flash(done)
    return Redirect(f"/{tenant}/provincie/oproepen/{call_id}")


# ---- one application: screening and history ---------------------------------------------------------------

async def application_page(who: Visitor, grants: GrantsClient, application_id: uuid.UUID,
                           form: Form | None = None, status_code: int = 200) -> Template:
    application = await grants.application(str(application_id))
    call, screening, history = await asyncio.gather(
        grants.managed_call(application.call_id), grants.screening(str(application_id)),
        grants.application_audit(str(application_id)))
    if form is None:
        form = Form(values={"result": screening.result or "", "reasons": screening.reasons,
                            "version": str(screening.version)})
    return who.page("province/application.html", {
        "application": application, "call": call, "screening": screening, "history": history, "form": form,
        "statuses": STATUS_LABELS, "actions": AUDIT_ACTIONS, "checks": CHECK_LABELS, "changes": changes,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/aanvragen/{application_id:uuid}")
async def application(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                      gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, MANAGERS)
    return await application_page(who, client(who, gateway), application_id)


@post("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/screening")
async def record_screening(request: Request[Any, Any, Any], tenant: FromPath[str],
                           application_id: FromPath[uuid.UUID], gateway: InjectedGateway,
                           data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, MANAGERS)
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    result = form.values.get("result", "")
    reasons = form.text("reasons", max_length=5000)
    if result not in {"eligible", "ineligible"}:
        form.errors["result"] = "Kies ontvankelijk of niet ontvankelijk."
    elif result == "ineligible" and not reasons:
        form.errors["reasons"] = "Motiveer waarom de aanvraag niet ontvankelijk is: de aanvrager leest dit."
    if form.ok:
        try:
            await grants.record_screening(str(application_id), int(form.values.get("version") or 0), result, reasons)
        except ServiceProblem as exc:
            form.refuse("Iemand anders legde intussen een screening vast; kijk ze hieronder na en beslis opnieuw."
                        if exc.status == 412 else exc.message, exc.fields)
            if exc.status == 412:
                form.values["version"] = str((await grants.screening(str(application_id))).version)
        else:
            who.flash("De screening is vastgelegd." if result == "eligible"
                      else "De screening is vastgelegd: niet ontvankelijk.")
            return Redirect(f"/{tenant}/provincie/aanvragen/{application_id}")
    return await application_page(who, grants, application_id, form, status_code=422)


@get("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/beslissingsbrief")
async def letter(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                 gateway: InjectedGateway) -> Response[bytes]:
    """The decision letter as the applicant receives it, read with the call manager's own token."""
    who = await visitor(request, tenant, gateway, MANAGERS)
    pdf = await client(who, gateway).letter(str(application_id))
    return Response(pdf.content, media_type="application/pdf", headers={
        "content-disposition": f'inline; filename="beslissing-{application_id}.pdf"', "cache-control": "no-store"})


ROUTES = [index, new_call, create_call, edit_call, save_call, call, move, application, record_screening, letter]
