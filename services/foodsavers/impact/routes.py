"""The impact API (behind the gateway at /<tenant>/api/foodsavers/…), for coordinators and the province's
administrator:

- `GET /{t}/impact?from=&until=&by=&method=&version=`: the period's figures (default: this half year, the flat
  method), with rows per donor | recipient | municipality | category | week when `by` is given;
- `GET /{t}/impact/methods`, `POST /{t}/impact/methods`: the methods and their versions; a new one or the next
  version (versions are never edited);
- `GET|POST /{t}/impact/reports`, `GET|PATCH|DELETE /{t}/impact/reports/{id}` (a draft; PATCH and DELETE with
  If-Match; a published report: 409), `POST /{t}/impact/reports/{id}/publish` (If-Match: freezes it),
  `GET /{t}/impact/reports/{id}.pdf` and `.xlsx`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, MediaType, Response, delete, get, patch, post, put
from litestar.background_tasks import BackgroundTask
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.impact import methods, service
from services.foodsavers.impact.cache import FIGURES
from services.foodsavers.impact.models import ImpactMethod
from services.foodsavers.impact.rules import half_year_of
from services.foodsavers.impact.schemas import (
    MethodIn,
    MethodOut,
    ReportChange,
    ReportIn,
    ReportOut,
    ReportSummary,
)
from services.foodsavers.portal import COORDINATORS
from shared.auth import Principal, require_roles
from shared.downloads import FileFormat, made_file
from shared.i18n import _
from shared.portal.formats import BRUSSELS
from shared.problems import Conflict
from shared.versioning import IfMatch, etag, expected_version


def method_out(m: ImpactMethod) -> MethodOut:
    return MethodOut(id=m.id, name=m.name, version=m.version, title=m.title, co2_basis=m.co2_basis,
                     flat_co2_grams_per_kg=m.flat_co2_grams_per_kg, net_of_van=m.net_of_van, factors=m.factors,
                     source=m.source, valid_from=m.valid_from, created_by=m.created_by, created_at=m.created_at)


def report_out(made: service.Report) -> ReportOut:
    r = made.report
    return ReportOut(id=r.id, title=r.title, period_from=r.period_from, period_until=r.period_until,
                     status=r.status, status_label=made.status_label, method_name=made.method.name,
                     method_version=made.method.version, published_at=r.published_at, published_by=r.published_by,
                     version=r.version, figures=made.figures)


def with_etag(made: service.Report, status_code: int = 200) -> Response[ReportOut]:
    return Response(report_out(made), status_code=status_code, headers={"ETag": etag(made.report.version)})


def this_half_year() -> tuple[date, date]:
    return half_year_of(datetime.now(BRUSSELS).date())


async def changed(session: AsyncSession, principal: Principal, report_id: uuid.UUID, data: ReportChange,
                  if_match: str | None) -> Response[ReportOut]:
    method = data.method
    made = await service.update_report(
        session, principal.tenant, report_id, expected_version(if_match), title=data.title,
        period_from=data.period_from, period_until=data.period_until,
        method_name=method.name if method else None, method_version=method.version if method else None)
    return with_etag(made)


async def file_response(made: service.Report, file_format: FileFormat) -> Response[bytes]:
    return made_file(await service.render(made, file_format), file_format, service.file_stem(made))


class ImpactController(Controller):
    path = "/{tenant:str}/impact"
    tags = ["impact"]
    guards = [require_roles(*COORDINATORS)]

    @get("/", responses={200: ResponseSpec(data_container=dict[str, Any], generate_examples=False,
                                           description="The totals, the method used and the rows per `by`")})
    async def figures(self, session: AsyncSession, principal: Principal,
                      period_from: date | None = Parameter(query="from", default=None),
                      period_until: date | None = Parameter(query="until", default=None),
                      by: str | None = Parameter(default=None), method: str | None = Parameter(default=None),
                      version: int | None = Parameter(default=None, ge=1)) -> Response[bytes]:
        """The figures of [from, until] (Brussels days, both included; default this half year) by the method
        named (default the flat one, its latest version unless `version`); at most impact.cache.SECONDS old."""
        start, end = this_half_year()
        key = (period_from or start, period_until or end, method, version, by)

        async def compute() -> bytes:
            chosen = await methods.method_version(session, principal.tenant, method, version)
            return msgspec.json.encode(await service.figures(
                session, principal.tenant, period_from or start, period_until or end, chosen, by))

        return Response(await FIGURES.get(principal.tenant, key, compute), media_type=MediaType.JSON)

    @get("/methods")
    async def list_methods(self, session: AsyncSession, principal: Principal) -> list[MethodOut]:
        return [method_out(m) for m in await methods.methods(session, principal.tenant)]

    @post("/methods")
    async def add_method(self, data: MethodIn, session: AsyncSession, principal: Principal) -> Response[MethodOut]:
        """A new method, or the next version of one (201); the earlier versions stay as they were. The figures
        kept for "the latest version" are forgotten once it is stored."""
        made = await methods.add_method(
            session, principal.tenant, principal.username or principal.subject, name=data.name, title=data.title,
            co2_basis=data.co2_basis, flat_co2_grams_per_kg=data.flat_co2_grams_per_kg, net_of_van=data.net_of_van,
            factors=data.factors, source=data.source, valid_from=data.valid_from)
        return Response(method_out(made), status_code=201,
                        background=BackgroundTask(FIGURES.forget, principal.tenant))

    @get("/methods/{name:str}/{version:int}")
    async def get_method(self, name: str, version: int, session: AsyncSession, principal: Principal) -> MethodOut:
        return method_out(await methods.method_version(session, principal.tenant, name, version))

    @put("/methods/{name:str}/{version:int}")
    async def change_method(self, name: str, version: int, session: AsyncSession, principal: Principal) -> None:
        """A version is never edited: make the next one (POST /impact/methods with the same name)."""
        await methods.method_version(session, principal.tenant, name, version)
        raise Conflict(_("een versie van een methode wordt nooit gewijzigd; maak een nieuwe versie "
                         "(POST /impact/methods met dezelfde naam)"))

    @get("/reports")
    async def list_reports(self, session: AsyncSession, principal: Principal) -> list[ReportSummary]:
        return [ReportSummary(id=r.id, title=r.title, period_from=r.period_from, period_until=r.period_until,
                              status=r.status, status_label=service.STATUS_LABELS.get(r.status, r.status),
                              method_name=m.name, method_version=m.version, published_at=r.published_at,
                              published_by=r.published_by, version=r.version)
                for r, m in await service.reports(session, principal.tenant)]

    @post("/reports")
    async def create_report(self, data: ReportIn, session: AsyncSession,
                            principal: Principal) -> Response[ReportOut]:
        made = await service.create_report(session, principal.tenant, title=data.title,
                                           period_from=data.period_from, period_until=data.period_until,
                                           method_name=data.method.name, method_version=data.method.version)
        return with_etag(made, 201)

    @get("/reports/{name:str}")
    async def get_report(self, name: str, session: AsyncSession, principal: Principal) -> Response[Any]:
        """`{id}`: the report (a draft's figures computed now, a published one's frozen); `{id}.pdf`,
        `{id}.xlsx`: its file."""
        made, file_format = await service.report_or_file(session, principal.tenant, name)
        if file_format is None:
            return with_etag(made)
        return await file_response(made, file_format)

    @patch("/reports/{report_id:uuid}")
    async def change_report(self, report_id: uuid.UUID, data: ReportChange, session: AsyncSession,
                            principal: Principal, if_match: IfMatch = None) -> Response[ReportOut]:
        """A draft's title, period or method (If-Match); a published report: 409."""
        return await changed(session, principal, report_id, data, if_match)

    @put("/reports/{report_id:uuid}")
    async def replace_report(self, report_id: uuid.UUID, data: ReportChange, session: AsyncSession,
                             principal: Principal, if_match: IfMatch = None) -> Response[ReportOut]:
        return await changed(session, principal, report_id, data, if_match)

    @delete("/reports/{report_id:uuid}", status_code=204)
    async def delete_report(self, report_id: uuid.UUID, session: AsyncSession, principal: Principal,
                            if_match: IfMatch = None) -> None:
        await service.delete_report(session, principal.tenant, report_id, expected_version(if_match))

    @post("/reports/{report_id:uuid}/publish", status_code=200)
    async def publish(self, report_id: uuid.UUID, session: AsyncSession, principal: Principal,
                      if_match: IfMatch = None) -> Response[ReportOut]:
        """Freezes the report's figures (If-Match); a published report answers 409."""
        made = await service.publish_report(session, principal.tenant, report_id, expected_version(if_match),
                                            principal.username or principal.subject)
        return with_etag(made)


CONTROLLERS: list[ControllerRouterHandler] = [ImpactController]
