"""The registry's pages in the coordinator portal (`/<tenant>/voedsel/register/…`): the index with the donors,
recipients, vehicles and drivers and the food categories; a page per entry (a donor's shows its pickup windows
and what the driver reads on arrival); a form to register and one to edit each kind. Every form is
POST-redirect-GET; on a refusal the page comes back with what was typed and the message beside the field. The
pages call the service layer, so the API and the pages keep one set of rules and labels."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.portal import COORDINATORS, form_post, translated, visitor
from services.foodsavers.registry import form as registry_form
from services.foodsavers.registry import rules, service
from services.foodsavers.registry.categories import FRESH, LABELS, STORAGE, Category, Storage
from services.foodsavers.registry.form import KINDS, Kind
from services.foodsavers.registry.models import Donor, Driver, Recipient, Vehicle
from services.foodsavers.registry.repository import RegistryRepository
from shared.i18n import N_, _
from shared.municipalities import name_of
from shared.portal.forms import Form
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import NotFound, PreconditionFailed, Problem

SECTION = "register"
STORAGE_LABELS = {Storage.AMBIENT: N_("kamertemperatuur"), Storage.CHILLED: N_("gekoeld"),
                  Storage.FROZEN: N_("diepvries")}
STALE = N_("Iemand anders wijzigde deze fiche terwijl je ze bewerkte. Wat je invulde, staat er nog; bewaar opnieuw "
           "om de nieuwe versie te overschrijven.")


def kind_of(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        raise NotFound(_("het register kent geen %(slug)s") % {"slug": repr(slug)})
    return kind


def page(who: Viewer, template: str, context: dict[str, Any], status_code: int = 200) -> Template:
    return who.page(template, {
        "section": SECTION, "donor_kinds": translated(rules.DONOR_KINDS),
        "recipient_kinds": translated(rules.RECIPIENT_KINDS), "weekdays": translated(rules.WEEKDAYS),
        "municipality_name": name_of, **context}, status_code=status_code)


def form_page(who: Viewer, kind: Kind, form: Form, *, entry: Any | None, status_code: int = 200) -> Template:
    base = f"/{who.tenant}/voedsel/register/{kind.slug}"
    return page(who, "coordinator/register/form.html", {
        "kind": kind, "form": form, "entry": entry,
        "action": f"{base}/{entry.id}/bewerken" if entry is not None else f"{base}/nieuw",
        "fields": [f for f in kind.fields if entry is not None or f.name != "active"],
        "window_rows": registry_form.window_rows(form), "choices": registry_form.choices(who.tenant)},
        status_code=status_code)


@get("/{tenant:str}/voedsel/register/")
async def index(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = visitor(request, COORDINATORS)
    repository = RegistryRepository(session, who.tenant)
    return page(who, "coordinator/register/index.html", {
        "donors": await repository.by_name(Donor), "recipients": await repository.by_name(Recipient),
        "vehicles": await repository.by_name(Vehicle), "drivers": await repository.by_name(Driver),
        "categories": [(_(LABELS[c]), _(STORAGE_LABELS[STORAGE[c]]), c in FRESH) for c in Category]})


@get("/{tenant:str}/voedsel/register/{slug:str}/nieuw")
async def new_form(request: Request[Any, Any, Any], slug: str) -> Template:
    who = visitor(request, COORDINATORS)
    return form_page(who, kind_of(slug), Form(), entry=None)


@post("/{tenant:str}/voedsel/register/{slug:str}/nieuw")
async def create(request: Request[Any, Any, Any], session: AsyncSession, slug: str,
                 data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    kind = kind_of(slug)
    status = 422
    try:
        command = registry_form.read(form, kind, new=True)
        if command is not None:
            async with undone_on_refusal(session):
                entry = await kind.created(session, who.person, command)
            who.flash(_("%(name)s staat in het register.") % {"name": entry.name})
            return who.redirect(f"voedsel/register/{kind.slug}/{entry.id}")
    except Problem as exc:
        registry_form.refuse(form, exc)
        status = exc.status
    return form_page(who, kind, form, entry=None, status_code=status)


async def shown(request: Request[Any, Any, Any], session: AsyncSession, slug: str,
                entry_id: uuid.UUID) -> tuple[Viewer, Kind, Any]:
    """The coordinator, the kind of entry the path names and the entry (404 for one of another province)."""
    who = visitor(request, COORDINATORS)
    kind = kind_of(slug)
    return who, kind, await service.get_entry(session, who.tenant, kind.model, entry_id)


@get("/{tenant:str}/voedsel/register/{slug:str}/{entry_id:uuid}")
async def entry_page(request: Request[Any, Any, Any], session: AsyncSession, slug: str,
                     entry_id: uuid.UUID) -> Template:
    who, kind, entry = await shown(request, session, slug, entry_id)
    return page(who, "coordinator/register/entry.html", {"kind": kind, "entry": entry})


@get("/{tenant:str}/voedsel/register/{slug:str}/{entry_id:uuid}/bewerken")
async def edit_form(request: Request[Any, Any, Any], session: AsyncSession, slug: str,
                    entry_id: uuid.UUID) -> Template:
    who, kind, entry = await shown(request, session, slug, entry_id)
    return form_page(who, kind, Form(values=registry_form.values_of(kind, entry)), entry=entry)


@post("/{tenant:str}/voedsel/register/{slug:str}/{entry_id:uuid}/bewerken")
async def edit(request: Request[Any, Any, Any], session: AsyncSession, slug: str, entry_id: uuid.UUID,
               data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    kind = kind_of(slug)
    entry = await service.get_entry(session, who.tenant, kind.model, entry_id)
    status = 422
    try:
        changes = registry_form.read(form, kind, new=False)
        if changes is not None:
            async with undone_on_refusal(session):
                await kind.updated(session, who.person, entry_id, changes, form.version())
            who.flash(_("De wijzigingen zijn bewaard."))
            return who.redirect(f"voedsel/register/{kind.slug}/{entry_id}")
    except PreconditionFailed:
        form.refuse(_(STALE))
        status = 412
        await session.refresh(entry)
        form.values["version"] = str(entry.version)  # a second save deliberately overwrites
    except Problem as exc:
        registry_form.refuse(form, exc)
        status = exc.status
    return form_page(who, kind, form, entry=entry, status_code=status)


ROUTES: list[ControllerRouterHandler] = [index, new_form, create, entry_page, edit_form, edit]
