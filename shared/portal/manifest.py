"""What a service tells the gateway about its portal pages (`GET /portals`, public like the health checks):
each page prefix it serves, the roles its pages are for, and the tile the province's home page shows for it,
if any. The service's own role sets and texts go out as they are, so a tile can never offer a portal to a role
the service's page guards refuse."""

from __future__ import annotations

import msgspec


class Tile(msgspec.Struct, frozen=True):
    title: str
    description: str


class PortalEntry(msgspec.Struct, frozen=True):
    prefix: str
    """The first path segment under /<tenant>/ that the service's pages live under."""
    roles: frozenset[str]
    """Who the pages are for: the roles the service's page guards admit."""
    tile: Tile | None = None
    """None: pages reached by a link (a public page, the notices), not from the home page."""


MANIFEST_PATH = "/portals"
