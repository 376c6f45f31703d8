"""The portal pages at the edge: the one table of which first path segment under /<tenant>/ belongs to which
service (the gateway forwards each prefix there, pages.py), and the home page's tiles.

The tiles are the services' own word: each service says at `GET /portals` which prefixes it serves, the roles
its page guards admit and the tile it wants (shared.portal.manifest). The gateway shows a tile only for a prefix
this table routes to the service that announced it, and only to a person holding one of its roles: a tile never
leads to a page nobody serves, nor to one that would refuse the person. Announcements are cached per replica
for a minute; a service that cannot be asked has no tiles until it can (its pages would not answer either)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp
import msgspec

from shared.portal.manifest import MANIFEST_PATH, PortalEntry

log = logging.getLogger("regie.gateway.portals")

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
    "applicant": "aanvrager",
    "juror": "jurylid",
    "call-manager": "oproepbeheerder",
    "partner": "partner",
    "coordinator": "regisseur sociale economie",
    "driver": "chauffeur",
    "province-admin": "provinciebeheerder",
}
CACHE_SECONDS = 60.0
ASK_TIMEOUT_SECONDS = 2.0


def role_labels(roles: frozenset[str] | tuple[str, ...]) -> list[str]:
    """In the order of ROLE_LABELS, so the page reads the same for everyone."""
    return [label for role, label in ROLE_LABELS.items() if role in roles]


def tiles_for(roles: frozenset[str] | tuple[str, ...], announced: Mapping[str, Sequence[PortalEntry]],
              pages: Mapping[str, str] = PAGES) -> list[PortalEntry]:
    """The tiles of the portals a person with `roles` may use: announced by a service, with a tile, for a prefix
    that `pages` routes to that same service; in the order of `pages`."""
    held = frozenset(roles)
    by_prefix = {entry.prefix: entry for service, entries in announced.items() for entry in entries
                 if pages.get(entry.prefix) == service}
    return [entry for prefix in pages if (entry := by_prefix.get(prefix)) is not None
            and entry.tile is not None and not entry.roles.isdisjoint(held)]


@dataclass
class PortalDirectory:
    """The services' announcements, asked for when older than CACHE_SECONDS."""

    http: aiohttp.ClientSession
    upstreams: Mapping[str, str]
    known: dict[str, list[PortalEntry]] = field(default_factory=dict)
    asked_at: dict[str, float] = field(default_factory=dict)

    async def announced(self) -> dict[str, list[PortalEntry]]:
        services = sorted({service for service in PAGES.values() if service in self.upstreams})
        stale = [s for s in services if time.monotonic() - self.asked_at.get(s, -CACHE_SECONDS) >= CACHE_SECONDS]
        if stale:
            await asyncio.gather(*(self._ask(service) for service in stale))
        return {service: self.known.get(service, []) for service in services}

    async def _ask(self, service: str) -> None:
        try:
            async with self.http.get(self.upstreams[service] + MANIFEST_PATH,
                                     timeout=aiohttp.ClientTimeout(total=ASK_TIMEOUT_SECONDS)) as response:
                response.raise_for_status()
                body = await response.read()
            self.known[service] = msgspec.json.decode(body, type=list[PortalEntry])
            self.asked_at[service] = time.monotonic()
        except (aiohttp.ClientError, TimeoutError, msgspec.DecodeError) as exc:
            # Kept: what it said before (a restart should not empty the home page); asked again next time.
            log.warning("service did not say its portals", extra={"service": service, "error": type(exc).__name__})
