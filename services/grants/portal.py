"""What every grants portal page shares: the person on the page (the kit's Viewer, with the header's count of
unread notices, which grants keeps) and the role sets its pages are for. Each capability's pages.py uses it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.rules import MANAGERS
from services.grants.decisions import service as decisions
from shared.auth import TokenVerifier
from shared.portal.pages import Viewer, optional_viewer, viewer

TEMPLATES = Path(__file__).parent / "templates"
APPLICANTS = ("applicant", *MANAGERS, "partner")
"""The applications portal: applicants, the call managers who follow every application, and partners, who
confirm taking part as a co-applicant there."""
CO_APPLICANTS = ("applicant", "partner")
JURORS = ("juror",)


async def visitor(request: Request[Any, Any, Any], session: AsyncSession, roles: Iterable[str] = ()) -> Viewer:
    """The signed-in person holding one of `roles` (403 otherwise), with the unread count for the header."""
    who = viewer(request, roles)
    assert who.principal is not None
    who.header["unread_notices"] = await decisions.unread_notices(session, who.principal)
    return who


async def public_visitor(request: Request[Any, Any, Any], verifier: TokenVerifier) -> Viewer:
    """On a public page: the person if signed in, else anonymous (no header count: nothing to count)."""
    return await optional_viewer(request, verifier)
