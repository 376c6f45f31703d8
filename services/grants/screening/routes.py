from __future__ import annotations

import uuid

from litestar import Controller, Response, get, put
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.rules import MANAGERS
from services.grants.screening import service
from services.grants.screening.models import Screening
from services.grants.screening.rules import RESULTS
from services.grants.screening.schemas import CheckOut, RecordScreening, ScreeningOut
from shared.auth import Principal, require_roles
from shared.versioning import IfMatch, etag, expected_version


def screening_out(screening: Screening) -> ScreeningOut:
    return ScreeningOut(
        application_id=screening.application_id, checks=[CheckOut(**c) for c in screening.checks],
        automatic_passed=screening.automatic_passed, result=screening.result,
        result_label=RESULTS.get(screening.result) if screening.result else None, reasons=screening.reasons,
        screened_by=screening.screened_by, screened_at=screening.screened_at, version=screening.version)


def to_out(screening: Screening) -> Response[ScreeningOut]:
    return Response(screening_out(screening), headers={"ETag": etag(screening.version)})


class ScreeningController(Controller):
    path = "/{tenant:str}/applications/{application_id:uuid}/screening"
    tags = ["screening"]

    @get("/", guards=[require_roles("applicant", "partner", *MANAGERS)])
    async def get_screening(self, application_id: uuid.UUID, session: AsyncSession,
                            principal: Principal) -> Response[ScreeningOut]:
        """The automatic checks and the call manager's result, with reasons (the applicant reads them too)."""
        return to_out(await service.get(session, principal, application_id))

    @put("/", guards=[require_roles(*MANAGERS)])
    async def record_result(self, application_id: uuid.UUID, data: RecordScreening, session: AsyncSession,
                            principal: Principal,
                            if_match: IfMatch = None,
                            ) -> Response[ScreeningOut]:
        return to_out(await service.record_result(session, principal, application_id, data,
                                                  expected_version(if_match)))
