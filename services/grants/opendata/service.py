from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.repository import CallRepository
from services.grants.opendata import rules
from services.grants.opendata.repository import OpenDataRepository
from shared.problems import NotFound
from shared.tenancy import display_name


async def three_sixty_giving(session: AsyncSession, tenant: str) -> dict[str, Any]:
    """The tenant's awarded grants as one 360Giving package. The standard wants at least one grant in a
    package, so a province that awarded none yet has no export (404)."""
    grants = await OpenDataRepository(session, tenant).awarded_grants()
    if not grants:
        raise NotFound("deze provincie heeft nog geen subsidies toegekend via Regie")
    issued = (await CallRepository(session, tenant).database_clock()).astimezone(UTC)
    return rules.package(tenant, display_name(tenant), grants, issued)
