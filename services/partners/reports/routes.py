"""The yearly coordination report through the API: `GET /{tenant}/plans/{id}/report?year=&format=pdf|xlsx`,
for coordinators and the province's administrator, and for the partners party to the plan."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import Parameter, QueryParameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.portal import COORDINATORS, PARTNERS
from services.partners.reports import service
from shared.auth import Principal, require_roles
from shared.downloads import FileFormat, made_file


class ReportController(Controller):
    path = "/{tenant:str}/plans/{plan_id:uuid}/report"
    tags = ["reports"]
    guards = [require_roles(*COORDINATORS, *PARTNERS)]

    @get("/")
    async def report(self, plan_id: uuid.UUID, session: AsyncSession, principal: Principal,
                     year: int = Parameter(ge=1990, le=2100),
                     file_format: Annotated[FileFormat, QueryParameter(name="format")] = FileFormat.PDF,
                     ) -> Response[bytes]:
        """The report of `year` (within the plan's period, else 422) as PDF or XLSX, made from the data of the
        moment; 404 for a plan that does not exist or that the partner is no party to."""
        made = await service.report(session, principal, plan_id, year)
        return made_file(await service.render(made, file_format), file_format, made.file_stem)


CONTROLLERS: list[ControllerRouterHandler] = [ReportController]
