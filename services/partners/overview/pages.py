"""The province overview `/{tenant}/overzicht/?jaar=` for staff (province-admin, coordinator): the agreements
running in the year with their indicators against the year's targets, grants awarded and paid, food rescued,
CO2-eq avoided and people reached. The year defaults to this Brussels year."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.overview import service
from services.partners.plans.repository import PlanRepository
from services.partners.portal import STAFF, visitor
from services.partners.reports.builder import STANDINGS

YEARS_SHOWN = 6
"""How many years the year picker offers, back from this one."""


Year = Annotated[int | None, QueryParameter(name="jaar", required=False, ge=1990, le=2100)]
"""?jaar= on the page: the year shown (the current Brussels year when absent)."""


@get("/{tenant:str}/overzicht/")
async def overview_page(request: Request[Any, Any, Any], session: AsyncSession, year: Year = None) -> Template:
    who = visitor(request, STAFF)
    this_year = (await PlanRepository(session, who.tenant).brussels_today()).year
    chosen = year or this_year
    found = await service.overview(session, who.tenant, chosen)
    years = sorted({*range(this_year - YEARS_SHOWN + 1, this_year + 2), chosen}, reverse=True)
    return who.page("overview/index.html", {"overview": found, "years": years, "standings": STANDINGS})


ROUTES: list[ControllerRouterHandler] = [overview_page]
