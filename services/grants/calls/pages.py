"""The call manager's portal (/<tenant>/provincie/): the calls in every state, the call form (draft and edit,
with If-Match), the lifecycle (publish, close, start the review, archive), and a call's page with its
applications and their screening.

One application's screening and history are screening/pages.py's; jury, ranking and decision pages have
their own modules. Every form is POST-redirect-GET; on a refusal the page comes back with the input and the
Dutch message."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications import service as applications
from services.grants.applications.models import Application
from services.grants.applications.routes import to_out as application_out
from services.grants.calls import form as call_form
from services.grants.calls import service
from services.grants.calls.models import Call
from services.grants.calls.routes import to_out
from services.grants.calls.rules import MANAGERS, CallStatus
from services.grants.calls.schemas import CallOut
from services.grants.mailings import service as mailings
from services.grants.portal import form_post, visitor
from services.grants.screening import service as screening
from services.grants.screening.routes import screening_out
from shared.auth import Principal
from shared.i18n import N_, _
from shared.portal.forms import Form, reasons
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import PreconditionFailed, Problem

STALE_CALL = N_("Iemand anders wijzigde deze oproep intussen. Wat jij invulde staat hieronder nog; "
                "bewaar opnieuw om hun wijziging hiermee te overschrijven, of annuleer om ze te bekijken.")
APPLICATIONS_PAGE = 200


async def publish(session: AsyncSession, principal: Principal, call_id: uuid.UUID, version: int) -> Call:
    return await service.publish(session, principal, call_id, version)


async def close(session: AsyncSession, principal: Principal, call_id: uuid.UUID, version: int) -> Call:
    # Closing is idempotent and judged by the deadline, not by the version the page showed.
    return await service.close_after_deadline(session, principal, call_id)


async def start_review(session: AsyncSession, principal: Principal, call_id: uuid.UUID, version: int) -> Call:
    return await service.move(session, principal, call_id, CallStatus.IN_REVIEW, version)


async def archive(session: AsyncSession, principal: Principal, call_id: uuid.UUID, version: int) -> Call:
    return await service.move(session, principal, call_id, CallStatus.ARCHIVED, version)


Step = Callable[[AsyncSession, Principal, uuid.UUID, int], Awaitable[Call]]
LIFECYCLE: dict[str, tuple[Step, str, str]] = {
    # form path → (the service's step, what the flash says, how a refusal begins)
    "publiceren": (publish, N_("De oproep is gepubliceerd. Aanvragers zien ze nu op de openbare pagina."),
                   N_("De oproep kan nog niet gepubliceerd worden:")),
    "afsluiten": (close, N_("De oproep is afgesloten."), N_("Dat lukte niet:")),
    "beoordeling-starten": (start_review, N_("De beoordeling is gestart."), N_("Dat lukte niet:")),
    "archiveren": (archive, N_("De oproep is gearchiveerd."), N_("Dat lukte niet:")),
}


async def managed_call(session: AsyncSession, who: Viewer, call_id: uuid.UUID) -> CallOut:
    """The call as its managers see it (drafts included), for every province page of one call."""
    return to_out(await service.get_visible(session, who.person, call_id))


async def call_applications(session: AsyncSession, principal: Principal, call_id: uuid.UUID) -> list[Application]:
    """Every submitted (non-draft) application of a call, all pages."""
    found: list[Application] = []
    after: uuid.UUID | None = None
    while True:
        rows = await applications.visible_page(session, principal, call_id=call_id, statuses=None, after=after,
                                               limit=APPLICATIONS_PAGE + 1)
        found += rows[:APPLICATIONS_PAGE]
        if len(rows) <= APPLICATIONS_PAGE:
            return found
        after = rows[APPLICATIONS_PAGE - 1].id


# ---- the calls ------------------------------------------------------------------------------------------

@get("/{tenant:str}/provincie/")
async def index(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session, MANAGERS)
    calls = [to_out(c) for c in await service.visible(session, who.person, 200)]
    undeliverable = (await mailings.undeliverable_count(session, who.tenant)
                     if "province-admin" in who.roles else None)
    return who.page("province/index.html", {"calls": calls, "undeliverable_mail": undeliverable})


def call_form_page(who: Viewer, form: Form, call: CallOut | None = None, status_code: int = 200) -> Template:
    rows = call_form.criterion_rows(call, form)
    base = f"/{who.tenant}/provincie/oproepen"
    action = f"{base}/{call.id}/bewerken" if call else f"{base}/nieuw"
    return who.page("province/call_form.html", {
        "call": call, "form": form, "action": action, "criterion_rows": rows,
        "attachment_rows": call_form.ATTACHMENT_ROWS, "tie_slots": call_form.TIE_BREAK_SLOTS,
        "tie_options": call_form.tie_break_options(rows), "file_types": call_form.FILE_TYPES,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/nieuw")
async def new_call(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session, MANAGERS)
    return call_form_page(who, Form(values=dict(call_form.DEFAULTS)))


@post("/{tenant:str}/provincie/oproepen/nieuw")
async def create_call(request: Request[Any, Any, Any], session: AsyncSession,
                      data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, MANAGERS)
    try:
        command = call_form.read_call(form)
        if command is not None:
            async with undone_on_refusal(session):
                call = await service.draft(session, who.person, command)
            who.flash(_("De oproep is bewaard als concept. Kijk ze na en publiceer ze wanneer ze klaar is."))
            return who.redirect(f"provincie/oproepen/{call.id}")
    except Problem as exc:
        form.refuse_problem(exc, call_form.CALL_FIELDS)
    return call_form_page(who, form, status_code=422)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}/bewerken")
async def edit_call(request: Request[Any, Any, Any], session: AsyncSession,
                    call_id: uuid.UUID) -> Template | Redirect:
    who = await visitor(request, session, MANAGERS)
    call = await managed_call(session, who, call_id)
    if call.status != CallStatus.DRAFT:
        who.flash(_("Deze oproep is %(status)s: alleen een concept kan nog gewijzigd worden.")
                  % {"status": _(call.status_label)}, "error")
        return who.redirect(f"provincie/oproepen/{call_id}")
    return call_form_page(who, call_form.form_of(call), call)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/bewerken")
async def save_call(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID,
                    data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, MANAGERS)
    try:
        changes = call_form.read_changes(form)
        if changes is not None:
            async with undone_on_refusal(session):
                await service.update(session, who.person, call_id, changes, form.version())
            who.flash(_("De wijzigingen zijn bewaard."))
            return who.redirect(f"provincie/oproepen/{call_id}")
    except PreconditionFailed:
        form.refuse(_(STALE_CALL))
        # A second save is a deliberate overwrite of the other person's change.
        form.values["version"] = str((await managed_call(session, who, call_id)).version)
    except Problem as exc:
        form.refuse_problem(exc, call_form.CALL_FIELDS)
    return call_form_page(who, form, await managed_call(session, who, call_id),
                          status_code=412 if form.message == _(STALE_CALL) else 422)


# ---- a call's page: terms, lifecycle, applications ------------------------------------------------------

async def call_page(who: Viewer, session: AsyncSession, call_id: uuid.UUID, problems: list[str] | None = None,
                    status_code: int = 200) -> Template:
    call = await managed_call(session, who, call_id)
    found: list[Application] = []
    screenings = {}
    if call.status != CallStatus.DRAFT:
        found = await call_applications(session, who.person, call.id)
        screenings = {application_id: screening_out(s) for application_id, s in
                      (await screening.of_applications(session, who.person, found)).items()}
    return who.page("province/call.html", {
        "call": call, "applications": [application_out(a) for a in found], "screenings": screenings,
        "problems": problems or [],
        "tie_labels": dict(call_form.tie_break_options(len(call.criteria))),
    }, status_code=status_code)


@get("/{tenant:str}/provincie/oproepen/{call_id:uuid}")
async def call(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID) -> Template:
    who = await visitor(request, session, MANAGERS)
    return await call_page(who, session, call_id)


@post("/{tenant:str}/provincie/oproepen/{call_id:uuid}/status/{step:str}")
async def move(request: Request[Any, Any, Any], session: AsyncSession, call_id: uuid.UUID, step: str,
               data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, MANAGERS)
    if step not in LIFECYCLE:
        return who.redirect(f"provincie/oproepen/{call_id}")
    action, done, intro = LIFECYCLE[step]
    try:
        async with undone_on_refusal(session):
            await action(session, who.person, call_id, form.version())
    except Problem as exc:
        return await call_page(who, session, call_id, [_(intro), *reasons(exc)], status_code=exc.status)
    who.flash(_(done))
    return who.redirect(f"provincie/oproepen/{call_id}")


ROUTES = [index, new_call, create_call, edit_call, save_call, call, move]
