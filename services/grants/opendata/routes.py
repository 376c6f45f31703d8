from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.opendata import service
from shared.auth import ROLES, Principal, require_roles

DESCRIPTION = "The province's awarded grants in the 360Giving Data Standard (JSON, CC BY 4.0)."
PACKAGE = {200: ResponseSpec(data_container=dict[str, Any], description=DESCRIPTION, generate_examples=False)}
"""Encoded here (amounts as numbers), documented as the JSON object it is."""

# 360Giving amounts are JSON numbers: Decimals go out as numbers, never as floats or strings.
ENCODER = msgspec.json.Encoder(decimal_format="number")


class OpenDataController(Controller):
    path = "/{tenant:str}/opendata"
    tags = ["open data"]

    @get("/360giving", guards=[require_roles(*ROLES)], responses=PACKAGE)
    async def three_sixty_giving(self, session: AsyncSession, principal: Principal) -> Response[bytes]:
        return as_json(await service.three_sixty_giving(session, principal.tenant))


class PublicOpenDataController(Controller):
    """Open data is open: the same export without login (the tenant comes from the URL)."""

    path = "/{tenant:str}/public/opendata"
    tags = ["public"]

    @get("/360giving", responses=PACKAGE)
    async def three_sixty_giving(self, public_session: AsyncSession, tenant: str) -> Response[bytes]:
        return as_json(await service.three_sixty_giving(public_session, tenant))


def as_json(package: dict[str, Any]) -> Response[bytes]:
    return Response(ENCODER.encode(package), media_type="application/json")
