"""The coordinator's dashboard, `/{tenant}/voedsel/`: the period picker (default this half year), the totals in
the region's terms by the chosen method (named), the tonnage per week stacked by category (SVG drawn here, no
JavaScript), tables per donor and per recipient, the rounds with open flags, and the latest reports with the
way to impact. Every figure from the day totals (impact.service.figures), a few aggregate queries per view."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.impact import service
from services.foodsavers.impact.pages import From, MethodName, MethodVersion, Until, figures_page
from services.foodsavers.portal import translated
from services.foodsavers.safety import service as safety_service
from services.foodsavers.safety.rules import FINDING_LABELS


@get("/{tenant:str}/voedsel/")
async def dashboard(request: Request[Any, Any, Any], session: AsyncSession, van: From = None, tot: Until = None,
                    methode: MethodName = None, versie: MethodVersion = None) -> Template:
    who, shown = await figures_page(request, session, van, tot, methode, versie)
    return who.page("coordinator/dashboard.html", {
        **shown, "section": "", "flags": await safety_service.open_flags(session, who.tenant),
        "flag_labels": translated(FINDING_LABELS), "reports": (await service.reports(session, who.tenant))[:5],
        "labels": translated(service.STATUS_LABELS)})


ROUTES: list[ControllerRouterHandler] = [dashboard]
