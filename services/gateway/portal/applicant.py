"""The applicant's portal (/<tenant>/aanvragen/): open calls, a call's public page, the draft with its
co-applicants and attachments, submission and withdrawal; and the co-applicant's confirmation
(/<tenant>/mede-aanvragen/).

Every form is POST-redirect-GET. When something is wrong the page is shown again with the person's input and
a Dutch message beside the field; the service's refusals (a passed deadline, a missing confirmation) are shown
the same way, and nothing already saved is lost."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from services.gateway.portal.access import Visitor, check_csrf, optional_visitor, visitor
from services.gateway.portal.forms import Form
from services.gateway.portal.formats import euros_input, parse_enterprise_number, parse_euros, parse_whole_number
from services.gateway.portal.grants_client import (
    Application, ApplicationDraft, Call, GrantsClient, ServiceProblem, sentence,
)
from services.gateway.runtime import InjectedGateway
from shared.tenancy import display_name

APPLICANTS = ("applicant", "call-manager", "province-admin", "partner")
CO_APPLICANTS = ("applicant", "partner")
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_CHUNK = 256 * 1024

CO_APPLICANT_ROLES: dict[str, str] = {
    "social-economy-enterprise": "sociale-economieonderneming",
    "regular-enterprise": "reguliere onderneming",
    "knowledge-partner": "kennispartner",
    "other": "andere partner",
}
STATUS_LABELS: dict[str, str] = {
    "draft": "concept", "submitted": "ingediend", "eligible": "ontvankelijk", "ineligible": "niet ontvankelijk",
    "in-review": "in beoordeling", "awarded": "toegekend", "rejected": "afgewezen", "withdrawn": "ingetrokken",
}
DRAFT_FIELDS = {"title": "title", "summary": "summary", "requested_cents": "requested",
                "total_cost_cents": "total_cost", "duration_months": "duration", "name": "organisation",
                "applicant_name": "organisation"}
"""The API's field names → the draft form's."""


def client(who: Visitor, gateway: InjectedGateway) -> GrantsClient:
    return GrantsClient(gateway, who.tenant, who.user)


def is_open(call: Call) -> bool:
    return call.status == "published"


# ---- the list and the call's page ------------------------------------------------------------------------

@get("/{tenant:str}/aanvragen/")
async def index(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, APPLICANTS)
    grants = client(who, gateway)
    problem: str | None = None
    calls: list[Call] = []
    mine: list[Application] = []
    try:
        calls = [call for call in await grants.calls() if is_open(call)]
        if who.holds("applicant"):
            mine = await grants.my_applications()
    except ServiceProblem as exc:
        problem = exc.message
    titles = {call.id: call.title for call in calls}
    return who.page("applicant/index.html", {"calls": calls, "mine": mine, "titles": titles, "problem": problem,
                                             "statuses": STATUS_LABELS})


@get("/{tenant:str}/oproepen/{call_id:uuid}")
async def call_page(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                    gateway: InjectedGateway) -> Template:
    """Public: what an applicant needs to know, readable without logging in."""
    who = await optional_visitor(request, tenant, gateway)
    call = await GrantsClient(gateway, tenant, who.user if who else None).public_call(str(call_id))
    context = {"call": call, "open": call.status == "published",
               "can_apply": who is not None and who.holds("applicant") and call.status == "published"}
    if who is None:
        return Template(template_name="applicant/call.html", context={
            "tenant": tenant, "province": display_name(tenant), **context})
    return who.page("applicant/call.html", context)


# ---- the draft --------------------------------------------------------------------------------------------

def draft_form_of(application: Application) -> Form:
    return Form(values={"title": application.title, "summary": application.summary,
                        "requested": euros_input(application.requested_cents),
                        "total_cost": euros_input(application.total_cost_cents),
                        "duration": str(application.duration_months)})


def read_draft(form: Form) -> ApplicationDraft | None:
    title = form.text("title", required="Geef je project een titel.", max_length=500)
    summary = form.text("summary", required="Vat je project kort samen.", max_length=5000)
    requested = form.parsed("requested", lambda v: parse_euros(v, field="het gevraagde bedrag"))
    total = form.parsed("total_cost", lambda v: parse_euros(v, field="de totale kostprijs"))
    duration = form.parsed("duration", lambda v: parse_whole_number(v, field="de looptijd", low=1, high=120))
    if requested is not None and total is not None and requested > total:
        form.errors["requested"] = "Het gevraagde bedrag kan niet hoger zijn dan de totale kostprijs."
    organisation = form.text("organisation", max_length=300) or None
    if not form.ok or requested is None or total is None or duration is None:
        return None
    return ApplicationDraft(title=title, summary=summary, requested_cents=requested, total_cost_cents=total,
                            duration_months=duration, applicant_name=organisation)


@get("/{tenant:str}/oproepen/{call_id:uuid}/aanvragen")
async def new_draft(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                    gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, ("applicant",))
    call = await client(who, gateway).call(str(call_id))
    return who.page("applicant/draft_form.html", {"call": call, "form": Form(values={"duration": "12"}),
                                                  "action": f"/{tenant}/oproepen/{call_id}/aanvragen"})


@post("/{tenant:str}/oproepen/{call_id:uuid}/aanvragen")
async def start_draft(request: Request[Any, Any, Any], tenant: FromPath[str], call_id: FromPath[uuid.UUID],
                      gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    draft = read_draft(form)
    if draft is not None:
        try:
            application = await grants.start_application(str(call_id), draft)
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields, DRAFT_FIELDS)
        else:
            who.flash("Je concept is bewaard. Voeg nu je mede-aanvragers en bijlagen toe.")
            return Redirect(f"/{tenant}/aanvragen/{application.id}")
    call = await grants.call(str(call_id))
    return who.page("applicant/draft_form.html", {"call": call, "form": form,
                                                  "action": f"/{tenant}/oproepen/{call_id}/aanvragen"},
                    status_code=422)


@get("/{tenant:str}/aanvragen/{application_id:uuid}/bewerken")
async def edit_draft(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                     gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, ("applicant",))
    grants = client(who, gateway)
    application = await grants.application(str(application_id))
    call = await grants.call(application.call_id)
    form = draft_form_of(application)
    form.values["version"] = str(application.version)
    return who.page("applicant/draft_form.html", {"call": call, "form": form, "application": application,
                                                  "action": f"/{tenant}/aanvragen/{application_id}/bewerken"})


@post("/{tenant:str}/aanvragen/{application_id:uuid}/bewerken")
async def save_draft(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                     gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    form.values["version"] = str(data.get("version", ""))
    draft = read_draft(form)
    if draft is not None:
        try:
            await grants.update_application(str(application_id), int(form.values["version"] or 0), draft)
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields, DRAFT_FIELDS)
        else:
            who.flash("Je wijzigingen zijn bewaard.")
            return Redirect(f"/{tenant}/aanvragen/{application_id}")
    application = await grants.application(str(application_id))
    call = await grants.call(application.call_id)
    return who.page("applicant/draft_form.html", {"call": call, "form": form, "application": application,
                                                  "action": f"/{tenant}/aanvragen/{application_id}/bewerken"},
                    status_code=422)


# ---- the application's page ----------------------------------------------------------------------------

async def application_page(who: Visitor, grants: GrantsClient, application_id: uuid.UUID,
                           forms: dict[str, Form] | None = None, problem: str | None = None,
                           status_code: int = 200) -> Template:
    application = await grants.application(str(application_id))
    call = await grants.call(application.call_id)
    unconfirmed = [c for c in application.co_applicants if not c.confirmed]
    uploaded = {a.code for a in application.attachments}
    missing = [r for r in call.required_attachments if r.code not in uploaded]
    forms = forms or {}
    return who.page("applicant/application.html", {
        "application": application, "call": call, "roles": CO_APPLICANT_ROLES, "statuses": STATUS_LABELS,
        "unconfirmed": unconfirmed, "missing": missing, "is_draft": application.status == "draft",
        "can_submit": application.status == "draft" and not unconfirmed and bool(application.co_applicants),
        "warnings": application.warnings,
        "co_form": forms.get("co", Form()), "upload_form": forms.get("upload", Form()),
        "submit_key": str(uuid.uuid4()), "upload_key": str(uuid.uuid4()), "problem": problem,
        "withdrawable": application.status in {"draft", "submitted", "eligible", "ineligible", "in-review"},
    }, status_code=status_code)


@get("/{tenant:str}/aanvragen/{application_id:uuid}")
async def application(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                      gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, APPLICANTS)
    return await application_page(who, client(who, gateway), application_id)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/mede-aanvragers")
async def add_co_applicant(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                           gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    number = form.parsed("enterprise_number", parse_enterprise_number)
    role = form.text("role", required="Kies de rol van deze mede-aanvrager.")
    name = form.text("name", max_length=300) or None
    if role and role not in CO_APPLICANT_ROLES:
        form.errors["role"] = "Kies een van de rollen uit de lijst."
    if form.ok and number is not None:
        try:
            await grants.add_co_applicant(str(application_id), number, role, name)
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields)
        else:
            who.flash("De mede-aanvrager is toegevoegd. Die organisatie moet de deelname nog bevestigen.")
            return Redirect(f"/{tenant}/aanvragen/{application_id}#mede-aanvragers")
    return await application_page(who, grants, application_id, {"co": form}, status_code=422)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/mede-aanvragers/{number:str}/verwijderen")
async def remove_co_applicant(request: Request[Any, Any, Any], tenant: FromPath[str],
                              application_id: FromPath[uuid.UUID],
                              number: FromPath[str], gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = client(who, gateway)
    try:
        await grants.remove_co_applicant(str(application_id), number)
    except ServiceProblem as exc:
        return await application_page(who, grants, application_id, problem=exc.message, status_code=exc.status)
    who.flash("De mede-aanvrager is verwijderd.")
    return Redirect(f"/{tenant}/aanvragen/{application_id}#mede-aanvragers")


async def chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    """The uploaded file in pieces: Litestar spooled it to disk past 1 MiB, and it goes on without ever being
    held whole in memory."""
    while chunk := await upload.read(UPLOAD_CHUNK):
        yield chunk


@post("/{tenant:str}/aanvragen/{application_id:uuid}/bijlagen")
async def upload_attachment(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                            gateway: InjectedGateway, data: Upload) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    code = form.text("code", required="Kies welke bijlage dit is.")
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        form.errors["file"] = "Kies een bestand om op te laden."
    if form.ok and isinstance(upload, UploadFile):
        key = str(data.get("idempotency_key") or uuid.uuid4())
        try:
            await grants.upload_attachment(str(application_id), code, upload.filename, upload.content_type,
                                           chunks(upload), key)
        except ServiceProblem as exc:
            form.refuse(exc.message, exc.fields)
        else:
            who.flash(f"‘{upload.filename}’ is opgeladen.")
            return Redirect(f"/{tenant}/aanvragen/{application_id}#bijlagen")
        finally:
            await upload.close()
    return await application_page(who, grants, application_id, {"upload": form}, status_code=422)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/indienen")
async def submit(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                 gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = client(who, gateway)
    try:
        submitted = await grants.submit(str(application_id), str(data.get("idempotency_key") or uuid.uuid4()))
    except ServiceProblem as exc:
        # A refused submit (deadline passed, a co-applicant not confirmed) leaves the draft as it was.
        return await application_page(who, grants, application_id, problem=exc.message, status_code=exc.status)
    who.flash(" ".join(["Je aanvraag is ingediend. Hieronder staat precies wat je indiende.",
                        *(f"Let op: {sentence(warning)}" for warning in submitted.warnings)]))
    return Redirect(f"/{tenant}/aanvragen/{application_id}")


@get("/{tenant:str}/aanvragen/{application_id:uuid}/intrekken")
async def confirm_withdrawal(request: Request[Any, Any, Any], tenant: FromPath[str],
                             application_id: FromPath[uuid.UUID],
                             gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, ("applicant",))
    application = await client(who, gateway).application(str(application_id))
    return who.page("applicant/withdraw.html", {"application": application, "form": Form()})


@post("/{tenant:str}/aanvragen/{application_id:uuid}/intrekken")
async def withdraw(request: Request[Any, Any, Any], tenant: FromPath[str], application_id: FromPath[uuid.UUID],
                   gateway: InjectedGateway, data: FormData) -> Template | Redirect:
    who = await visitor(request, tenant, gateway, ("applicant",))
    check_csrf(data, who)
    grants = client(who, gateway)
    form = Form.posted(data)
    reason = form.text("reason", max_length=2000)
    try:
        await grants.withdraw(str(application_id), reason)
    except ServiceProblem as exc:
        application = await grants.application(str(application_id))
        return who.page("applicant/withdraw.html", {"application": application, "form": form.refuse(exc.message)},
                        status_code=exc.status)
    who.flash("Je aanvraag is ingetrokken.")
    return Redirect(f"/{tenant}/aanvragen/{application_id}")


# ---- the co-applicant's side ---------------------------------------------------------------------------

@get("/{tenant:str}/mede-aanvragen/")
async def co_applications(request: Request[Any, Any, Any], tenant: FromPath[str],
                          gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway, CO_APPLICANTS)
    problem: str | None = None
    applications: list[Application] = []
    try:
        applications = await client(who, gateway).co_applications()
    except ServiceProblem as exc:
        problem = exc.message
    ours = who.enterprise_number
    entries = [(application, next((c for c in application.co_applicants if c.enterprise_number == ours), None))
               for application in applications]
    # What still needs our confirmation first; then the rest, in the service's order.
    awaiting = [(a, c) for a, c in entries if c is not None and not c.confirmed and a.status == "draft"]
    others = [(a, c) for a, c in entries if c is None or c.confirmed or a.status != "draft"]
    return who.page("applicant/co_applications.html", {"awaiting": awaiting, "others": others, "problem": problem,
                                                       "our_number": ours})


@post("/{tenant:str}/mede-aanvragen/{application_id:uuid}/bevestigen")
async def confirm_co_application(request: Request[Any, Any, Any], tenant: FromPath[str],
                                 application_id: FromPath[uuid.UUID], gateway: InjectedGateway,
                                 data: FormData) -> Redirect:
    who = await visitor(request, tenant, gateway, CO_APPLICANTS)
    check_csrf(data, who)
    try:
        await client(who, gateway).confirm_co_application(str(application_id), who.enterprise_number or "-")
    except ServiceProblem as exc:
        who.flash(exc.message, "error")
    else:
        who.flash("Bevestigd: jouw organisatie neemt deel aan deze aanvraag.")
    return Redirect(f"/{tenant}/mede-aanvragen/")


ROUTES = [index, call_page, new_draft, start_draft, edit_draft, save_draft, application, add_co_applicant,
          remove_co_applicant, upload_attachment, submit, confirm_withdrawal, withdraw, co_applications,
          confirm_co_application]
