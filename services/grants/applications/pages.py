"""The applicant's portal (/<tenant>/aanvragen/): open calls, a call's public page, the draft with its
co-applicants and attachments, submission and withdrawal; the application's page, with the decision section
once decided (decisions.pages, awards.pages); and the co-applicant's confirmation (/<tenant>/mede-aanvragen/).

Every form is POST-redirect-GET. When something is wrong the page is shown again with the person's input and
a Dutch message beside the field; the service's refusals (a passed deadline, a missing confirmation) are shown
the same way, and nothing already saved is lost: a refused write is undone in its savepoint.

The page modules of applications, decisions and awards import each other as modules: the application page
shows the sections of the other two, and their forms show the application page again when refused."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications import routes, rules, service
from services.grants.applications.rules import ApplicationStatus
from services.grants.applications.schemas import AddCoApplicant, ApplicationChanges, ApplicationOut, DraftApplication
from services.grants.awards import rules as award_rules
from services.grants.calls import routes as call_routes
from services.grants.calls import service as calls
from services.grants.calls.rules import CallStatus
from services.grants.calls.schemas import CallOut
from services.grants.decisions import rules as decision_rules
from services.grants.decisions import section as decision_section
from services.grants.portal import APPLICANTS, CO_APPLICANTS, form_post, public_visitor, visitor
from shared.db import savepoints
from shared.i18n import _
from shared.portal.formats import euros_input, parse_enterprise_number, parse_euros, parse_whole_number
from shared.portal.forms import Form, command, sentence
from shared.portal.pages import FormData, Upload, Viewer, undone_on_refusal, upload_chunks
from shared.problems import Problem
from shared.service_app import Runtime
from shared.storage import ObjectStore

OPEN = CallStatus.PUBLISHED
"""The call status in which applications are started and submitted."""
DRAFT_FIELDS = {"title": "title", "summary": "summary", "requested_cents": "requested",
                "total_cost_cents": "total_cost", "duration_months": "duration", "name": "organisation",
                "applicant_name": "organisation"}
"""The API's field names → the draft form's."""


async def call_of(session: AsyncSession, who: Viewer, call_id: uuid.UUID) -> CallOut:
    return call_routes.to_out(await calls.get_visible(session, who.person, call_id))


# ---- the list and the call's page ------------------------------------------------------------------------

@get("/{tenant:str}/aanvragen/")
async def index(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session, APPLICANTS)
    found = await calls.visible(session, who.person, 200)
    open_calls = [call_routes.to_out(call) for call in found if call.status == OPEN]
    mine: list[ApplicationOut] = []
    if who.holds("applicant"):
        mine = [routes.to_out(a) for a in await service.visible_page(
            session, who.person, call_id=None, statuses=None, after=None, limit=200)]
    return who.page("applicant/index.html", {"calls": open_calls, "mine": mine})


@get("/{tenant:str}/oproepen/{call_id:uuid}")
async def call_page(request: Request[Any, Any, Any], public_session: AsyncSession, runtime: Runtime,
                    call_id: uuid.UUID) -> Template:
    """Public: what an applicant needs to know, readable without logging in."""
    who = await public_visitor(request, runtime.verifier)
    call = call_routes.to_public(await calls.get_public(public_session, who.tenant, call_id))
    is_open = call.status == OPEN
    return who.page("applicant/call.html", {"call": call, "open": is_open,
                                            "can_apply": who.holds("applicant") and is_open})


# ---- the draft --------------------------------------------------------------------------------------------

def draft_form_of(application: ApplicationOut) -> Form:
    return Form(values={"title": application.title, "summary": application.summary,
                        "requested": euros_input(application.requested_cents),
                        "total_cost": euros_input(application.total_cost_cents),
                        "duration": str(application.duration_months), "version": str(application.version)})


def read_draft(form: Form) -> dict[str, Any] | None:
    """The draft form → the command's fields, or None with the messages in `form.errors`."""
    title = form.text("title", required=_("Geef je project een titel."), max_length=500)
    summary = form.text("summary", required=_("Vat je project kort samen."), max_length=5000)
    requested = form.parsed("requested", lambda v: parse_euros(v, field=_("het gevraagde bedrag")))
    total = form.parsed("total_cost", lambda v: parse_euros(v, field=_("de totale kostprijs")))
    duration = form.parsed("duration", lambda v: parse_whole_number(v, field=_("de looptijd"), low=1, high=120))
    if requested is not None and total is not None and requested > total:
        form.errors["requested"] = _("Het gevraagde bedrag kan niet hoger zijn dan de totale kostprijs.")
    if not form.ok:
        return None
    return {"title": title, "summary": summary, "requested_cents": requested, "total_cost_cents": total,
            "duration_months": duration}


def draft_page(who: Viewer, call: CallOut, form: Form, action: str, application: ApplicationOut | None = None,
               status_code: int = 200) -> Template:
    return who.page("applicant/draft_form.html", {"call": call, "form": form, "application": application,
                                                  "action": action}, status_code=status_code)


@get("/{tenant:str}/oproepen/{call_id:uuid}/aanvragen")
async def new_draft(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID) -> Template:
    who = await visitor(request, session, ("applicant",))
    return draft_page(who, await call_of(session, who, call_id), Form(values={"duration": "12"}),
                      f"/{who.tenant}/oproepen/{call_id}/aanvragen")


@post("/{tenant:str}/oproepen/{call_id:uuid}/aanvragen")
async def start_draft(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
                      data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, ("applicant",))
    draft = read_draft(form)
    organisation = form.text("organisation", max_length=300) or None
    if draft is not None and form.ok:
        try:
            async with undone_on_refusal(session):
                application = await service.create(session, who.person, call_id, command(
                    DraftApplication, draft | {"applicant_name": organisation}))
        except Problem as exc:
            form.refuse_problem(exc, DRAFT_FIELDS)
        else:
            who.flash(_("Je concept is bewaard. Voeg nu je mede-aanvragers en bijlagen toe."))
            return who.redirect(f"aanvragen/{application.id}")
    return draft_page(who, await call_of(session, who, call_id), form, f"/{who.tenant}/oproepen/{call_id}/aanvragen",
                      status_code=422)


@get("/{tenant:str}/aanvragen/{application_id:uuid}/bewerken")
async def edit_draft(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID) -> Template:
    who = await visitor(request, session, ("applicant",))
    application = routes.to_out(await service.get_readable(session, who.person, application_id))
    return draft_page(who, await call_of(session, who, application.call_id), draft_form_of(application),
                      f"/{who.tenant}/aanvragen/{application_id}/bewerken", application)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/bewerken")
async def save_draft(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                     data: FormData) -> Template | Redirect:
    """Saved on the version the form was drawn from: a change made meanwhile elsewhere is refused (412), not
    overwritten."""
    who, form = await form_post(request, session, data, ("applicant",))
    draft = read_draft(form)
    if draft is not None:
        try:
            async with undone_on_refusal(session):
                await service.update(session, who.person, application_id, command(ApplicationChanges, draft),
                                     form.version())
        except Problem as exc:
            form.refuse_problem(exc, DRAFT_FIELDS)
        else:
            who.flash(_("Je wijzigingen zijn bewaard."))
            return who.redirect(f"aanvragen/{application_id}")
    application = routes.to_out(await service.get_readable(session, who.person, application_id))
    return draft_page(who, await call_of(session, who, application.call_id), form,
                      f"/{who.tenant}/aanvragen/{application_id}/bewerken", application, status_code=422)


# ---- the application's page ----------------------------------------------------------------------------

def held_version(data: FormData) -> int:
    """The application's version the page showed (its hidden `version` field): a write from a page judges the
    application as the person saw it, and a page without one is as stale as can be (0)."""
    return Form.posted(data).version()


async def application_page(who: Viewer, session: AsyncSession, application_id: uuid.UUID,
                           forms: dict[str, Form] | None = None, problem: str | None = None,
                           status_code: int = 200) -> Template:
    """The application as it stands, its draft forms while it is a draft, and the decision section once decided.
    `forms`: a refused form to show again ("co", "upload", "appeal", or a report kind); `problem`: a refusal
    of the page's buttons (submit, remove)."""
    forms = forms or {}
    found = await service.get_readable(session, who.person, application_id)
    application = routes.to_out(found)
    call = await call_of(session, who, application.call_id)
    unconfirmed = [c for c in application.co_applicants if not c.confirmed]
    uploaded = {a.code for a in application.attachments}
    is_draft = application.status == ApplicationStatus.DRAFT
    return who.page("applicant/application.html", {
        "application": application, "call": call, "roles": rules.CO_APPLICANT_ROLES,
        "other_attachments": rules.OTHER_ATTACHMENTS, "unconfirmed": unconfirmed, "is_draft": is_draft,
        "missing": [r for r in call.required_attachments if r.code not in uploaded],
        "can_submit": is_draft and not unconfirmed and bool(application.co_applicants),
        "co_form": forms.get("co", Form()), "upload_form": forms.get("upload", Form()),
        "submit_key": str(uuid.uuid4()), "upload_key": str(uuid.uuid4()), "problem": problem,
        "withdrawable": application.status in rules.WITHDRAWABLE,
        "after": await decision_section.decision_section(session, who, found, forms),
        "appeal_statuses": decision_rules.APPEAL_LABELS, "tranche_statuses": award_rules.TRANCHE_STATUS_LABELS,
    }, status_code=status_code)


@get("/{tenant:str}/aanvragen/{application_id:uuid}")
async def application(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID) -> Template:
    who = await visitor(request, session, APPLICANTS)
    return await application_page(who, session, application_id)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/mede-aanvragers")
async def add_co_applicant(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                           data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, ("applicant",))
    number = form.parsed("enterprise_number", parse_enterprise_number)
    role = form.text("role", required=_("Kies de rol van deze mede-aanvrager."))
    name = form.text("name", max_length=300) or None
    if role and role not in rules.CO_APPLICANT_ROLES:
        form.errors["role"] = _("Kies een van de rollen uit de lijst.")
    if form.ok and number is not None:
        try:
            async with undone_on_refusal(session):
                await service.add_co_applicant(session, who.person, application_id, command(
                    AddCoApplicant, {"enterprise_number": number, "role": role, "name": name}), held_version(data))
        except Problem as exc:
            form.refuse_problem(exc)
        else:
            who.flash(_("De mede-aanvrager is toegevoegd. Die organisatie moet de deelname nog bevestigen."))
            return who.redirect(f"aanvragen/{application_id}#mede-aanvragers")
    return await application_page(who, session, application_id, {"co": form}, status_code=422)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/mede-aanvragers/{number:str}/verwijderen")
async def remove_co_applicant(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                              number: str, data: FormData) -> Template | Redirect:
    who, _form = await form_post(request, session, data, ("applicant",))
    try:
        async with undone_on_refusal(session):
            await service.remove_co_applicant(session, who.person, application_id, number, held_version(data))
    except Problem as exc:
        return await application_page(who, session, application_id, problem=sentence(exc.detail),
                                      status_code=exc.status)
    who.flash(_("De mede-aanvrager is verwijderd."))
    return who.redirect(f"aanvragen/{application_id}#mede-aanvragers")


@post("/{tenant:str}/aanvragen/{application_id:uuid}/bijlagen")
async def upload_attachment(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                            application_id: uuid.UUID, data: Upload) -> Template | Redirect:
    who, form = await form_post(request, session, data, ("applicant",))
    code = form.text("code", required=_("Kies welke bijlage dit is."))
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        form.errors["file"] = _("Kies een bestand om op te laden.")
    try:
        if form.ok and isinstance(upload, UploadFile):
            try:
                await service.upload_attachment(
                    savepoints(session), who.person, store, application_id, code=code,
                    filename=upload.filename, content_type=upload.content_type, chunks=upload_chunks(upload),
                    idempotency_key=str(data.get("idempotency_key") or uuid.uuid4()))
            except Problem as exc:
                form.refuse_problem(exc)
            else:
                who.flash(_("‘%(file)s’ is opgeladen.") % {"file": upload.filename})
                return who.redirect(f"aanvragen/{application_id}#bijlagen")
    finally:
        if isinstance(upload, UploadFile):
            await upload.close()
    return await application_page(who, session, application_id, {"upload": form}, status_code=422)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/indienen")
async def submit(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                 data: FormData) -> Template | Redirect:
    who, _form = await form_post(request, session, data, ("applicant",))
    try:
        async with undone_on_refusal(session):
            _submitted, warnings = await service.submit(session, who.person, application_id, held_version(data),
                                               str(data.get("idempotency_key") or uuid.uuid4()))
    except Problem as exc:
        # A refused submit (deadline passed, a co-applicant not confirmed) leaves the draft as it was.
        return await application_page(who, session, application_id, problem=sentence(exc.detail),
                                      status_code=exc.status)
    who.flash(" ".join([_("Je aanvraag is ingediend. Hieronder staat precies wat je indiende."),
                        *(_("Let op: %(warning)s") % {"warning": sentence(warning)} for warning in warnings)]))
    return who.redirect(f"aanvragen/{application_id}")


@get("/{tenant:str}/aanvragen/{application_id:uuid}/intrekken")
async def confirm_withdrawal(request: Request[Any, Any, Any], session: AsyncSession,
                             application_id: uuid.UUID) -> Template:
    who = await visitor(request, session, ("applicant",))
    application = routes.to_out(await service.get_readable(session, who.person, application_id))
    return who.page("applicant/withdraw.html", {"application": application, "form": Form()})


@post("/{tenant:str}/aanvragen/{application_id:uuid}/intrekken")
async def withdraw(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                   data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, ("applicant",))
    reason = form.text("reason", max_length=2000)
    try:
        async with undone_on_refusal(session):
            await service.withdraw(session, who.person, application_id, reason)
    except Problem as exc:
        application = routes.to_out(await service.get_readable(session, who.person, application_id))
        return who.page("applicant/withdraw.html", {"application": application,
                                                    "form": form.refuse(sentence(exc.detail))},
                        status_code=exc.status)
    who.flash(_("Je aanvraag is ingetrokken."))
    return who.redirect(f"aanvragen/{application_id}")


# ---- the co-applicant's side ---------------------------------------------------------------------------

@get("/{tenant:str}/mede-aanvragen/")
async def co_applications(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session, CO_APPLICANTS)
    applications = [routes.to_out(a) for a in await service.co_application_page(session, who.person, None, 200)]
    ours = who.enterprise_number
    entries = [(application, next((c for c in application.co_applicants if c.enterprise_number == ours), None))
               for application in applications]
    # What still needs our confirmation first; then the rest, in the service's order.
    awaiting = [(a, c) for a, c in entries if c is not None and not c.confirmed and a.status == ApplicationStatus.DRAFT]
    others = [(a, c) for a, c in entries if c is None or c.confirmed or a.status != ApplicationStatus.DRAFT]
    return who.page("applicant/co_applications.html", {"awaiting": awaiting, "others": others, "our_number": ours})


@post("/{tenant:str}/mede-aanvragen/{application_id:uuid}/bevestigen")
async def confirm_co_application(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                                 data: FormData) -> Redirect:
    who, _form = await form_post(request, session, data, CO_APPLICANTS)
    try:
        async with undone_on_refusal(session):
            await service.confirm(session, who.person, application_id, who.enterprise_number or "-",
                                  held_version(data))
    except Problem as exc:
        who.flash(sentence(exc.detail), "error")
    else:
        who.flash(_("Bevestigd: jouw organisatie neemt deel aan deze aanvraag."))
    return who.redirect("mede-aanvragen/")


ROUTES = [index, call_page, new_draft, start_draft, edit_draft, save_draft, application, add_co_applicant,
          remove_co_applicant, upload_attachment, submit, confirm_withdrawal, withdraw, co_applications,
          confirm_co_application]
