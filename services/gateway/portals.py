"""The portal pages at the edge: the one table of which first path segment under /<tenant>/ belongs to which
service (the gateway forwards each prefix there, pages.py), and the home page's tiles.

The tiles are the services' own word: each service says at `GET /portals` which prefixes it serves, the roles
its page guards admit and the tile it wants (shared.portal.manifest). The gateway shows a tile only for a prefix
this table routes to the service that announced it, and only to a person holding one of its roles: a tile never
leads to a page nobody serves, nor to one that would refuse the person. Announcements are cached per replica
for a minute (announced.py); a service that never answered has no tiles until it does (its pages would not
answer either)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import msgspec

from services.gateway.announced import Announced
from shared.i18n import N_, _
from shared.portal.manifest import HEADER_PATH, MANIFEST_PATH, PortalEntry

PAGES: dict[str, str] = {
    "aanvragen": "grants",
    "mede-aanvragen": "grants",
    "oproepen": "grants",
    "jury": "grants",
    "provincie": "grants",
    "berichten": "grants",
    "partner": "partners",
    "samenwerking": "partners",
    "overzicht": "partners",
    "catalogus": "partners",
    "chauffeur": "foodsavers",
    "voedsel": "foodsavers",
}
"""prefix → the service that serves /<tenant>/<prefix>/… (the path goes on unchanged)."""

ROLE_LABELS: dict[str, str] = {
    "applicant": N_("aanvrager"),
    "juror": N_("jurylid"),
    "call-manager": N_("oproepbeheerder"),
    "partner": N_("partner"),
    "coordinator": N_("regisseur sociale economie"),
    "driver": N_("chauffeur"),
    "province-admin": N_("provinciebeheerder"),
}


def role_labels(roles: frozenset[str] | tuple[str, ...]) -> list[str]:
    """In the order of ROLE_LABELS, so the page reads the same for everyone."""
    return [_(label) for role, label in ROLE_LABELS.items() if role in roles]


def tiles_for(roles: frozenset[str] | tuple[str, ...], announced: Mapping[str, Sequence[PortalEntry]],
              pages: Mapping[str, str] = PAGES) -> list[PortalEntry]:
    """The tiles of the portals a person with `roles` may use: announced by a service, with a tile, for a prefix
    that `pages` routes to that same service; in the order of `pages`."""
    held = frozenset(roles)
    by_prefix = {entry.prefix: entry for service, entries in announced.items() for entry in entries
                 if pages.get(entry.prefix) == service}
    return [entry for prefix in pages if (entry := by_prefix.get(prefix)) is not None
            and entry.tile is not None and not entry.roles.isdisjoint(held)]


class PortalDirectory:
    """The services' announcements of their portal pages (shared.portal.manifest at MANIFEST_PATH)."""

    def __init__(self, http: aiohttp.ClientSession, upstreams: Mapping[str, str]) -> None:
        self.http = http
        self.upstreams = upstreams
        self.asked = Announced(http, upstreams, MANIFEST_PATH, entries)

    async def announced(self) -> dict[str, list[PortalEntry]]:
        services = sorted({service for service in PAGES.values() if service in self.upstreams})
        said = await self.asked.of(services)
        return {service: said.get(service, []) for service in services}


    async def header(self, tenant: str, access_token: str, language: str) -> dict[str, Any]:
        """The header's values for the person (the unread notices) from the service of their notices, for the
        home page; nothing when it does not answer in a second (the page shows the header without them)."""
        upstream = self.upstreams.get(PAGES["berichten"])
        if upstream is None:
            return {}
        try:
            async with self.http.get(f"{upstream}{HEADER_PATH.format(tenant=tenant)}",
                                     headers={"authorization": f"Bearer {access_token}", "accept-language": language},
                                     timeout=aiohttp.ClientTimeout(total=1.0)) as answer:
                if answer.status != 200:
                    return {}
                said = msgspec.json.decode(await answer.read())
        except (aiohttp.ClientError, TimeoutError, msgspec.DecodeError):
            return {}
        return {key: value for key, value in said.items() if key in HEADER_KEYS} if isinstance(said, dict) else {}


HEADER_KEYS = frozenset({"unread_notices"})
"""What the home page takes from a service's header values: only what the kit's layout shows."""


def entries(body: bytes) -> list[PortalEntry]:
    try:
        return msgspec.json.decode(body, type=list[PortalEntry])
    except msgspec.DecodeError as exc:
        raise ValueError(str(exc)) from exc
