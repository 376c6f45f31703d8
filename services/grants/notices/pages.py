"""A person's notices (/<tenant>/berichten/) from every service, newest first, the unread ones marked "Nieuw",
and marking them read; and the choice of which kinds also come by e-mail (/<tenant>/berichten/voorkeuren).
Reading is marked by the person, with a button ("Alles gelezen", or per notice), never by viewing the page: a GET
changes nothing (a prefetch or a reload would otherwise clear what nobody read). "Alles gelezen" marks up to the
newest notice the page showed, so one that arrived after the page was drawn stays unread."""


from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.notices import service
from services.grants.portal import form_post, visitor
from shared.i18n import _
from shared.notices.kinds import KIND_LABELS
from shared.portal.pages import FormData

API_LINK = re.compile(r"^/(?P<tenant>[a-z-]+)/api/grants/applications/(?P<id>[0-9a-f-]{36})(?P<rest>/[^?#]*)?$")


@dataclass(frozen=True)
class Link:
    href: str
    label: str


def portal_link(link: str, tenant: str) -> Link | None:
    """A notice links to the API (the letter, the award plan); a person follows the portal page that shows
    it. Only links into this tenant's portal are kept: never another tenant's, never another site."""
    found = API_LINK.match(link or "")
    if found is not None:
        if found["tenant"] != tenant:
            return None
        base = f"/{tenant}/aanvragen/{found['id']}"
        rest = found["rest"] or ""
        if rest == "/letter":
            return Link(f"{base}/beslissingsbrief", _("Beslissingsbrief (PDF)"))
        if rest.startswith(("/award-plan", "/reports")):
            return Link(f"{base}#opvolging", _("Naar de opvolging van je project"))
        return Link(base, _("Naar de aanvraag"))
    if link.startswith(f"/{tenant}/") and "/api/" not in link and "//" not in link:
        return Link(link, _("Openen"))
    return None


# ---- the decision section of the application's page ---------------------------------------------------------

@get("/{tenant:str}/berichten/")
async def notices(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session)
    found = await service.notice_list(session, who.person, limit=100)
    items = [(notice, portal_link(notice.link, who.tenant)) for notice in found]
    unread = sum(1 for notice in found if notice.read_at is None)
    # Newest first: the first one is the newest moment this page shows.
    shown_until = found[0].created_at.isoformat() if found else None
    return who.page("notices.html", {"items": items, "unread": unread, "shown_until": shown_until})


@post("/{tenant:str}/berichten/gelezen")
async def mark_all_read(request: Request[Any, Any, Any], session: AsyncSession, data: FormData) -> Redirect:
    """"Alles gelezen": what the page showed, up to its newest notice (`before`), then back to the page."""
    who, _form = await form_post(request, session, data)
    before = data.get("before")
    try:
        until = datetime.fromisoformat(before) if isinstance(before, str) and before else None
    except ValueError:
        until = None
    await service.mark_notices_read(session, who.person, until)
    who.flash(_("Alle getoonde berichten zijn als gelezen gemarkeerd."))
    return who.redirect("berichten/")


@post("/{tenant:str}/berichten/{notice_id:uuid}/gelezen")
async def mark_read(request: Request[Any, Any, Any], notice_id: uuid.UUID, session: AsyncSession,
                    data: FormData) -> Redirect:
    who, _form = await form_post(request, session, data)
    await service.mark_notice_read(session, who.person, notice_id)
    return who.redirect(f"berichten/#bericht-{notice_id}")


@get("/{tenant:str}/berichten/voorkeuren")
async def preferences(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session)
    person, by_email = await service.preferences(session, who.person)
    return who.page("notice_preferences.html", {
        "kinds": [(kind.value, _(label), kind in by_email) for kind, label in KIND_LABELS.items()],
        "email": person.email if person is not None else who.person.email})


@post("/{tenant:str}/berichten/voorkeuren")
async def choose(request: Request[Any, Any, Any], session: AsyncSession, data: FormData) -> Redirect:
    """The ticked kinds come by e-mail from now on; none ticked is a choice too."""
    who, _form = await form_post(request, session, data)
    ticked = data.get("by_email", [])
    await service.choose(session, who.person, [ticked] if isinstance(ticked, str) else list(ticked))
    who.flash(_("Uw keuze is bewaard."))
    return who.redirect("berichten/voorkeuren")


ROUTES = [notices, mark_all_read, mark_read, preferences, choose]
