"""Background work of the grants service: closing calls at their deadline.

Every replica runs it; each round locks due calls with FOR UPDATE SKIP LOCKED, so a call is closed once,
by whichever replica gets it first, and a call still held by a submission in flight is taken next round
(so the count in call.closed includes that submission)."""

from __future__ import annotations

import logging

from services.grants.calls.service import close_due
from shared.service_app import Runtime

log = logging.getLogger("regie.grants.scheduler")

POLL_SECONDS = 1.0


async def close_calls_at_deadline(runtime: Runtime) -> None:
    async def close(tenant: str) -> None:
        async with runtime.db.transaction(tenant) as session:
            closed = await close_due(session, tenant)
        for call_id in closed:
            log.info("call closed at its deadline", extra={"call_id": str(call_id), "tenant": tenant})

    await runtime.every_tenant(POLL_SECONDS, "closing due calls", log, close)
