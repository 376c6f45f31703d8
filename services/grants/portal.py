"""What every grants portal page shares: the person on the page (the kit's Viewer, whose header's count of unread
notices `notices.service.page_header` worked out before the page) and the role sets its pages are for. Each
capability's pages.py uses it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.rules import MANAGERS
from shared.auth import ROLES, TokenVerifier
from shared.i18n import N_
from shared.portal.forms import Form
from shared.portal.manifest import PortalEntry, Tile
from shared.portal.pages import Viewer, check_csrf, optional_viewer, viewer

TEMPLATES = Path(__file__).parent / "templates"
APPLICANTS = ("applicant", *MANAGERS, "partner")
"""The applications portal: applicants, the call managers who follow every application, and partners, who
confirm taking part as a co-applicant there."""
CO_APPLICANTS = ("applicant", "partner")
JURORS = ("juror",)
EVERYONE = ROLES
PORTALS = (
    PortalEntry("aanvragen", frozenset(APPLICANTS),
                Tile(N_("Aanvragen"), N_("Projectoproepen bekijken en aanvragen indienen en opvolgen."))),
    PortalEntry("jury", frozenset(JURORS), Tile(N_("Jury"), N_("Aanvragen beoordelen en scores geven."))),
    PortalEntry("provincie", frozenset(MANAGERS),
                Tile(N_("Oproepen beheren"),
                     N_("Projectoproepen opstellen, screenen, de jury samenstellen en beslissen."))),
    PortalEntry("oproepen", frozenset(EVERYONE)),
    PortalEntry("mede-aanvragen", frozenset(CO_APPLICANTS)),
    PortalEntry("berichten", frozenset(EVERYONE)),
)
"""grants' page prefixes, the roles their guards admit, and the home page's tiles (told to the gateway)."""


async def visitor(request: Request[Any, Any, Any], session: AsyncSession, roles: Iterable[str] = ()) -> Viewer:
    """The signed-in person holding one of `roles` (403 otherwise). Async, with the page's session, so that a
    guard needing the database has its place here."""
    return viewer(request, roles)


async def form_post(request: Request[Any, Any, Any], session: AsyncSession, data: Mapping[str, Any],
                    roles: Iterable[str] = ()) -> tuple[Viewer, Form]:
    """A form post: the person (as `visitor`), its CSRF token checked, and the form with what was typed."""
    who = await visitor(request, session, roles)
    check_csrf(data, who)
    return who, Form.posted(data)


async def public_visitor(request: Request[Any, Any, Any], verifier: TokenVerifier) -> Viewer:
    """On a public page: the person if signed in, else anonymous (no header count: nothing to count)."""
    return await optional_viewer(request, verifier)
