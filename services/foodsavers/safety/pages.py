"""The food-safety pages of the coordinator portal (`/<tenant>/voedsel/veiligheid/`): the open flags on rounds
with a form to resolve each, the temperature limits (editable), the register of what the rules did on entry,
and the recall query with its answer. Forms are POST-redirect-GET; a refusal comes back as a flash with the
Dutch reason. The pages call the service layer, as the API does."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.portal import COORDINATORS, form_post, translated, visitor
from services.foodsavers.registry.categories import LABELS, Category, Storage
from services.foodsavers.safety import service
from services.foodsavers.safety.rules import ACTION_LABELS, FINDING_LABELS, Action
from shared.i18n import N_, _
from shared.municipalities import name_of
from shared.portal.pages import FormData, undone_on_refusal
from shared.problems import Problem

SECTION = "veiligheid"
STORAGE_LABELS = {Storage.CHILLED: N_("gekoeld"), Storage.FROZEN: N_("diepvries")}


@get("/{tenant:str}/voedsel/veiligheid/")
async def safety_index(request: Request[Any, Any, Any], session: AsyncSession,
                       donor_id: str | None = Parameter(query="schenker", default=None),
                       category: str | None = Parameter(query="categorie", default=None),
                       since: str | None = Parameter(query="van", default=None),
                       until: str | None = Parameter(query="tot", default=None)) -> Template:
    who = visitor(request, COORDINATORS)
    donors = (await session.execute(text("SELECT id, name FROM donors WHERE tenant = :t ORDER BY name"),
                                    {"t": who.tenant})).all()
    recall = None
    recall_error = ""
    if donor_id and category and since and until:
        try:
            recall = await service.recall(session, who.tenant, uuid.UUID(donor_id), Category(category),
                                          date.fromisoformat(since), date.fromisoformat(until))
        except (ValueError, Problem) as exc:
            recall_error = getattr(exc, "detail", "") or _("Kies een schenker, een categorie en twee geldige datums.")
    return who.page("coordinator/safety/index.html", {
        "section": SECTION, "flags": await service.open_flags(session, who.tenant, limit=100),
        "limits": await service.limits(session, who.tenant),
        "register": await service.register_page(session, who.tenant, since=None, until=None, kind=None, after=None,
                                                limit=50),
        "donors": donors, "categories": [(c.value, _(LABELS[c])) for c in Category],
        "finding_labels": translated(FINDING_LABELS), "action_labels": translated(ACTION_LABELS),
        "storage_labels": translated(STORAGE_LABELS), "actions": [(a.value, _(ACTION_LABELS[a])) for a in Action],
        "recall": recall, "recall_error": recall_error,
        "asked": {"donor_id": donor_id or "", "category": category or "", "since": since or "",
                  "until": until or ""},
        "category_labels": {c.value: _(LABELS[c]) for c in Category}, "municipality_name": name_of})


@post("/{tenant:str}/voedsel/veiligheid/meldingen/{flag_id:uuid}/oplossen")
async def resolve(request: Request[Any, Any, Any], session: AsyncSession, flag_id: uuid.UUID,
                  data: FormData) -> Redirect:
    who, form = form_post(request, data, COORDINATORS)
    try:
        async with undone_on_refusal(session):
            await service.resolve_flag(session, who.person, flag_id, form.values.get("resolution", ""))
        who.flash(_("De melding is opgelost."))
    except Problem as problem:
        who.flash(problem.detail, "error")
    return who.redirect("voedsel/veiligheid/")


@post("/{tenant:str}/voedsel/veiligheid/grenzen")
async def save_limits(request: Request[Any, Any, Any], session: AsyncSession, data: FormData) -> Redirect:
    who, form = form_post(request, data, COORDINATORS)
    try:
        async with undone_on_refusal(session):
            limits = [service.parse_limit(storage.value, form.values.get(f"{storage.value}_max", ""),
                                          form.values.get(f"{storage.value}_action", ""))
                      for storage in STORAGE_LABELS]
            await service.set_limits(session, who.person, limits)
        who.flash(_("De temperatuurgrenzen zijn bewaard."))
    except Problem as problem:
        who.flash(problem.detail, "error")
    return who.redirect("voedsel/veiligheid/")


ROUTES: list[ControllerRouterHandler] = [safety_index, resolve, save_limits]
