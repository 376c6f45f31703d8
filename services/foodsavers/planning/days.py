"""The passing of days: once a day every active series' rounds are extended to six weeks ahead (or its end), so
the plan is always there weeks in advance without anyone writing. Every replica may run it (safe together: the
series are locked, skipping what another holds; the unique index per series and day makes a second pass make
nothing twice)."""

from __future__ import annotations

import logging

from services.foodsavers.planning import rules, service
from shared.service_app import Runtime

log = logging.getLogger("regie.foodsavers.planning.days")

POLL_SECONDS = 3600.0
"""How often it looks (it extends at most once per series and day; looking hourly catches midnight soon)."""


async def extend_round_series(runtime: Runtime) -> None:
    """The background task (ServiceSpec.background): extend at start, then every hour."""
    async def extend(tenant: str) -> None:
        day = rules.today()
        async with runtime.db.transaction(tenant) as session:
            made = await service.extend_series(session, tenant, day)
        if made:
            log.info("round series extended", extra={"tenant": tenant, "rounds": made, "day": str(day)})

    await runtime.every_tenant(POLL_SECONDS, "extending the round series", log, extend)
