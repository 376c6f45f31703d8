"""Counted indicators across real services: foodsavers' delivery.completed and round.closed (published here as
real envelopes onto the FOODSAVERS stream, the contract in services/partners/README.md) and grants' own
application.awarded and award.tranche.paid (from a real decision and a real payment) are kept by partners once
each, and the plan's counted indicators give their value for a Brussels calendar year with the events it came
from. A redelivered or re-published event does not count twice; a changed rule gives its new value at once."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import nats
import pytest
from sqlalchemy import text

from shared.db import Database
from shared.events.envelope import encode
from shared.municipalities import of_province
from tests.grants.decision_world import call_in_review, fix_and_decide
from tests.partners.api.facts_world import World, envelope, plan_in, publish, register
from tests.support import random_enterprise_number, stream_events

TENANT = "vlaams-brabant"
DELIVERED = "be.regie.foodsavers.delivery.completed.v1"
CLOSED = "be.regie.foodsavers.round.closed.v1"
TONNES, SERVED, PEOPLE, CO2 = "Ton voedsel geleverd", "Beleverde organisaties", "Mensen bereikt", "CO2 vermeden"
PROJECTS, AWARDED, PAID = "Projecten gesteund", "Subsidie toegekend", "Subsidie uitbetaald"


@pytest.fixture
def world(platform, partners_url: str, tokens) -> World:  # type: ignore[no-untyped-def]
    return plan_in(World(partners_url, TENANT, tokens))


def a_year() -> int:
    """A year of its own (facts are kept for good: a rerun on a kept stack adds to the same tables, and every
    plan here covers the same municipality), far enough apart that two tests or two runs hardly ever meet."""
    return random.randrange(2100, 9000)


def delivery(world: World, recipient: str, grams: int, co2: int, people: int, at: datetime,
             municipality: str | None = None) -> Any:
    return envelope(DELIVERED, world.tenant, {
        "delivery_id": str(uuid.uuid4()), "round_id": str(uuid.uuid4()), "recipient_id": recipient,
        "recipient_name": f"Sociale kruidenier {recipient[:4]}", "recipient_enterprise_number": None,
        "recipient_municipality": municipality or world.municipality, "delivered_at": at.isoformat(),
        "grams": grams, "fresh_grams": grams // 2, "co2_eq_grams": co2, "value_cents": grams // 100,
        "people_served": people}, at=at)


def value_of(world: World, name: str, year: int, user: str = "coordinator") -> httpx.Response:
    return httpx.get(world.url(f"/indicators/{world.indicators[name]}/values"), params={"year": year},
                     headers=world.as_(user))


async def counted(world: World, name: str, year: int, expected: str, within: float = 15.0) -> dict[str, Any]:
    """The indicator's value once it reads `expected` (the consumers run asynchronously); the last answer when
    it never does, for the assertion to show."""
    deadline = time.monotonic() + within
    while True:
        answer = value_of(world, name, year)
        assert answer.status_code == 200, answer.text
        if answer.json()["value"] == expected or time.monotonic() > deadline:
            return dict(answer.json())
        await asyncio.sleep(0.2)


def at_brussels(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Brussels")).astimezone(UTC)


async def test_deliveries_count_in_the_plan_s_municipalities_within_the_brussels_year(world: World,
                                                                                      stack_config) -> None:
    year = a_year()
    elsewhere = next(m.code for m in of_province(TENANT) if m.code != world.municipality)
    r1, r2, r3 = (str(uuid.uuid4()) for _ in range(3))
    counted_ones = [
        delivery(world, r1, 1_250_000, 2_000_000, 40, at_brussels(year, 3, 2, 10)),
        delivery(world, r1, 750_000, 1_000_000, 45, at_brussels(year, 9, 14, 11)),
        delivery(world, r2, 2_400, 0, 10, at_brussels(year, 12, 31, 23, 30)),  # still this year in Brussels
    ]
    others = [
        delivery(world, r3, 9_000_000, 9_000_000, 99, at_brussels(year + 1, 1, 1, 0, 30)),  # 31 Dec 23:30 UTC
        delivery(world, r3, 9_000_000, 9_000_000, 99, at_brussels(year, 6, 1, 10), municipality=elsewhere),
        delivery(world, r3, 9_000_000, 9_000_000, 99, at_brussels(year - 1, 12, 31, 23, 59)),
    ]
    closed = envelope(CLOSED, TENANT, {"round_id": str(uuid.uuid4()), "day": f"{year}-03-02", "kind": "rescue",
                                       "picked_up_grams": 2_100_000, "delivered_grams": 2_000_000, "deliveries": 2})
    await publish(stack_config.nats_url, *counted_ones, *others, closed)

    tonnes = await counted(world, TONNES, year, "2.002")  # 2_002_400 g
    assert tonnes["value"] == "2.002" and tonnes["rule"] == "food.tonnes-delivered" and tonnes["year"] == year
    assert [s["event_id"] for s in tonnes["sources"]] == [e.id for e in counted_ones]
    assert tonnes["sources"][0]["amount"] == "1.250" and "Sociale kruidenier" in tonnes["sources"][0]["label"]
    assert (await counted(world, CO2, year, "3.000"))["value"] == "3.000"
    served = await counted(world, SERVED, year, "2")
    assert served["value"] == "2" and {s["event_id"] for s in served["sources"]} == {counted_ones[1].id,
                                                                                       counted_ones[2].id}
    people = await counted(world, PEOPLE, year, "55")  # r1's latest figure (45) and r2's (10)
    assert people["value"] == "55"
    assert (await counted(world, TONNES, year + 1, "9.000"))["value"] == "9.000"

    db = Database.from_url(stack_config.database_url("partners", "regie_app"), pool_size=1)
    try:
        async with db.transaction(TENANT) as session:
            kept = (await session.execute(text("SELECT kind, deliveries FROM food_rounds WHERE event_id = :id"),
                                          {"id": uuid.UUID(closed.id)})).all()
    finally:
        await db.dispose()
    assert [tuple(row) for row in kept] == [("rescue", 2)]


async def test_an_event_delivered_again_or_published_again_counts_once(world: World, stack_config) -> None:
    year = a_year()
    first = delivery(world, str(uuid.uuid4()), 1_000_000, 0, 5, at_brussels(year, 5, 5, 9))
    await publish(stack_config.nats_url, first)
    assert (await counted(world, TONNES, year, "1.000"))["value"] == "1.000"
    await publish(stack_config.nats_url, first)  # the same message id: the stream drops it
    nc = await nats.connect(stack_config.nats_url)  # the same event re-published after the dedupe window
    await nc.jetstream().publish(first.nats_subject, encode(first), headers={"Nats-Msg-Id": f"{first.id}-again"})
    await nc.drain()
    # A later event is applied after the copies (one durable consumer, in stream order): once it counts, the
    # copies have been seen and must not have added anything.
    later = delivery(world, str(uuid.uuid4()), 500_000, 0, 5, at_brussels(year, 6, 6, 9))
    await publish(stack_config.nats_url, later)
    result = await counted(world, TONNES, year, "1.500")
    assert result["value"] == "1.500" and [s["event_id"] for s in result["sources"]] == [first.id, later.id]


async def test_a_changed_rule_gives_its_new_value_at_once_from_the_stored_events(world: World,
                                                                                stack_config) -> None:
    year = a_year()
    await publish(stack_config.nats_url,
                  delivery(world, str(uuid.uuid4()), 3_000_000, 4_500_000, 12, at_brussels(year, 2, 2, 9)))
    assert (await counted(world, TONNES, year, "3.000"))["value"] == "3.000"
    indicator = world.url(f"/indicators/{world.indicators[TONNES]}")
    seen = httpx.get(indicator, headers=world.as_("coordinator"))
    changed = httpx.patch(indicator, headers=world.as_("coordinator", **{"If-Match": seen.headers["etag"]}),
                          json={"rule": "food.co2-avoided"})
    assert changed.status_code == 200, changed.text
    now = value_of(world, TONNES, year)
    assert (now.json()["rule"], now.json()["value"]) == ("food.co2-avoided", "4.500")


def test_values_are_for_the_plan_s_people_and_only_for_counted_indicators(world: World) -> None:
    assert value_of(world, TONNES, 2026, user="partner").status_code == 200
    assert value_of(world, TONNES, 2026, user="partner2").status_code == 403
    assert value_of(world, TONNES, 2026, user="applicant").status_code == 403
    entered = value_of(world, "Extra plaatsen sociale economie", 2026)
    assert entered.status_code == 422 and entered.json()["field"] == "indicator"
    nothing = value_of(world, SERVED, a_year())
    assert (nothing.json()["value"], nothing.json()["sources"]) == ("0", [])


async def test_a_grant_awarded_and_paid_counts_for_the_organisations_in_the_plan_s_municipalities(
        platform, partners_url: str, tokens, stack_config) -> None:  # type: ignore[no-untyped-def]
    municipality = of_province(TENANT)[-1].code
    world = plan_in(World(partners_url, TENANT, tokens), municipality=municipality)
    year = datetime.now(ZoneInfo("Europe/Brussels")).year
    before = {name: value_of(world, name, year).json() for name in (PROJECTS, AWARDED, PAID)}
    grants = await call_in_review(platform, tokens, stack_config, TENANT)
    try:
        register(world, grants.co_applicant_number, "Apart vzw", municipality)  # Schoolvis' co-applicant
        register(world, random_enterprise_number(), "Elders vzw", of_province(TENANT)[0].code)
        fix_and_decide(grants, date.today())
        schoolvis = str(grants.apps["Schoolvis"])

        projects = await counted(world, PROJECTS, year, str(int(before[PROJECTS]["value"]) + 1))
        new = [s for s in projects["sources"] if s["event_id"] not in {x["event_id"]
                                                                        for x in before[PROJECTS]["sources"]}]
        assert [s["label"] for s in new] == ["Subsidie toegekend: Schoolvis"]
        amount = value_of(world, AWARDED, year).json()
        assert float(amount["value"]) - float(before[AWARDED]["value"]) == 60_000

        plan_url = grants.url(f"/applications/{schoolvis}/award-plan")
        deadline = time.monotonic() + 15
        while (plan := httpx.get(plan_url, headers=grants.as_("call-manager"))).status_code != 200:
            assert time.monotonic() < deadline, plan.text
            await asyncio.sleep(0.2)
        advance = plan.json()["tranches"][0]
        paid = httpx.post(f"{plan_url}/tranches/{advance['id']}/payment",
                          headers=grants.as_("call-manager", **{"If-Match": plan.headers["etag"]}),
                          json={"paid_on": date.today().isoformat(), "payment_reference": "BET-TEL-1"})
        assert paid.status_code == 200, paid.text
        events = await stream_events(stack_config.nats_url, f"grants.{TENANT}.award.tranche.paid",
                                     "application_id", schoolvis)
        assert len(events) == 1
        assert (events[0]["tranche"], events[0]["amount_cents"], events[0]["co_applicant_enterprise_numbers"]) == \
            (1, advance["amount_cents"], [grants.co_applicant_number])
        expected = float(before[PAID]["value"]) + advance["amount_cents"] / 100
        paid_value = await counted(world, PAID, year, f"{expected:.2f}")
        assert paid_value["value"] == f"{expected:.2f}"
        assert any(s["event_id"] == events[0]["id"] for s in paid_value["sources"])
    finally:
        await grants.app_db.dispose()
