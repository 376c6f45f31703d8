"""The impact pages of the coordinator portal, `/{tenant}/voedsel/impact/`: the period's figures by a method
(period picker, default this half year; totals in the region's terms; tables per municipality and category;
the week chart), the methods with their versions and sources, and the reports: make one, publish it, read it,
download it as PDF or spreadsheet (`rapporten/{id}`, `rapporten/{id}.pdf`, `rapporten/{id}.xlsx`).

`chosen_period` and `chosen_method` are the period picker's rules, which the dashboard shares."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.impact import chart, methods, report_files, service
from services.foodsavers.impact.cache import FIGURES
from services.foodsavers.impact.models import ImpactMethod
from services.foodsavers.impact.routes import file_response
from services.foodsavers.impact.rules import STANDARD, half_year_of
from services.foodsavers.portal import COORDINATORS, form_post, translated, visitor
from services.foodsavers.registry.categories import LABELS
from shared.i18n import _, language
from shared.portal.formats import BRUSSELS
from shared.portal.pages import FormData, Viewer, undone_on_refusal
from shared.problems import Invalid, Problem

SECTION = "impact"
From = Annotated[str | None, QueryParameter(name="van", required=False)]
Until = Annotated[str | None, QueryParameter(name="tot", required=False)]
MethodName = Annotated[str | None, QueryParameter(name="methode", required=False)]
MethodVersion = Annotated[int | None, QueryParameter(name="versie", required=False, ge=1)]


def parse_day(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid(_("%(text)s is geen datum; schrijf ze als 2020-06-15") % {"text": repr(text)},
                      field=field) from exc


def chosen_period(van: str | None, tot: str | None) -> tuple[date, date]:
    """The period the picker asks for; without one, this half year (Brussels)."""
    default_from, default_until = half_year_of(datetime.now(BRUSSELS).date())
    return parse_day(van, "van") or default_from, parse_day(tot, "tot") or default_until


async def chosen_method(session: AsyncSession, tenant: str, name: str | None,
                        version: int | None) -> ImpactMethod:
    return await methods.method_version(session, tenant, name or None, version)


async def figures_page(request: Request[Any, Any, Any], session: AsyncSession, van: str | None, tot: str | None,
                       name: str | None, version: int | None) -> tuple[Viewer, dict[str, Any]]:
    """The coordinator on a figures page, and what it shows: the period, the method, the figures by every
    dimension and the week chart (drawn once with the figures and kept with them: drawing it was a third of
    the page's time)."""
    who = visitor(request, COORDINATORS)
    period_from, period_until = chosen_period(van, tot)
    method = await chosen_method(session, who.tenant, name, version)

    async def computed() -> tuple[dict[str, Any], Markup]:
        found = await service.figures(session, who.tenant, period_from, period_until, method, "all")
        return found, chart.weeks_svg(found["by"].get("week", []))

    # the chart names itself in the reader's language: one copy per language
    found, drawn = await FIGURES.get(who.tenant, ("page", period_from, period_until, method.id, language()),
                                     computed)
    return who, {"period_from": period_from, "period_until": period_until, "method": method, "figures": found,
            "totals": found["totals"], "by": found["by"], "methods": STANDARD, "chart": drawn}


@get("/{tenant:str}/voedsel/impact/")
async def impact_page(request: Request[Any, Any, Any], session: AsyncSession, van: From = None, tot: Until = None,
                      methode: MethodName = None, versie: MethodVersion = None) -> Template:
    who, shown = await figures_page(request, session, van, tot, methode, versie)
    return who.page("coordinator/impact/index.html", {
        **shown, "section": SECTION, "all_methods": await methods.methods(session, who.tenant),
        "reports": await service.reports(session, who.tenant), "labels": translated(service.STATUS_LABELS),
        "category_labels": {str(c): _(label) for c, label in LABELS.items()}})


@post("/{tenant:str}/voedsel/impact/rapporten")
async def create_report(request: Request[Any, Any, Any], session: AsyncSession, data: FormData) -> Redirect:
    who, form = form_post(request, data, COORDINATORS)
    try:
        period_from, period_until = chosen_period(form.values.get("van"), form.values.get("tot"))
        async with undone_on_refusal(session):
            made = await service.create_report(
                session, who.tenant, title=form.values.get("title", ""), period_from=period_from,
                period_until=period_until, method_name=form.values.get("methode") or None, method_version=None)
    except Problem as exc:
        who.flash(_("Het rapport werd niet gemaakt: %(detail)s") % {"detail": exc.detail}, "error")
        return who.redirect("voedsel/impact/#rapporten")
    who.flash(_("Het ontwerprapport '%(title)s' is gemaakt.") % {"title": made.report.title})
    return who.redirect(f"voedsel/impact/rapporten/{made.report.id}")


@post("/{tenant:str}/voedsel/impact/rapporten/{report_id:uuid}/publiceren")
async def publish_report(request: Request[Any, Any, Any], session: AsyncSession, report_id: uuid.UUID,
                         data: FormData) -> Redirect:
    who, form = form_post(request, data, COORDINATORS)
    try:
        async with undone_on_refusal(session):
            made = await service.publish_report(session, who.tenant, report_id, form.version(),
                                                who.person.username or who.person.subject)
    except Problem as exc:
        who.flash(_("Het rapport werd niet gepubliceerd: %(detail)s") % {"detail": exc.detail}, "error")
    else:
        who.flash(_("Het rapport '%(title)s' is gepubliceerd; de cijfers zijn nu bevroren.")
                  % {"title": made.report.title})
    return who.redirect(f"voedsel/impact/rapporten/{report_id}")


@get("/{tenant:str}/voedsel/impact/rapporten/{name:str}")
async def report_page(request: Request[Any, Any, Any], session: AsyncSession, name: str) -> Template | Response[bytes]:
    """`{id}`: the report's page; `{id}.pdf`, `{id}.xlsx`: its file."""
    who = visitor(request, COORDINATORS)
    made, file_format = await service.report_or_file(session, who.tenant, name)
    if file_format is not None:
        return await file_response(made, file_format)
    found = made.figures
    return who.page("coordinator/impact/report.html", {
        "section": SECTION, "made": made, "report": made.report, "figures": found, "totals": found["totals"],
        "by": found["by"], "summary": report_files.summary(found), "method_text": report_files.method_text(found),
        "chart": chart.weeks_svg(found["by"].get("week", []))})


ROUTES: list[ControllerRouterHandler] = [impact_page, create_report, publish_report, report_page]
