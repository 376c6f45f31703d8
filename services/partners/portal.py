"""What every partners portal page shares: the role sets its pages are for, the prefixes it tells the gateway,
and the person on the page (the portal kit's Viewer). Each capability's pages.py uses it.

- `/<tenant>/catalogus/…`: the public supplier catalogue and the municipalities' fact sheets (no login);
- `/<tenant>/partner/…`: a partner's own entry, its plans and realisations;
- `/<tenant>/samenwerking/…`: the coordinator's portal (organisations and changes to approve, plans and their
  results framework, realisations to review, reports);
- `/<tenant>/overzicht/…`: the province overview for staff."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from litestar import Request

from shared.auth import ROLES, TokenVerifier
from shared.i18n import N_, _
from shared.portal.forms import Form
from shared.portal.manifest import PortalEntry, Tile
from shared.portal.pages import Viewer, check_csrf, optional_viewer, viewer

TEMPLATES = Path(__file__).parent / "templates"

PARTNERS = ("partner",)
COORDINATORS = ("coordinator", "province-admin")
"""Who runs the registry and the plans: the social-economy coordinator and the province's administrator."""
STAFF = ("province-admin", "coordinator")
"""Who sees the province overview."""
READERS = (*COORDINATORS, "call-manager")
"""Who may read the registry through the API (a call manager checks an applicant's recognitions)."""

PORTALS = (
    PortalEntry("partner", frozenset(PARTNERS),
                Tile(N_("Mijn organisatie"), N_("Uw fiche in de catalogus, uw overeenkomsten en realisaties."))),
    PortalEntry("samenwerking", frozenset(COORDINATORS),
                Tile(N_("Samenwerking en regie"),
                     N_("Organisaties, samenwerkingsovereenkomsten, indicatoren, realisaties en rapporten."))),
    PortalEntry("overzicht", frozenset(STAFF),
                Tile(N_("Provinciaal overzicht"),
                     N_("Overeenkomsten tegenover hun doelen, subsidies, voedselherverdeling en impact."))),
    PortalEntry("catalogus", frozenset(ROLES),
                Tile(N_("Catalogus sociale economie"),
                     N_("Leveranciers uit de sociale economie zoeken, en de fiche van elke gemeente."))),
)
"""partners' page prefixes, the roles their guards admit, and the home page's tiles (told to the gateway). The
catalogue is public: its tile is for everyone signed in, and its pages answer without login too."""

PUBLIC_PATHS = (r"^/[a-z-]+/catalogus(/|$)", r"^/[a-z-]+/public/")
"""Served without a token: the catalogue's pages and the public API."""


K = TypeVar("K")


def translated(labels: Mapping[K, str]) -> dict[K, str]:
    """A table of Dutch labels (marked with N_() where defined) in the reader's language, for a page."""
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


async def public_visitor(request: Request[Any, Any, Any], verifier: TokenVerifier) -> Viewer:
    """On a public page: the person if signed in, else anonymous."""
    return await optional_viewer(request, verifier)
