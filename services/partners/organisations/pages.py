"""The organisation pages: a partner's own entry (`/<tenant>/partner/…`) and the coordinator's registry
(`/<tenant>/samenwerking/organisaties/…`): list and search, register, view and edit an entry, and the changes of
recognitions waiting for approval, before and after side by side. Every form is POST-redirect-GET; on a refusal
the page comes back with what was typed and the message beside the field. The pages call the service layer, so
the API and the pages keep one set of rules and labels.

The partner's landing page lists sections: its entry comes first, and other capabilities add theirs (its
plans, its realisations) with `partner_section`, each a template and its context."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.organisations import form as organisation_form
from services.partners.organisations import rules, service
from services.partners.organisations.models import Organisation, OrganisationChange
from services.partners.organisations.repository import OrganisationRepository
from services.partners.portal import COORDINATORS, PARTNERS, form_post, translated, visitor
from shared import enterprise_number
from shared.i18n import N_, _
from shared.municipalities import find, name_of, of_province
from shared.portal.forms import Form
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import NotFound, PreconditionFailed, Problem

PAGE_SIZE = 50
STALE = N_("Iemand anders wijzigde deze fiche terwijl je ze bewerkte. Wat je invulde, staat er nog; de fiche "
           "hieronder is de nieuwe versie. Bewaar opnieuw om ze te overschrijven.")


# -- what the templates show --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    """A part of the partner's landing page: a template (included) and what it shows."""

    template: str
    context: dict[str, Any]


SectionMaker = Callable[[AsyncSession, Viewer, Organisation | None], Awaitable[Section | None]]
PARTNER_SECTIONS: list[SectionMaker] = []
"""The landing page's sections after the partner's entry, in order. Another capability adds one with
`@partner_section`; a maker answers None to show nothing (e.g. a partner without plans)."""


def partner_section(maker: SectionMaker) -> SectionMaker:
    PARTNER_SECTIONS.append(maker)
    return maker


def choices(tenant: str) -> dict[str, Any]:
    """The option lists of the organisation form, labels from rules."""
    return {
        "kinds": [(str(k), _(label)) for k, label in rules.KINDS.items()],
        "recognition_kinds": [(str(k), _(label)) for k, label in rules.RECOGNITIONS.items()],
        "rubrics": [(code, _(label)) for code, label in rules.RUBRICS.items()],
        "offering_kinds": [(str(k), _(label)) for k, label in rules.OFFERING_KINDS.items()],
        "municipalities": [(m.name, m.name) for m in of_province(tenant)],
    }


def labels() -> dict[str, Any]:
    return {"kind_labels": translated(rules.KINDS), "recognition_labels": translated(rules.RECOGNITIONS),
            "rubric_labels": translated(rules.RUBRICS), "offering_labels": translated(rules.OFFERING_KINDS),
            "change_labels": translated(rules.CHANGE_STATUSES),
            "municipality_name": name_of, "kbo": enterprise_number.formatted, "today": service.today()}


def entry_page(who: Viewer, template: str, context: dict[str, Any], status_code: int = 200) -> Template:
    return who.page(template, {**labels(), **context}, status_code=status_code)


def form_page(who: Viewer, form: Form, *, action: str, organisation: Organisation | None, coordinator: bool,
              status_code: int = 200) -> Template:
    return entry_page(who, "organisations/form.html", {
        "form": form, "action": action, "organisation": organisation, "coordinator": coordinator,
        "rows": {prefix: organisation_form.rows_in(form, prefix) for prefix in organisation_form.ROWS},
        **choices(who.tenant)}, status_code=status_code)


async def pending_of(session: AsyncSession, organisation: Organisation) -> OrganisationChange | None:
    return await OrganisationRepository(session, organisation.tenant).pending_change_of(organisation.id)


# -- the partner's own entry --------------------------------------------------------------------------------------

async def own(session: AsyncSession, who: Viewer) -> Organisation | None:
    try:
        return await service.mine(session, who.person)
    except NotFound:
        return None


@get("/{tenant:str}/partner/")
async def partner_index(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = visitor(request, PARTNERS)
    organisation = await own(session, who)
    sections = [s for maker in PARTNER_SECTIONS if (s := await maker(session, who, organisation)) is not None]
    changes = await OrganisationRepository(session, who.tenant).changes_of(organisation.id) if organisation else []
    return entry_page(who, "organisations/partner_index.html", {
        "organisation": organisation, "pending": next((c for c in changes if c.status == "pending"), None),
        "decided": [c for c in changes if c.status != "pending"][:5], "sections": sections,
        "number": who.enterprise_number})


@get("/{tenant:str}/partner/organisatie/bewerken")
async def partner_edit(request: Request[Any, Any, Any], session: AsyncSession) -> Template | Redirect:
    who = visitor(request, PARTNERS)
    organisation = await own(session, who)
    if organisation is None:
        return who.redirect("partner/")
    return form_page(who, Form(values=organisation_form.values_of(organisation)),
                     action=f"/{who.tenant}/partner/organisatie/bewerken", organisation=organisation,
                     coordinator=False)


@post("/{tenant:str}/partner/organisatie/bewerken")
async def partner_save(request: Request[Any, Any, Any], session: AsyncSession,
                       data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, PARTNERS)
    organisation = await own(session, who)
    if organisation is None:
        return who.redirect("partner/")
    return await save(session, who, form, organisation, coordinator=False,
                      action=f"/{who.tenant}/partner/organisatie/bewerken", back="partner/")


async def save(session: AsyncSession, who: Viewer, form: Form, organisation: Organisation, *, coordinator: bool,
               action: str, back: str) -> Template | Redirect:
    """Saves the edit form (a partner's or a coordinator's) and says what became of it."""
    status = 422
    try:
        changes = organisation_form.read_changes(form, coordinator=coordinator)
        if changes is not None:
            async with undone_on_refusal(session):
                _saved, change = await service.update(session, who.person, organisation.id, changes,
                                                      form.version())
            who.flash(_("Je wijzigingen zijn bewaard. De wijziging van de erkenningen wacht op goedkeuring door de "
                        "coördinator.") if change else _("De wijzigingen zijn bewaard."))
            return who.redirect(back)
    except PreconditionFailed:
        form.refuse(_(STALE))
        status = 412
    except Problem as exc:
        organisation_form.refuse(form, exc)
    fresh = await OrganisationRepository(session, who.tenant).get(organisation.id)
    if fresh is not None and status == 412:
        form.values["version"] = str(fresh.version)  # a second save deliberately overwrites
    return form_page(who, form, action=action, organisation=fresh or organisation, coordinator=coordinator,
                     status_code=status)


# -- the coordinator's registry -----------------------------------------------------------------------------------

@get("/{tenant:str}/samenwerking/organisaties/")
async def registry(request: Request[Any, Any, Any], session: AsyncSession,
                   q: str = Parameter(default=""), kind: str = Parameter(default=""),
                   gemeente: str = Parameter(default=""),
                   pagina: int = Parameter(default=1, ge=1, le=10_000)) -> Template:
    who = visitor(request, COORDINATORS)
    municipality = find(gemeente) if gemeente else None
    rows, total = await OrganisationRepository(session, who.tenant).registry_page(
        text=q.strip()[:100], kind=kind if kind in rules.KINDS else None,
        municipality=municipality.code if municipality else None, offset=(pagina - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pending = await OrganisationRepository(session, who.tenant).changes(rules.ChangeStatus.PENDING, 500)
    return entry_page(who, "organisations/registry.html", {
        "organisations": rows, "total": total, "page": pagina, "pages": max(1, -(-total // PAGE_SIZE)),
        "form": Form(values={"q": q, "kind": kind, "gemeente": gemeente}), "pending_count": len(pending),
        **choices(who.tenant)})


@get("/{tenant:str}/samenwerking/organisaties/nieuw")
async def register_form(request: Request[Any, Any, Any]) -> Template:
    who = visitor(request, COORDINATORS)
    return form_page(who, Form(), action=f"/{who.tenant}/samenwerking/organisaties/nieuw", organisation=None,
                     coordinator=True)


@post("/{tenant:str}/samenwerking/organisaties/nieuw")
async def register(request: Request[Any, Any, Any], session: AsyncSession, data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    status = 422
    try:
        command = organisation_form.read_register(form)
        if command is not None:
            async with undone_on_refusal(session):
                organisation = await service.register(session, who.person, command)
            who.flash(_("%(name)s is geregistreerd.") % {"name": organisation.name})
            return who.redirect(f"samenwerking/organisaties/{organisation.id}")
    except Problem as exc:
        organisation_form.refuse(form, exc)
        if form.message and exc.status == 409:
            status = 409
    return form_page(who, form, action=f"/{who.tenant}/samenwerking/organisaties/nieuw", organisation=None,
                     coordinator=True, status_code=status)


async def coordinated(session: AsyncSession, who: Viewer, organisation_id: uuid.UUID) -> Organisation:
    return await service.get(session, who.person, organisation_id)


@get("/{tenant:str}/samenwerking/organisaties/{organisation_id:uuid}")
async def organisation_page(request: Request[Any, Any, Any], session: AsyncSession,
                            organisation_id: uuid.UUID) -> Template:
    who = visitor(request, COORDINATORS)
    organisation = await coordinated(session, who, organisation_id)
    changes = await OrganisationRepository(session, who.tenant).changes_of(organisation.id)
    return entry_page(who, "organisations/organisation.html", {
        "organisation": organisation, "changes": changes,
        "pending": next((c for c in changes if c.status == "pending"), None),
        "social_economy": service.is_social_economy(organisation)})


@get("/{tenant:str}/samenwerking/organisaties/{organisation_id:uuid}/bewerken")
async def edit_form(request: Request[Any, Any, Any], session: AsyncSession, organisation_id: uuid.UUID) -> Template:
    who = visitor(request, COORDINATORS)
    organisation = await coordinated(session, who, organisation_id)
    return form_page(who, Form(values=organisation_form.values_of(organisation)),
                     action=f"/{who.tenant}/samenwerking/organisaties/{organisation_id}/bewerken",
                     organisation=organisation, coordinator=True)


@post("/{tenant:str}/samenwerking/organisaties/{organisation_id:uuid}/bewerken")
async def edit(request: Request[Any, Any, Any], session: AsyncSession, organisation_id: uuid.UUID,
               data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    organisation = await coordinated(session, who, organisation_id)
    return await save(session, who, form, organisation, coordinator=True,
                      action=f"/{who.tenant}/samenwerking/organisaties/{organisation_id}/bewerken",
                      back=f"samenwerking/organisaties/{organisation_id}")


# -- changes waiting for approval ---------------------------------------------------------------------------------

async def changes_page(session: AsyncSession, who: Viewer, refused: dict[uuid.UUID, Form] | None = None,
                       status_code: int = 200) -> Template:
    repository = OrganisationRepository(session, who.tenant)
    pending = await repository.changes(rules.ChangeStatus.PENDING, 200)
    names = await repository.names_of({c.organisation_id for c in pending})
    return entry_page(who, "organisations/changes.html", {
        "changes": pending, "names": names, "forms": refused or {}}, status_code=status_code)


@get("/{tenant:str}/samenwerking/organisaties/wijzigingen/")
async def changes(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    return await changes_page(session, visitor(request, COORDINATORS))


@post("/{tenant:str}/samenwerking/organisaties/wijzigingen/{change_id:uuid}/{decision:str}")
async def decide(request: Request[Any, Any, Any], session: AsyncSession, change_id: uuid.UUID, decision: str,
                 data: FormData) -> Template | Redirect:
    who, form = form_post(request, data, COORDINATORS)
    if decision not in ("goedkeuren", "weigeren"):
        raise NotFound(_("deze beslissing bestaat niet"))
    approve = decision == "goedkeuren"
    reasons = form.text("reasons", max_length=5000)
    if not approve and not reasons:
        form.errors["reasons"] = _("Geef de redenen van de weigering: de partner leest ze.")
        return await changes_page(session, who, {change_id: form}, 422)
    try:
        async with undone_on_refusal(session):
            change = await service.decide(session, who.person, change_id, form.version(), approve=approve,
                                          reasons=reasons)
    except Problem as exc:
        organisation_form.refuse(form, exc)
        if not form.message and not form.errors:
            form.message = exc.detail
        return await changes_page(session, who, {change_id: form}, exc.status)
    names = await OrganisationRepository(session, who.tenant).names_of({change.organisation_id})
    who.flash(_("De wijziging van %(organisation)s is %(status)s.")
              % {"organisation": names.get(change.organisation_id, _("de organisatie")),
                 "status": _(rules.CHANGE_STATUSES[change.status])})
    return who.redirect("samenwerking/organisaties/wijzigingen/")


ROUTES: list[ControllerRouterHandler] = [
    partner_index, partner_edit, partner_save, registry, register_form, register, changes, decide,
    organisation_page, edit_form, edit,
]
