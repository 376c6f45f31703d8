"""The report's use cases: gather a plan's framework, realisations and counted values (reading through the
plans service, so a partner reads only the plans it is party to), build the report, lay it out as PDF or
spreadsheet. Reads only: nothing is stored, every report is made from the data of the moment."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.facts import counting
from services.partners.plans import service as plans
from services.partners.realisations.repository import RealisationRepository
from services.partners.reports.builder import Report, build, plan_years
from shared.auth import Principal
from shared.downloads import FileFormat
from shared.i18n import _
from shared.problems import Invalid


async def report(session: AsyncSession, principal: Principal, plan_id: uuid.UUID, year: int, *,
                 history: bool = False) -> Report:
    """The report of the plan for `year` (a year of its period, else 422). With `history`, every year's
    realisations and counted values too, for the charts; a file needs only the year's."""
    framework = await plans.framework(session, principal, plan_id)
    plan = framework.plan
    years = plan_years(plan)
    if year not in years:
        raise Invalid(_("%(year)s valt buiten de looptijd van dit plan (%(first)s–%(last)s); kies een jaar "
                        "daarbinnen.") % {"year": year, "first": years[0], "last": years[-1]}, field="year")
    realisations = await RealisationRepository(session, principal.tenant).of_plan(
        plan.id, None if history else year)
    counted = {at: await counting.counted(session, principal.tenant, plan, framework.indicators, at)
               for at in (years if history else (year,))}
    return build(framework, realisations, counted, year, datetime.now(UTC))


async def render(made: Report, file_format: FileFormat) -> bytes:
    """The report as a file; laid out in a thread, as it takes a while for a large plan."""
    return await asyncio.to_thread(_lay_out, made, file_format)


def _lay_out(made: Report, file_format: FileFormat) -> bytes:
    """The PDF and spreadsheet libraries (reportlab, openpyxl) are imported on the first report, in the thread
    that lays it out: a quarter of a second of every start of the service otherwise, for a page few open."""
    if file_format == FileFormat.PDF:
        from services.partners.reports import pdf

        return pdf.render(made)
    from services.partners.reports import xlsx

    return xlsx.render(made)

