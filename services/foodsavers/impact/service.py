"""Impact's use cases: the figures of a period by a method (always from the day totals, pre-aggregated as the
lines arrived), and the reports: a draft's figures computed on reading, a published one's frozen (method,
version, factors and source, per donor, recipient, municipality, category and week), which the database then
refuses to change. The files (PDF, spreadsheet) are laid out from the figures alone, so a published report's
files never change either."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.impact import methods as methods_
from services.foodsavers.impact import report_files, rules
from services.foodsavers.impact.models import ImpactMethod, ImpactReport
from services.foodsavers.impact.repository import ImpactRepository
from services.foodsavers.impact.rules import Dimension
from shared.downloads import FileFormat
from shared.i18n import N_, _
from shared.ids import uuid7
from shared.municipalities import name_of
from shared.problems import Conflict, Invalid, NotFound, sqlstate_of
from shared.versioning import check_version

PUBLISHED = "published"
DRAFT = "draft"
STATUS_LABELS = {DRAFT: N_("ontwerp"), PUBLISHED: N_("gepubliceerd")}
FROZEN = N_("dit rapport is gepubliceerd en daarmee bevroren: de cijfers, de periode en de methode veranderen "
            "niet meer; maak een nieuw rapport voor andere cijfers")


def municipality_name(code: str) -> str:
    try:
        return name_of(code)
    except (KeyError, LookupError):
        return code


async def figures(session: AsyncSession, tenant: str, period_from: date, period_until: date,
                  method: ImpactMethod, by: Dimension | str | None = None) -> dict[str, Any]:
    """The period's figures by `method`: the totals, and the rows per `by` (None: no rows; "all": every
    dimension, as a report freezes them). One aggregate query over the period's whole months and edge days (two
    more for the weeks), two small ones for the parties' names and people, and for a method net of the van one
    over the period's closed rounds."""
    rules.checked_period(period_from, period_until)
    if by is None:
        dimensions: tuple[Dimension, ...] = ()
    elif by == "all":
        dimensions = tuple(Dimension)
    else:
        try:
            dimensions = (Dimension(by),)
        except ValueError as exc:
            raise Invalid(_("onbekende indeling %(by)s") % {"by": repr(by)}, field="by",
                          allowed=[d.value for d in Dimension]) from exc
    repository = ImpactRepository(session, tenant)
    grouped = await repository.grouped(period_from, period_until, dimensions)
    rows = grouped.parties + grouped.donors
    recipients = await repository.recipients({r.recipient_id for r in rows if r.flow == "delivered"})
    donors = await repository.donors({r.donor_id for r in grouped.donors if r.flow != "delivered"})
    names = {**donors, **{k: v[0] for k, v in recipients.items()}}
    people = {k: v[1] for k, v in recipients.items()}
    van = await repository.van_emissions(period_from, period_until) if method.net_of_van else None
    whole, groups = rules.tallies(grouped, dimensions)
    computed = rules.assemble(methods_.as_rule(method), whole, groups, people, names, municipality_name, van)
    return {"period_from": period_from.isoformat(), "period_until": period_until.isoformat(),
            "method": methods_.method_dict(method), "moved": "delivered", **computed,
            "computed_at": datetime.now(UTC).isoformat().replace("+00:00", "Z")}


# --- reports ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    report: ImpactReport
    method: ImpactMethod
    figures: dict[str, Any]
    """Frozen (published) or computed now (draft)."""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.report.status, self.report.status)


async def create_report(session: AsyncSession, tenant: str, *, title: str, period_from: date, period_until: date,
                        method_name: str | None, method_version: int | None) -> Report:
    """A draft report over the period by the method (its latest version unless one is named)."""
    title = title.strip()
    if not title:
        raise Invalid(_("geef het rapport een titel"), field="title")
    rules.checked_period(period_from, period_until)
    method = await methods_.method_version(session, tenant, method_name, method_version)
    report = ImpactReport(id=uuid7(), tenant=tenant, title=title[:300], period_from=period_from,
                          period_until=period_until, method_id=method.id, status=DRAFT)
    session.add(report)
    await session.flush()
    return await _with_figures(session, tenant, report, method)


async def _with_figures(session: AsyncSession, tenant: str, report: ImpactReport,
                        method: ImpactMethod | None = None) -> Report:
    if method is None:
        method = await ImpactRepository(session, tenant).method(report.method_id)
        assert method is not None
    if report.status == PUBLISHED and report.figures is not None:
        return Report(report, method, report.figures)
    return Report(report, method, await figures(session, tenant, report.period_from, report.period_until, method,
                                                "all"))


async def get_report(session: AsyncSession, tenant: str, report_id: uuid.UUID) -> Report:
    report = await ImpactRepository(session, tenant).report(report_id)
    if report is None:
        raise NotFound(_("dit impactrapport bestaat niet (in deze provincie)"))
    return await _with_figures(session, tenant, report)


async def reports(session: AsyncSession, tenant: str) -> list[tuple[ImpactReport, ImpactMethod]]:
    """The reports, latest period first, each with its method (no figures: a list computes nothing)."""
    repository = ImpactRepository(session, tenant)
    found = await repository.reports()
    by_id = await repository.methods_by_id({r.method_id for r in found})
    return [(r, by_id[r.method_id]) for r in found]


async def _locked(session: AsyncSession, tenant: str, report_id: uuid.UUID, expected: int | None) -> ImpactReport:
    report = await ImpactRepository(session, tenant).report(report_id, lock=True)
    if report is None:
        raise NotFound(_("dit impactrapport bestaat niet (in deze provincie)"))
    if report.status == PUBLISHED:
        raise Conflict(_(FROZEN), status=PUBLISHED)
    check_version(report.version, expected, "het rapport")
    return report


async def _flushed(session: AsyncSession) -> None:
    """Writes now; the database's refusal of a change to a published report (its trigger) as a Dutch 409."""
    try:
        await session.flush()
    except DBAPIError as exc:
        if sqlstate_of(exc) == "23514":
            raise Conflict(_(FROZEN), status=PUBLISHED) from exc
        raise


async def update_report(session: AsyncSession, tenant: str, report_id: uuid.UUID, expected: int | None, *,
                        title: str | None, period_from: date | None, period_until: date | None,
                        method_name: str | None, method_version: int | None) -> Report:
    """A draft's title, period or method changed (If-Match); a published report: 409."""
    report = await _locked(session, tenant, report_id, expected)
    if title is not None:
        if not title.strip():
            raise Invalid(_("geef het rapport een titel"), field="title")
        report.title = title.strip()[:300]
    report.period_from = period_from or report.period_from
    report.period_until = period_until or report.period_until
    rules.checked_period(report.period_from, report.period_until)
    method = None
    if method_name is not None or method_version is not None:
        current = await ImpactRepository(session, tenant).method(report.method_id)
        method = await methods_.method_version(session, tenant, method_name or (current.name if current else None),
                                               method_version)
        report.method_id = method.id
    await _flushed(session)
    return await _with_figures(session, tenant, report, method)


async def publish_report(session: AsyncSession, tenant: str, report_id: uuid.UUID, expected: int | None,
                         by: str) -> Report:
    """Freezes the figures (computed now, with the method's name, version, factors and source, and every
    dimension); from then on the database refuses any change."""
    report = await _locked(session, tenant, report_id, expected)
    method = await ImpactRepository(session, tenant).method(report.method_id)
    assert method is not None
    frozen = await figures(session, tenant, report.period_from, report.period_until, method, "all")
    report.figures = frozen
    report.status = PUBLISHED
    report.published_at = datetime.now(UTC)
    report.published_by = by[:200]
    await _flushed(session)
    return Report(report, method, frozen)


async def delete_report(session: AsyncSession, tenant: str, report_id: uuid.UUID, expected: int | None) -> None:
    """A draft thrown away (If-Match); a published report stays (409)."""
    report = await _locked(session, tenant, report_id, expected)
    await session.delete(report)
    await _flushed(session)


async def report_or_file(session: AsyncSession, tenant: str, name: str) -> tuple[Report, FileFormat | None]:
    """`{id}`: the report; `{id}.pdf` or `{id}.xlsx`: the report and the file asked for; else 404."""
    stem, _sep, extension = name.partition(".")
    try:
        report_id = uuid.UUID(stem)
        file_format = FileFormat(extension) if extension else None
    except ValueError as exc:
        raise NotFound(_("dit impactrapport bestaat niet")) from exc
    return await get_report(session, tenant, report_id), file_format


async def render(made: Report, file_format: FileFormat) -> bytes:
    """The report as a file, laid out in a thread from its figures alone."""
    return await asyncio.to_thread(report_files.render, made.report.title, made.status_label, made.figures,
                                   file_format)


def file_stem(made: Report) -> str:
    return report_files.file_stem(made.report.title, made.report.period_from.isoformat())

