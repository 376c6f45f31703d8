"""The one table of portal pages: which first path segment under /<tenant>/ belongs to which service, who may
use it, and which of them the home page offers as a tile. The gateway forwards each prefix to its service
(pages.py) and draws the tiles from the same rows, so a tile never leads to a page nobody serves."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_LABELS: dict[str, str] = {
    "applicant": "aanvrager",
    "juror": "jurylid",
    "call-manager": "oproepbeheerder",
    "partner": "partner",
    "coordinator": "regisseur sociale economie",
    "driver": "chauffeur",
    "province-admin": "provinciebeheerder",
}


@dataclass(frozen=True)
class Tile:
    title: str
    description: str


@dataclass(frozen=True)
class Portal:
    prefix: str
    """The path segment after /<tenant>/: /<tenant>/<prefix>/… goes to `service` unchanged."""
    service: str
    roles: frozenset[str]
    """Who the pages are for; the service's page guards decide, this only chooses the tiles."""
    tile: Tile | None = None
    """None: pages reached by a link (a public call page, the notices), not from the home page."""


EVERYONE = frozenset(ROLE_LABELS)
PORTALS: tuple[Portal, ...] = (
    # Partners reach the applications portal too: there they confirm taking part as a co-applicant.
    Portal("aanvragen", "grants", frozenset({"applicant", "call-manager", "province-admin", "partner"}),
           Tile("Aanvragen", "Projectoproepen bekijken en aanvragen indienen en opvolgen.")),
    Portal("jury", "grants", frozenset({"juror"}), Tile("Jury", "Aanvragen beoordelen en scores geven.")),
    Portal("provincie", "grants", frozenset({"call-manager", "province-admin"}),
           Tile("Oproepen beheren", "Projectoproepen opstellen, screenen, de jury samenstellen en beslissen.")),
    Portal("oproepen", "grants", EVERYONE),
    Portal("mede-aanvragen", "grants", frozenset({"applicant", "partner"})),
    Portal("berichten", "grants", EVERYONE),
)
BY_PREFIX = {portal.prefix: portal for portal in PORTALS}


def role_labels(roles: frozenset[str] | tuple[str, ...]) -> list[str]:
    """In the order of ROLE_LABELS, so the page reads the same for everyone."""
    return [label for role, label in ROLE_LABELS.items() if role in roles]


def tiles_for(roles: frozenset[str] | tuple[str, ...], portals: tuple[Portal, ...] = PORTALS) -> list[Portal]:
    """The portals with a tile that one of `roles` may use, in the table's order."""
    held = frozenset(roles)
    return [portal for portal in portals if portal.tile is not None and not portal.roles.isdisjoint(held)]
