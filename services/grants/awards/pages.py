"""The report form's post and the download of a report's attachment, on an awarded application's page. A
refused report shows the application's page again (applications.pages) with the Dutch reason beside the form and
what was typed kept."""


from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications import pages as application_pages
from services.grants.awards import routes, rules, section, service
from services.grants.awards.schemas import ReportIn
from services.grants.portal import APPLICANTS, form_post, visitor
from shared.db import savepoints
from shared.i18n import _
from shared.portal.forms import command
from shared.portal.pages import PRIVATE, Upload, undone_on_refusal, upload_chunks
from shared.problems import NotFound, Problem
from shared.storage import ObjectStore


@post("/{tenant:str}/aanvragen/{application_id:uuid}/rapporten/{kind:str}")
async def submit_report(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                        application_id: uuid.UUID, kind: str, data: Upload) -> Template | Redirect:
    """Values per indicator and the narrative; an attached file is stored first (it is accepted only while the
    report is awaited), then the report on the version the upload left. Both or neither: a refused report
    undoes the upload too, its record and its object."""
    section.report_kind(kind)
    who, form = await form_post(request, session, data, ("applicant",))
    upload = data.get("file")
    status = 422
    stored_key: str | None = None
    try:
        async with undone_on_refusal(session):
            plan = routes.plan_body(await service.view(session, who.person, application_id))
            report = next((r for r in plan.reports if r.kind == kind), None)
            if report is None:
                raise NotFound(_("dit rapport is (nog) niet gepland"))
            read = section.read_report(form, plan.indicators)
            if read is not None:
                values, narrative = read
                version = report.version
                if isinstance(upload, UploadFile) and upload.filename:
                    uploaded = await service.upload_attachment(
                        savepoints(session), who.person, store, application_id, kind, filename=upload.filename,
                        content_type=upload.content_type, chunks=upload_chunks(upload))
                    stored_key = (uploaded.attachment or {}).get("object_key")
                    version = uploaded.version
                await service.submit_report(session, who.person, application_id, kind, command(ReportIn, {
                    "values": [{"indicator_id": i, "value": v} for i, v in values.items()],
                    "narrative": narrative}), version)
                label = rules.REPORT_LABELS[section.report_kind(kind)]
                who.flash(_("Je %(report)s is ingediend. De provincie beoordeelt het; je ziet hier de uitkomst.")
                          % {"report": _(label)})
                return who.redirect(f"aanvragen/{application_id}#rapport-{kind}")
    except Problem as exc:
        if stored_key is not None:  # its record was undone with the refused report
            await store.remove(stored_key)
        form.refuse_problem(exc, section.REPORT_FIELDS)
        status = exc.status
    finally:
        if isinstance(upload, UploadFile):
            await upload.close()
    return await application_pages.application_page(who, session, application_id, {kind: form},
                                                    status_code=status)


@get("/{tenant:str}/aanvragen/{application_id:uuid}/rapporten/{kind:str}/bijlage")
async def report_attachment(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                            application_id: uuid.UUID, kind: str) -> Stream:
    section.report_kind(kind)
    who = await visitor(request, session, APPLICANTS)
    return routes.attachment_response(
        *await service.read_attachment(session, who.person, store, application_id, kind), headers=PRIVATE)


ROUTES = [submit_report, report_attachment]
