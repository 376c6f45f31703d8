"""The realisations' portal pages. A partner (`/partner/realisaties/…`): its plans, and per plan every indicator:
an entered one with its realisations per year (value, narrative, evidence, status, the reasons when sent back) and
the forms to enter or correct one with an evidence file; a counted one with its value and the events it came
from. A coordinator (`/samenwerking/realisaties/…`): the submitted realisations to approve or send back with
reasons, and the same view of a plan. Forms post without JavaScript; a refusal shows the page again with the
Dutch reason beside the form and what was typed kept."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.organisations.models import Organisation
from services.partners.organisations.pages import Section, partner_section
from services.partners.plans.rules import COUNTING_RULES, PLAN_KINDS
from services.partners.plans.rules import STATUSES as PLAN_STATUSES
from services.partners.portal import COORDINATORS, PARTNERS, form_post, translated, visitor
from services.partners.realisations import rules, service
from services.partners.realisations.models import Evidence
from services.partners.realisations.rules import STATUSES, RealisationStatus
from services.partners.realisations.schemas import CorrectionIn, RealisationIn
from shared.auth import Principal
from shared.db import savepoints
from shared.downloads import stored_file
from shared.i18n import _
from shared.portal.forms import Form, command
from shared.portal.pages import FormData, Upload, Viewer, undone_on_refusal, upload_chunks
from shared.problems import Invalid, Problem
from shared.storage import ObjectStore, ObjectStream

PARTNER = "partner/realisaties"
COORDINATOR = "samenwerking/realisaties"
FIELDS = {"value": "value", "narrative": "narrative", "year": "year", "filename": "file", "reasons": "reasons"}
"""The service's field names → the form's."""
def labels() -> dict[str, Any]:
    """The tables of labels the pages show, in the reader's language."""
    return {"status_labels": translated(STATUSES), "rule_labels": translated(COUNTING_RULES),
            "plan_statuses": translated(PLAN_STATUSES), "plan_kinds": translated(PLAN_KINDS)}


def _year(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


async def plan_page(who: Viewer, session: AsyncSession, plan_id: uuid.UUID, year: int | None, *, prefix: str,
                    forms: dict[str, Form] | None = None, status_code: int = 200) -> Template:
    """The plan's indicators with their realisations and counted values; `forms` holds what was typed in a form
    that was refused (keyed `new-<indicator id>` or `fix-<realisation id>`)."""
    view = await service.plan_realisations(session, who.person, plan_id, year)
    return who.page("realisations/plan.html", {
        **labels(), "view": view, "plan": view.plan, "prefix": prefix, "forms": forms or {},
        "open": view.plan.status in rules.OPEN_PLAN_STATUSES, "coordinator": service.is_coordinator(who.person),
        "empty": Form()}, status_code=status_code)


# --- the partner's pages ----------------------------------------------------------------------------------


@partner_section
async def plans_section(session: AsyncSession, who: Viewer, organisation: Organisation | None) -> Section | None:
    """On the partner's landing page: the plans its organisation is party to, each with its realisations to enter
    and its report."""
    if organisation is None:
        return None
    _organisation, plans = await service.my_plans(session, who.person)
    return Section("realisations/_partner_section.html", {**labels(), "plans": plans})


@get(f"/{{tenant:str}}/{PARTNER}/")
async def partner_plans(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = visitor(request, PARTNERS)
    organisation, plans = await service.my_plans(session, who.person)
    return who.page("realisations/partner_index.html", {**labels(), "organisation": organisation, "plans": plans})


@get(f"/{{tenant:str}}/{PARTNER}/{{plan_id:uuid}}")
async def partner_plan(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                       jaar: str | None = Parameter(default=None)) -> Template:
    who = visitor(request, PARTNERS)
    return await plan_page(who, session, plan_id, _year(jaar), prefix=PARTNER)


async def _store_evidence(session: AsyncSession, principal: Principal, store: ObjectStore, realisation_id: uuid.UUID,
                          upload: Any) -> None:
    if isinstance(upload, UploadFile) and upload.filename:
        await service.upload_evidence(savepoints(session), principal, store, realisation_id,
                                      filename=upload.filename, content_type=upload.content_type,
                                      chunks=upload_chunks(upload))


@post(f"/{{tenant:str}}/{PARTNER}/{{plan_id:uuid}}/indicatoren/{{indicator_id:uuid}}")
async def enter(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore, plan_id: uuid.UUID,
                indicator_id: uuid.UUID, data: Upload) -> Template | Redirect:
    """A new realisation with its evidence file: both or neither (a refused file undoes the realisation)."""
    return await _entered(request, session, store, plan_id, indicator_id, data, PARTNER, PARTNERS)


@post(f"/{{tenant:str}}/{PARTNER}/{{plan_id:uuid}}/realisaties/{{realisation_id:uuid}}")
async def correct(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore, plan_id: uuid.UUID,
                  realisation_id: uuid.UUID, data: Upload) -> Template | Redirect:
    """A correction (of a sent-back one, or one still waiting), submitted again, with an extra file if given."""
    return await _corrected(request, session, store, plan_id, realisation_id, data, PARTNER, PARTNERS)


async def _entered(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore, plan_id: uuid.UUID,
                   indicator_id: uuid.UUID, data: dict[str, Any], prefix: str,
                   roles: tuple[str, ...]) -> Template | Redirect:
    who, form = form_post(request, data, roles)
    upload = data.get("file")
    try:
        async with undone_on_refusal(session):
            year = _year(form.values.get("year"))
            if year is None:
                raise Invalid(_("kies het jaar"), field="year")
            entry = await service.submit(session, who.person, indicator_id, command(RealisationIn, {
                "year": year, "value": form.values.get("value", ""), "narrative": form.values.get("narrative", "")}))
            await _store_evidence(session, who.person, store, entry.realisation.id, upload)
            who.flash(_("Uw realisatie voor %(year)s is ingediend; de coördinator beoordeelt ze.") % {"year": year})
            return who.redirect(f"{prefix}/{plan_id}?jaar={year}#i-{indicator_id}")
    except Problem as exc:
        form.refuse_problem(exc, FIELDS)
        status = exc.status
    finally:
        if isinstance(upload, UploadFile):
            await upload.close()
    return await plan_page(who, session, plan_id, _year(form.values.get("year")), prefix=prefix,
                           forms={f"new-{indicator_id}": form}, status_code=status)


async def _corrected(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore, plan_id: uuid.UUID,
                     realisation_id: uuid.UUID, data: dict[str, Any], prefix: str,
                     roles: tuple[str, ...]) -> Template | Redirect:
    who, form = form_post(request, data, roles)
    upload = data.get("file")
    try:
        async with undone_on_refusal(session):
            entry = await service.correct(session, who.person, realisation_id, command(CorrectionIn, {
                "value": form.values.get("value", ""), "narrative": form.values.get("narrative", "")}),
                form.version())
            await _store_evidence(session, who.person, store, realisation_id, upload)
            who.flash(_("Uw verbeterde realisatie voor %(year)s is opnieuw ingediend.")
                      % {"year": entry.realisation.year})
            return who.redirect(f"{prefix}/{plan_id}?jaar={entry.realisation.year}#r-{realisation_id}")
    except Problem as exc:
        form.refuse_problem(exc, FIELDS)
        status = exc.status
    finally:
        if isinstance(upload, UploadFile):
            await upload.close()
    return await plan_page(who, session, plan_id, None, prefix=prefix, forms={f"fix-{realisation_id}": form},
                           status_code=status)


def _evidence_response(evidence: Evidence, content: ObjectStream) -> Stream:
    return stored_file(content, media_type=evidence.content_type, file_name=evidence.file_name,
                       sha256=evidence.sha256)


@get(f"/{{tenant:str}}/{PARTNER}/bewijs/{{realisation_id:uuid}}/{{evidence_id:uuid}}")
async def partner_evidence(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                           realisation_id: uuid.UUID, evidence_id: uuid.UUID) -> Stream:
    who = visitor(request, PARTNERS)
    return _evidence_response(*await service.read_evidence(session, who.person, store, realisation_id, evidence_id))


# --- the coordinator's pages ------------------------------------------------------------------------------


async def review_page(who: Viewer, session: AsyncSession, forms: dict[str, Form] | None = None,
                      status_code: int = 200) -> Template:
    waiting = await service.page(session, who.person, status=RealisationStatus.SUBMITTED, plan_id=None, year=None,
                                 after=None, limit=200)
    plans = await service.plans_named(session, who.person.tenant, {e.realisation.plan_id for e in waiting})
    return who.page("realisations/review.html", {
        **labels(), "waiting": waiting, "plans": plans, "forms": forms or {}, "empty": Form()}, status_code=status_code)


@get(f"/{{tenant:str}}/{COORDINATOR}/")
async def to_review(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    return await review_page(visitor(request, COORDINATORS), session)


@get(f"/{{tenant:str}}/{COORDINATOR}/plannen/{{plan_id:uuid}}")
async def coordinator_plan(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                           jaar: str | None = Parameter(default=None)) -> Template:
    who = visitor(request, COORDINATORS)
    return await plan_page(who, session, plan_id, _year(jaar), prefix=COORDINATOR)


@post(f"/{{tenant:str}}/{COORDINATOR}/plannen/{{plan_id:uuid}}/indicatoren/{{indicator_id:uuid}}")
async def coordinator_enter(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                            plan_id: uuid.UUID, indicator_id: uuid.UUID, data: Upload) -> Template | Redirect:
    return await _entered(request, session, store, plan_id, indicator_id, data, f"{COORDINATOR}/plannen",
                          COORDINATORS)


@post(f"/{{tenant:str}}/{COORDINATOR}/plannen/{{plan_id:uuid}}/realisaties/{{realisation_id:uuid}}")
async def coordinator_correct(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                              plan_id: uuid.UUID, realisation_id: uuid.UUID, data: Upload) -> Template | Redirect:
    return await _corrected(request, session, store, plan_id, realisation_id, data, f"{COORDINATOR}/plannen",
                            COORDINATORS)


@post(f"/{{tenant:str}}/{COORDINATOR}/{{realisation_id:uuid}}/goedkeuren")
async def approve(request: Request[Any, Any, Any], session: AsyncSession, realisation_id: uuid.UUID,
                  data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    try:
        async with undone_on_refusal(session):
            entry = await service.approve(session, who.person, realisation_id, form.version())
            who.flash(_("De realisatie voor %(indicator)s (%(year)s) is goedgekeurd.")
                      % {"indicator": entry.indicator.name, "year": entry.realisation.year})
            return who.redirect(f"{COORDINATOR}/")
    except Problem as exc:
        form.refuse_problem(exc, FIELDS)
        return await review_page(who, session, {f"approve-{realisation_id}": form}, exc.status)


@post(f"/{{tenant:str}}/{COORDINATOR}/{{realisation_id:uuid}}/terugsturen")
async def send_back(request: Request[Any, Any, Any], session: AsyncSession, realisation_id: uuid.UUID,
                    data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    try:
        async with undone_on_refusal(session):
            entry = await service.send_back(session, who.person, realisation_id, form.values.get("reasons", ""),
                                            form.version())
            who.flash(_("De realisatie voor %(indicator)s (%(year)s) is teruggestuurd.")
                      % {"indicator": entry.indicator.name, "year": entry.realisation.year})
            return who.redirect(f"{COORDINATOR}/")
    except Problem as exc:
        form.refuse_problem(exc, FIELDS)
        return await review_page(who, session, {f"back-{realisation_id}": form}, exc.status)


@get(f"/{{tenant:str}}/{COORDINATOR}/bewijs/{{realisation_id:uuid}}/{{evidence_id:uuid}}")
async def coordinator_evidence(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                               realisation_id: uuid.UUID, evidence_id: uuid.UUID) -> Stream:
    who = visitor(request, COORDINATORS)
    return _evidence_response(*await service.read_evidence(session, who.person, store, realisation_id, evidence_id))


ROUTES = [partner_plans, partner_plan, enter, correct, partner_evidence, to_review, coordinator_plan,
          coordinator_enter, coordinator_correct, approve, send_back, coordinator_evidence]
