"""The passing of days: a recognition valid from tomorrow, or until yesterday, changes whether an organisation is a
social-economy enterprise without anyone writing. Every replica looks every few minutes (safe together: the rows
are locked, skipping what another replica holds) and announces each such change once, as
organisation.recognition.changed, so that grants' eligibility follows."""

from __future__ import annotations

import logging
from typing import cast

from services.partners.organisations import service
from services.partners.settings import PartnersSettings
from shared.service_app import Runtime

log = logging.getLogger("regie.partners.days")


async def announce_recognition_days(runtime: Runtime) -> None:
    async def announce(tenant: str) -> None:
        async with runtime.db.transaction(tenant) as session:
            changed = await service.announce_day(session, tenant, service.today())
        for organisation in changed:
            log.info("recognition status changed with the day", extra={
                "organisation_id": str(organisation.id), "tenant": tenant,
                "social_economy": organisation.social_economy_announced})

    poll = cast(PartnersSettings, runtime.settings).day_poll_seconds
    await runtime.every_tenant(poll, "announcing the day's recognition changes", log, announce)
