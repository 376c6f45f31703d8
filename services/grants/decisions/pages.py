"""The decision's pages for the people it concerns: the letter (PDF) and lodging an appeal, from the application's
page. Lodging is POST-redirect-GET; a refusal (the period is over, an appeal is already open) shows the page
again (applications.pages) with the service's Dutch reason beside the form and the grounds kept."""


from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications import pages as application_pages
from services.grants.decisions import routes, service
from services.grants.decisions.schemas import AppealIn
from services.grants.portal import APPLICANTS, form_post, visitor
from shared.i18n import _
from shared.portal.forms import command
from shared.portal.pages import PRIVATE, FormData, undone_on_refusal
from shared.problems import Problem
from shared.storage import ObjectStore


@get("/{tenant:str}/aanvragen/{application_id:uuid}/beslissingsbrief")
async def letter(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                 application_id: uuid.UUID) -> Stream:
    who = await visitor(request, session, APPLICANTS)
    return routes.letter_response(*await service.letter(session, who.person, store, application_id),
                                  headers=PRIVATE)


@post("/{tenant:str}/aanvragen/{application_id:uuid}/beroep")
async def lodge_appeal(request: Request[Any, Any, Any], session: AsyncSession, application_id: uuid.UUID,
                       data: FormData) -> Template | Redirect:
    who, form = await form_post(request, session, data, ("applicant",))
    grounds = form.text("grounds", required=_("Schrijf waarom je het niet eens bent met de beslissing."),
                        max_length=20_000)
    status = 422
    if form.ok:
        try:
            async with undone_on_refusal(session):
                await service.lodge_appeal(session, who.person, application_id,
                                           command(AppealIn, {"grounds": grounds}))
        except Problem as exc:
            form.refuse_problem(exc)
            status = exc.status
        else:
            who.flash(_("Je beroep is ontvangen. De provincie behandelt het en laat je de uitkomst met de redenen "
                        "weten."))
            return who.redirect(f"aanvragen/{application_id}#beroep")
    return await application_pages.application_page(who, session, application_id, {"appeal": form},
                                                    status_code=status)


# ---- the notices --------------------------------------------------------------------------------------------


ROUTES = [letter, lodge_appeal]
