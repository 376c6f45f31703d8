"""One application in the call manager's portal (/<tenant>/provincie/aanvragen/<id>): what was submitted, the
automatic checks, the manual screening result (If-Match on the screening's version) and the application's
audit history, newest first."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications import service as applications
from services.grants.applications.routes import to_out as application_out
from services.grants.audit import rules as audit_rules
from services.grants.calls.pages import managed_call
from services.grants.calls.rules import MANAGERS
from services.grants.portal import form_post, visitor
from services.grants.screening import rules, service
from services.grants.screening.routes import screening_out
from services.grants.screening.rules import ScreeningResult
from services.grants.screening.schemas import RecordScreening
from shared.audit import trail as history
from shared.i18n import N_, _
from shared.portal.forms import Form, command
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import PreconditionFailed, Problem

STALE_SCREENING = N_("Iemand anders legde intussen een screening vast; kijk ze hieronder na en beslis opnieuw.")


async def application_page(who: Viewer, session: AsyncSession, application_id: uuid.UUID,
                           form: Form | None = None, status_code: int = 200) -> Template:
    application = await applications.get_readable(session, who.person, application_id)
    call = await managed_call(session, who, application.call_id)
    screening = screening_out(await service.get(session, who.person, application_id))
    entries = await history(session, who.tenant, "application", application_id)
    if form is None:
        form = Form(values={"result": screening.result or "", "reasons": screening.reasons,
                            "version": str(screening.version)})
    return who.page("province/application.html", {
        "application": application_out(application), "call": call, "screening": screening, "history": entries,
        "form": form, "actions": audit_rules.ACTION_LABELS, "checks": rules.CHECK_LABELS,
        "changes": audit_rules.changes,
    }, status_code=status_code)


@get("/{tenant:str}/provincie/aanvragen/{application_id:uuid}")
async def application(request: Request[Any, Any, Any], session: AsyncSession,
                      application_id: uuid.UUID) -> Template:
    who = await visitor(request, session, MANAGERS)
    return await application_page(who, session, application_id)


@post("/{tenant:str}/provincie/aanvragen/{application_id:uuid}/screening")
async def record_screening(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                           data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, MANAGERS)
    result = form.values.get("result", "")
    reasons = form.text("reasons", max_length=5000)
    if result not in rules.RESULTS:
        form.errors["result"] = _("Kies ontvankelijk of niet ontvankelijk.")
    elif result == ScreeningResult.INELIGIBLE and not reasons:
        form.errors["reasons"] = _("Motiveer waarom de aanvraag niet ontvankelijk is: de aanvrager leest dit.")
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.record_result(session, who.person, application_id,
                                            command(RecordScreening, {"result": result, "reasons": reasons}),
                                            form.version())
        except PreconditionFailed:
            form.refuse(_(STALE_SCREENING))
            form.values["version"] = str((await service.get(session, who.person, application_id)).version)
        except Problem as exc:
            form.refuse_problem(exc)
        else:
            who.flash(_("De screening is vastgelegd.") if result == ScreeningResult.ELIGIBLE
                      else _("De screening is vastgelegd: niet ontvankelijk."))
            return who.redirect(f"provincie/aanvragen/{application_id}")
    return await application_page(who, session, application_id, form, status_code=422)


ROUTES = [application, record_screening]
