"""Berichten (/<tenant>/berichten/): the in-portal notices grants leaves for the signed-in person and their
organisation (a decision, a report reminder), newest first.

grants keeps `read_at` per notice but offers no way to mark one read, so the portal shows no unread count:
every notice would count as unread forever."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from services.gateway.portal.access import visitor
from services.gateway.portal.grants_client import GrantsClient, Notice, ServiceProblem
from services.gateway.runtime import InjectedGateway

API_LINK = re.compile(r"^/(?P<tenant>[a-z-]+)/api/grants/applications/(?P<id>[0-9a-f-]{36})(?P<rest>/[^?#]*)?$")


@dataclass(frozen=True)
class Link:
    href: str
    label: str


def portal_link(link: str, tenant: str) -> Link | None:
    """grants links a notice to its API (the letter, the award plan); a person follows the portal page that
    shows it. Only links into this tenant's portal are kept: never another tenant's, never another site."""
    found = API_LINK.match(link or "")
    if found is not None:
        if found["tenant"] != tenant:
            return None
        base = f"/{tenant}/aanvragen/{found['id']}"
        rest = found["rest"] or ""
        if rest == "/letter":
            return Link(f"{base}/beslissingsbrief", "Beslissingsbrief (PDF)")
        if rest.startswith(("/award-plan", "/reports")):
            return Link(f"{base}#opvolging", "Naar de opvolging van je project")
        return Link(base, "Naar de aanvraag")
    if link.startswith(f"/{tenant}/") and "/api/" not in link and "//" not in link:
        return Link(link, "Openen")
    return None


@get("/{tenant:str}/berichten/")
async def notices(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Template:
    who = await visitor(request, tenant, gateway)
    problem: str | None = None
    found: list[Notice] = []
    try:
        found = await GrantsClient(gateway, tenant, who.user).notices(limit=100)
    except ServiceProblem as exc:
        problem = exc.message
    items = [(notice, portal_link(notice.link, tenant)) for notice in found]
    return who.page("notices.html", {"items": items, "problem": problem})


ROUTES = [notices]
