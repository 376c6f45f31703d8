"""The report page of a plan, for the coordinator (`/{tenant}/samenwerking/plannen/{id}/rapport?jaar=`) and for a
partner party to it (`/{tenant}/partner/plannen/{id}/rapport?jaar=`): the five-column report of the year, a chart
per indicator of its yearly target against its realisation (SVG with the numbers in a table beside it), and the
PDF and spreadsheet downloads (`rapport.pdf?jaar=`, `rapport.xlsx?jaar=`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.plans.repository import PlanRepository
from services.partners.portal import COORDINATORS, PARTNERS, visitor
from services.partners.reports import chart, service
from services.partners.reports.builder import COLUMNS, STANDINGS, plan_years
from shared.downloads import FileFormat, made_file
from shared.i18n import _
from shared.portal.pages import Viewer
from shared.problems import NotFound

PORTALS = {"samenwerking": COORDINATORS, "partner": PARTNERS}
"""Each portal the page is on and whom it is for; the plans service then keeps a partner to its own plans."""

Year = Annotated[int | None, QueryParameter(name="jaar", required=False, ge=1990, le=2100)]


def paths(tail: str) -> list[str]:
    """The page's path in each portal."""
    return [f"/{{tenant:str}}/{area}/plannen/{{plan_id:uuid}}/{tail}" for area in PORTALS]


def portal_visitor(request: Request[Any, Any, Any]) -> tuple[Viewer, str]:
    """The person on the page and the portal it is in (the path's second segment), with that portal's roles."""
    area = request.scope["path"].strip("/").split("/")[1]
    if area not in PORTALS:
        raise NotFound(_("deze pagina bestaat niet"))
    return visitor(request, PORTALS[area]), area


async def chosen_year(session: AsyncSession, who: Viewer, plan_id: uuid.UUID, year: int | None) -> int:
    """The year asked for; without one, this Brussels year when the plan runs then, else its last year (a plan
    that ended) or its first (one still to start)."""
    if year is not None:
        return year
    repository = PlanRepository(session, who.tenant)
    plan = await repository.get(plan_id)
    today = await repository.brussels_today()
    if plan is None:
        return today.year
    years = plan_years(plan)
    return min(max(today.year, years[0]), years[-1])


@get(paths("rapport"))
async def report_page(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                      year: Year = None) -> Template:
    who, area = portal_visitor(request)
    made = await service.report(session, who.person, plan_id, await chosen_year(session, who, plan_id, year),
                                 history=True)
    charts = {line.id: chart.svg(line, f"grafiek-{position}")
              for position, line in enumerate(made.indicators, start=1)}
    return who.page("reports/report.html", {
        "report": made, "area": area, "columns": COLUMNS, "rows": list(made.rows()), "charts": charts,
        "standings": STANDINGS, "describe": chart.describe, "base": f"/{who.tenant}/{area}/plannen/{plan_id}"})


async def download(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                   year: int | None, file_format: FileFormat) -> Response[bytes]:
    who, _area = portal_visitor(request)
    made = await service.report(session, who.person, plan_id, await chosen_year(session, who, plan_id, year))
    return made_file(await service.render(made, file_format), file_format, made.file_stem)


@get(paths("rapport.pdf"))
async def report_pdf(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                     year: Year = None) -> Response[bytes]:
    return await download(request, session, plan_id, year, FileFormat.PDF)


@get(paths("rapport.xlsx"))
async def report_xlsx(request: Request[Any, Any, Any], session: AsyncSession, plan_id: uuid.UUID,
                      year: Year = None) -> Response[bytes]:
    return await download(request, session, plan_id, year, FileFormat.XLSX)


ROUTES: list[ControllerRouterHandler] = [report_page, report_pdf, report_xlsx]
