"""The plans in the portals. The coordinator's (`/<tenant>/samenwerking/`): the portal's start page, the plans,
a new plan, and a plan's page with its parties, period, status (the allowed moves as buttons, with reasons),
documents (upload and download with their SHA-256), the results framework with its targets per year and the
forms to extend it, and the plan's audit trail. A partner's (`/<tenant>/partner/plannen/`): the plans its
organisation is party to, read-only.

Every form is POST-redirect-GET; on a refusal the page comes back with the Dutch reasons and the input kept.
Handlers call the plans service directly, in the request's unit of work (a refusal inside a savepoint)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Stream, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.audit.rules import action_label, field_label
from services.partners.organisations.repository import OrganisationRepository
from services.partners.plans import rules, service
from services.partners.plans.routes import plan_out, summary_out
from services.partners.plans.rules import ObjectiveLevel, PlanKind
from services.partners.plans.schemas import ActionIn, DraftPlan, IndicatorIn, ObjectiveIn, PartyIn, PlanOut
from services.partners.portal import COORDINATORS, PARTNERS, form_post, translated, visitor
from shared import enterprise_number
from shared.audit import trails
from shared.downloads import stored_file
from shared.i18n import _
from shared.municipalities import name_of
from shared.portal import formats
from shared.portal.forms import Form, reasons
from shared.portal.pages import FormData, Upload, Viewer, undone_on_refusal, upload_chunks
from shared.problems import Problem
from shared.service_app import Runtime
from shared.storage import ObjectStore

BASE = "samenwerking/plannen"
PAGE_SIZE = 200
KIND_OPTIONS = [(k.value, label) for k, label in rules.PLAN_KINDS.items()]
STATUS_OPTIONS = [(s.value, label) for s, label in rules.STATUSES.items()]
RULE_OPTIONS = [(r.value, label) for r, label in rules.COUNTING_RULES.items()]
PLAN_FIELDS = {"kind": "kind", "title": "title", "summary": "summary", "starts_on": "starts_on",
               "ends_on": "ends_on", "municipalities": "municipalities", "parties": "parties"}
"""The service's field names → the new-plan form's (the same here; party and municipality problems name an
index, which the form shows as its message)."""

PlanExtra = Callable[[AsyncSession, Viewer, PlanOut], Awaitable[dict[str, Any]]]
PARTNER_PLAN_EXTRAS: list[PlanExtra] = []
"""What other capabilities add to the partner's plan page, each a function of (session, viewer, plan) giving
more context: e.g. the realisations the partner entered per indicator, with `indicator_extra` naming the template
included under each indicator (it sees `i`, the indicator, and `plan`) and `plan_extra` a template included
after the framework, for a whole section. Appended to when that capability's pages module is imported."""


# ---- the start page of the coordinator's portal ---------------------------------------------------------

@get("/{tenant:str}/samenwerking/")
async def start(request: Request[Any, Any, Any]) -> Template:
    who = visitor(request, COORDINATORS)
    return who.page("plans/start.html")


# ---- the plans -------------------------------------------------------------------------------------------

async def all_plans(session: AsyncSession, who: Viewer, status: str | None, kind: str | None) -> list[Any]:
    found = []
    after = None
    while True:
        rows = await service.page(session, who.person, status=status, kind=kind, municipality=None, after=after,
                                  limit=PAGE_SIZE)
        found += rows[:PAGE_SIZE]
        if len(rows) <= PAGE_SIZE:
            return [summary_out(p) for p in found]
        after = rows[PAGE_SIZE - 1].id


@get("/{tenant:str}/samenwerking/plannen/")
async def plans(request: Request[Any, Any, Any], session: AsyncSession, status: str | None = None,
                kind: str | None = None) -> Template:
    who = visitor(request, COORDINATORS)
    status = status if status in rules.STATUSES else None
    kind = kind if kind in rules.PLAN_KINDS else None
    return who.page("plans/index.html", {
        "plans": await all_plans(session, who, status, kind), "status": status or "", "kind": kind or "",
        "status_options": STATUS_OPTIONS, "kind_options": KIND_OPTIONS})


def new_plan_page(who: Viewer, form: Form, status_code: int = 200) -> Template:
    return who.page("plans/new.html", {"form": form, "kind_options": KIND_OPTIONS}, status_code=status_code)


@get("/{tenant:str}/samenwerking/plannen/nieuw")
async def new_plan(request: Request[Any, Any, Any]) -> Template:
    who = visitor(request, COORDINATORS)
    return new_plan_page(who, Form(values={"kind": PlanKind.AGREEMENT.value}))


def read_day(form: Form, name: str) -> date | None:
    raw = form.text(name, required=_("Geef een datum."))
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        form.errors[name] = _("Geef een datum als jjjj-mm-dd (bv. 2026-01-01).")
        return None


async def read_parties(session: AsyncSession, who: Viewer, form: Form) -> list[PartyIn]:
    """One party a line: "naam; rol; ondernemingsnummer", the role and number optional; a number names a
    registered organisation (its name is taken when the name is left empty)."""
    parties = []
    organisations = OrganisationRepository(session, who.tenant)
    for number, line in enumerate(form.text("parties").splitlines(), start=1):
        if not line.strip():
            continue
        name, role, kbo = [*(part.strip() for part in line.split(";")), "", ""][:3]
        organisation_id = None
        if kbo:
            try:
                found = await organisations.get_by_enterprise_number(enterprise_number.normalise(kbo))
            except ValueError as exc:
                form.errors["parties"] = _("Lijn %(line)s: %(problem)s.") % {"line": number, "problem": exc}
                continue
            if found is None:
                form.errors["parties"] = (_("Lijn %(line)s: ondernemingsnummer %(number)s is niet geregistreerd.")
                                          % {"line": number, "number": kbo})
                continue
            organisation_id = found.id
        parties.append(PartyIn(name=name, role=role, organisation_id=organisation_id))
    return parties


@post("/{tenant:str}/samenwerking/plannen/nieuw")
async def create_plan(request: Request[Any, Any, Any], session: AsyncSession,
                      data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    title = form.text("title", required=_("Geef de titel van het plan."), max_length=300)
    starts_on, ends_on = read_day(form, "starts_on"), read_day(form, "ends_on")
    parties = await read_parties(session, who, form)
    municipalities = [m.strip() for m in form.text("municipalities").replace("\n", ",").split(",") if m.strip()]
    if form.ok and starts_on and ends_on:
        try:
            async with undone_on_refusal(session):
                plan = await service.create(session, who.person, DraftPlan(
                    kind=form.values.get("kind", ""), title=title, summary=form.text("summary"),
                    starts_on=starts_on, ends_on=ends_on, municipalities=municipalities, parties=parties))
        except Problem as exc:
            form.refuse_problem(exc, PLAN_FIELDS)
        else:
            who.flash(_("Het plan is aangemaakt als ontwerp."))
            return who.redirect(f"{BASE}/{plan.id}")
    return new_plan_page(who, form, status_code=422)


# ---- a plan's page ---------------------------------------------------------------------------------------

HIDDEN_IN_TRAIL = frozenset({"plan_id", "document_id", "organisation_id"})
"""Ids an entry keeps for machines; the page shows what they name instead."""


def shown_value(name: str, value: Any) -> str:
    """A recorded value as people read it: statuses, kinds and feeds by their Dutch label, municipalities by
    name, parties by name, decimals without trailing zeros."""
    if value is None or value == "":
        return "—"
    if name == "status" and value in rules.STATUSES:
        return _(rules.STATUSES[value])
    if name == "kind" and value in rules.PLAN_KINDS:
        return _(rules.PLAN_KINDS[value])
    if name == "feed":
        return _("geteld") if value == rules.Feed.COUNTED else _("ingevoerd")
    if name == "municipalities" and isinstance(value, list):
        return ", ".join(name_of(str(code)) for code in value) or "—"
    if name == "parties" and isinstance(value, list):
        return ", ".join(str(p.get("name", "")) if isinstance(p, dict) else str(p) for p in value) or "—"
    if name in ("value", "baseline"):
        return formats.decimal(value)
    return str(value)


def shown_values(values: dict[str, Any] | None) -> list[tuple[str, str]]:
    return [(_(field_label(k)), shown_value(k, v)) for k, v in (values or {}).items() if k not in HIDDEN_IN_TRAIL]


async def plan_context(session: AsyncSession, who: Viewer, plan_id: uuid.UUID) -> dict[str, Any]:
    """What a plan's page shows: the plan with its framework (the API's shape), the years it may have targets
    for, and (for coordinators) its audit trail together with its indicators'."""
    framework = await service.framework(session, who.person, plan_id)
    plan = plan_out(framework)
    context: dict[str, Any] = {
        "plan": plan, "years": list(rules.years_of(plan.starts_on.year, plan.ends_on.year)),
        "strategic": [o for o in plan.objectives if o.level == ObjectiveLevel.STRATEGIC],
        "statuses": translated(rules.STATUSES), "document_kinds": translated(rules.DOCUMENT_KINDS),
        "rule_options": RULE_OPTIONS, "levels": translated(rules.OBJECTIVE_LEVELS),
        "ended": plan.status == rules.PlanStatus.ENDED,
    }
    if who.holds(*COORDINATORS):
        entries = await trails(session, who.tenant, [("plan", plan.id),
                                                     *(("indicator", i.id) for i in framework.indicators)])
        names = {str(i.id): i.name for i in framework.indicators}
        context["trail"] = [{"entry": e, "label": _(action_label(e.action)), "about": names.get(e.entity_id, ""),
                             "before": shown_values(e.before), "after": shown_values(e.after)} for e in entries]
    return context


async def plan_page(session: AsyncSession, who: Viewer, plan_id: uuid.UUID, problems: list[str] | None = None,
                    status_code: int = 200) -> Template:
    context = await plan_context(session, who, plan_id)
    return who.page("plans/plan.html", {**context, "problems": problems or []}, status_code=status_code)


@get("/{tenant:str}/samenwerking/plannen/{plan_id:uuid}")
async def plan(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID) -> Template:
    who = visitor(request, COORDINATORS)
    return await plan_page(session, who, plan_id)


async def refused(session: AsyncSession, who: Viewer, plan_id: uuid.UUID, intro: str, exc: Problem) -> Template:
    return await plan_page(session, who, plan_id, [intro, *reasons(exc)], status_code=exc.status)


@post("/{tenant:str}/samenwerking/plannen/{plan_id:uuid}/status")
async def move(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
               data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    to = form.values.get("to", "")
    try:
        async with undone_on_refusal(session):
            moved = await service.change_status(session, who.person, plan_id, to, form.text("reasons"),
                                                form.version())
    except Problem as exc:
        return await refused(session, who, plan_id, _("De status kon niet veranderen:"), exc)
    who.flash(_("Het plan is nu %(status)s.") % {"status": _(rules.STATUSES[moved.status])})
    return who.redirect(f"{BASE}/{plan_id}")


@post("/{tenant:str}/samenwerking/plannen/{plan_id:uuid}/documenten")
async def upload_document(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                          runtime: Runtime, plan_id: uuid.UUID, data: Upload) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    upload = data.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await plan_page(session, who, plan_id, [_("Het document werd niet opgeladen:"),
                                                           _("Kies een bestand om op te laden.")], 422)
        try:
            await service.upload_document(
                lambda: runtime.db.transaction(who.tenant), who.person, store, plan_id,
                kind=form.values.get("kind", ""), filename=upload.filename, content_type=upload.content_type,
                chunks=upload_chunks(upload))
        except Problem as exc:
            return await refused(session, who, plan_id, _("Het document werd niet opgeladen:"), exc)
    finally:
        if isinstance(upload, UploadFile):
            await upload.close()
    who.flash(_("‘%(file)s’ is opgeladen.") % {"file": upload.filename})
    return who.redirect(f"{BASE}/{plan_id}#documenten")


async def document_download(session: AsyncSession, who: Viewer, store: ObjectStore, plan_id: uuid.UUID,
                            document_id: uuid.UUID) -> Stream:
    document, content = await service.read_document(session, who.person, store, plan_id, document_id)
    return stored_file(content, media_type=document.content_type, file_name=document.file_name,
                       sha256=document.sha256)


@get("/{tenant:str}/samenwerking/plannen/{plan_id:uuid}/documenten/{document_id:uuid}")
async def download(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                   plan_id: uuid.UUID, document_id: uuid.UUID) -> Stream:
    return await document_download(session, visitor(request, COORDINATORS), store, plan_id, document_id)


@post("/{tenant:str}/samenwerking/plannen/{plan_id:uuid}/doelstellingen")
async def add_objective(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                        data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    try:
        parent = uuid.UUID(form.values["parent_id"]) if form.values.get("parent_id") else None
    except ValueError:
        parent = None
    try:
        async with undone_on_refusal(session):
            objective = await service.add_objective(session, who.person, plan_id, ObjectiveIn(
                title=form.text("title"), code=form.text("code") or None, level=form.text("level") or None,
                parent_id=parent, remarks=form.text("remarks")))
    except Problem as exc:
        return await refused(session, who, plan_id, _("De doelstelling werd niet toegevoegd:"), exc)
    who.flash(_("Doelstelling %(code)s is toegevoegd.") % {"code": objective.code})
    return who.redirect(f"{BASE}/{plan_id}#kader")


@post("/{tenant:str}/samenwerking/plannen/{plan_id:uuid}/doelstellingen/{objective_id:uuid}/acties")
async def add_action(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                     objective_id: uuid.UUID, data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    try:
        async with undone_on_refusal(session):
            action = await service.add_action(session, who.person, objective_id, ActionIn(
                title=form.text("title"), code=form.text("code") or None))
    except Problem as exc:
        return await refused(session, who, plan_id, _("De actie werd niet toegevoegd:"), exc)
    who.flash(_("Actie %(code)s is toegevoegd.") % {"code": action.code})
    return who.redirect(f"{BASE}/{plan_id}#actie-{action.id}")


def read_decimal(form: Form, name: str, label: str) -> Decimal | None:
    raw = form.text(name).replace(" ", "").replace(",", ".")
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        form.errors[name] = _("%(label)s: geef een getal (bv. 12,5).") % {"label": label}
        return None


@post("/{tenant:str}/samenwerking/plannen/{plan_id:uuid}/acties/{action_id:uuid}/indicatoren")
async def add_indicator(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                        action_id: uuid.UUID, data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    baseline = read_decimal(form, "baseline", _("Nulmeting"))
    if not form.ok:
        return await plan_page(session, who, plan_id, [_("De indicator werd niet toegevoegd:"),
                                                       *form.errors.values()], 422)
    feed = form.values.get("feed") or "entered"
    try:
        async with undone_on_refusal(session):
            indicator = await service.add_indicator(session, who.person, action_id, IndicatorIn(
                name=form.text("name"), unit=form.text("unit"), baseline=baseline, feed=feed,
                rule=(form.text("rule") or None) if feed == "counted" else None))
    except Problem as exc:
        return await refused(session, who, plan_id, _("De indicator werd niet toegevoegd:"), exc)
    who.flash(_("Indicator ‘%(indicator)s’ is toegevoegd.") % {"indicator": indicator.name})
    return who.redirect(f"{BASE}/{plan_id}#indicator-{indicator.id}")


@post("/{tenant:str}/samenwerking/plannen/{plan_id:uuid}/indicatoren/{indicator_id:uuid}/streefwaarden")
async def set_target(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                     indicator_id: uuid.UUID, data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    value = read_decimal(form, "value", _("Streefwaarde"))
    year = form.text("year")
    if value is None or not year.isdigit():
        return await plan_page(session, who, plan_id, [_("De streefwaarde werd niet vastgelegd:"),
                                                       *(form.errors.values() or [_("Geef een jaar en een getal.")])],
                               422)
    try:
        async with undone_on_refusal(session):
            await service.set_target(session, who.person, indicator_id, int(year), value, form.version())
    except Problem as exc:
        return await refused(session, who, plan_id, _("De streefwaarde werd niet vastgelegd:"), exc)
    who.flash(_("De streefwaarde voor %(year)s is vastgelegd.") % {"year": year})
    return who.redirect(f"{BASE}/{plan_id}#indicator-{indicator_id}")


# ---- the partner's plans ---------------------------------------------------------------------------------

@get("/{tenant:str}/partner/plannen/")
async def partner_plans(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = visitor(request, PARTNERS)
    return who.page("plans/partner_index.html", {"plans": await all_plans(session, who, None, None)})


@get("/{tenant:str}/partner/plannen/{plan_id:uuid}")
async def partner_plan(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID) -> Template:
    who = visitor(request, PARTNERS)
    context = await plan_context(session, who, plan_id)
    for extra in PARTNER_PLAN_EXTRAS:
        context.update(await extra(session, who, context["plan"]))
    return who.page("plans/partner_plan.html", context)


@get("/{tenant:str}/partner/plannen/{plan_id:uuid}/documenten/{document_id:uuid}")
async def partner_download(request: Request[Any, Any, Any], session: AsyncSession, store: ObjectStore,
                           plan_id: uuid.UUID, document_id: uuid.UUID) -> Stream:
    return await document_download(session, visitor(request, PARTNERS), store, plan_id, document_id)


ROUTES: list[ControllerRouterHandler] = [
    start, plans, new_plan, create_plan, plan, move, upload_document, download, add_objective, add_action,
    add_indicator, set_target, partner_plans, partner_plan, partner_download]
