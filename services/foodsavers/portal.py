"""What every foodsavers portal page shares: the role sets its pages are for, the prefixes it tells the gateway,
and the person on the page (the portal kit's Viewer). Each capability's pages.py uses it.

- `/<tenant>/chauffeur/…`: the driver's app, phone first and offline (driver/): today's round, its stops, the
  pickup and delivery forms; installable (web app manifest and service worker under this path);
- `/<tenant>/voedsel/…`: the coordinator's portal: the dashboard (dashboard/), the registry (registry/), the
  planning (planning/), food safety and flags (safety/), impact methods and reports (impact/)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from litestar import Request

from shared.i18n import N_, _
from shared.portal.forms import Form
from shared.portal.manifest import PortalEntry, Tile
from shared.portal.pages import Viewer, check_csrf, viewer

TEMPLATES = Path(__file__).parent / "templates"
K = TypeVar("K")

DRIVERS = ("driver",)
COORDINATORS = ("coordinator", "province-admin")
"""Who runs the food platform: the social-economy coordinator and the province's administrator."""
READERS = (*COORDINATORS, "driver")
"""Who reads the registry (a driver reads a donor's instructions and a recipient's windows)."""

PORTALS = (
    PortalEntry("chauffeur", frozenset(DRIVERS),
                Tile(N_("Chauffeur"),
                     N_("De rit van vandaag: ophalingen en leveringen registreren, ook zonder bereik."))),
    PortalEntry("voedsel", frozenset(COORDINATORS),
                Tile(N_("Voedselherverdeling"),
                     N_("Schenkers, ontvangers, ritten, voedselveiligheid en impact van het voedselplatform."))),
)
"""foodsavers' page prefixes, the roles their guards admit, and the home page's tiles (told to the gateway)."""

SECTIONS = (
    ("", N_("Overzicht")),
    ("register", N_("Register")),
    ("planning", N_("Planning")),
    ("veiligheid", N_("Voedselveiligheid")),
    ("impact", N_("Impact en rapporten")),
)
"""The coordinator portal's sections, /<tenant>/voedsel/<section>/: the navigation every coordinator page shows
(templates/coordinator/nav.html)."""


def translated(labels: Mapping[K, str]) -> dict[K, str]:
    """Labels marked with N_() where they are defined, in the reader's language (for a page's context)."""
    return {key: _(label) for key, label in labels.items()}


def visitor(request: Request[Any, Any, Any], roles: Iterable[str] = ()) -> Viewer:
    """The signed-in person holding one of `roles` (403 otherwise)."""
    return viewer(request, roles)


def form_post(request: Request[Any, Any, Any], data: Mapping[str, Any],
              roles: Iterable[str] = ()) -> tuple[Viewer, Form]:
    """A form post: the person (as `visitor`), its CSRF token checked, and the form with what was typed."""
    who = visitor(request, roles)
    check_csrf(data, who)
    return who, Form.posted(data)
