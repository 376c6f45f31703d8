"""A recognition that starts (or ends) with the passing of a day changes whether an organisation is a social-economy
enterprise without anyone writing: partners announces it once as organisation.recognition.changed (the background
work of organisations/days.py, asked here for a given day through the service layer), so grants' eligibility
follows. The organisation is registered through the API; only the day is chosen."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from services.partners.organisations import service
from shared.db import Database
from tests.support import bearer, stream_events
from tests.support import random_enterprise_number as enterprise_number

TENANT = "vlaams-brabant"


async def test_a_recognition_that_starts_on_a_later_day_is_announced_that_day_and_only_once(
        platform, tokens, stack_config) -> None:  # type: ignore[no-untyped-def]
    starts = service.today() + timedelta(days=400)
    registered = httpx.post(f"{platform.url('partners')}/{TENANT}/organisations",
                            headers=bearer(tokens(TENANT, "coordinator")), json={
                                "enterprise_number": enterprise_number(), "name": "Atelier Morgen",
                                "kind": "cooperative", "municipality": "Leuven",
                                "recognitions": [{"kind": "maatwerkbedrijf", "valid_from": starts.isoformat()}]})
    assert registered.status_code == 201, registered.text
    organisation = registered.json()["id"]
    subject = f"partners.{TENANT}.organisation.registered"
    (first,) = await stream_events(platform.config.nats_url, subject, "organisation_id", organisation)
    assert first["social_economy"] is False  # not yet recognised today

    db = Database.from_url(stack_config.database_url("partners", "regie_app"), pool_size=1)
    try:
        async with db.transaction(TENANT) as session:
            before = await service.announce_day(session, TENANT, starts - timedelta(days=1))
        async with db.transaction(TENANT) as session:
            on_the_day = await service.announce_day(session, TENANT, starts)
        async with db.transaction(TENANT) as session:
            again = await service.announce_day(session, TENANT, starts)
    finally:
        await db.dispose()
    assert organisation not in {str(o.id) for o in before}
    assert organisation in {str(o.id) for o in on_the_day}
    assert organisation not in {str(o.id) for o in again}

    announced = await stream_events(platform.config.nats_url, f"partners.{TENANT}.organisation.recognition.changed",
                                    "organisation_id", organisation)
    # (the service's own rounds, by today's date, would announce it back as not yet recognised: never twice True)
    (event,) = [e for e in announced if e["social_economy"] is True]
    assert event["change_id"] is None
    assert [r["kind"] for r in event["recognitions"]] == ["maatwerkbedrijf"]
    assert date.fromisoformat(event["recognitions"][0]["valid_from"]) == starts
