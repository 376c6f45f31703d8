"""The logbook's events on the FOODSAVERS stream: pickup.logged per pickup and delivery.completed per delivery,
once however often the phone syncs; round.closed with the round's totals; a FEAD delivery avoids no CO2-eq
and has no value."""

from __future__ import annotations

from typing import Any

import httpx

from tests.foodsavers.logbook_world import a_round, delivery, delivery_line, pickup, pickup_line
from tests.support import stream_events

TENANT = "limburg"


async def test_each_event_once_however_often_the_phone_syncs(client: httpx.Client, tokens: Any,
                                                             stack_config: Any) -> None:
    world = a_round(client, TENANT, tokens)
    p = pickup(world, pickup_line("fresh-produce", 30_000), pickup_line("dry", 10_000))
    d = delivery(world, delivery_line("fresh-produce", 30_000), delivery_line("dry", 10_000))
    body = {"pickups": [p], "deliveries": [d]}
    for _ in range(3):
        world.synced(body)
    world.synced({"closings": [{"round_id": world.id, "km": 50}]})
    nats = stack_config.nats_url
    closed = await stream_events(nats, f"foodsavers.{TENANT}.round.closed", "round_id", world.id)
    assert len(closed) == 1 and closed[0]["picked_up_grams"] == 40_000 and closed[0]["balanced"] is True
    assert closed[0]["deliveries"] == 1 and closed[0]["km"] == 50
    # round.closed was staged after the others: once it is on the stream, so are they.
    logged = await stream_events(nats, f"foodsavers.{TENANT}.pickup.logged", "pickup_id", p["id"])
    assert len(logged) == 1 and logged[0]["grams"] == 40_000 and logged[0]["fresh_grams"] == 30_000
    completed = await stream_events(nats, f"foodsavers.{TENANT}.delivery.completed", "delivery_id", d["id"])
    assert len(completed) == 1
    event = completed[0]
    assert event["grams"] == 40_000 and event["fresh_grams"] == 30_000 and event["co2_eq_grams"] == 100_000
    assert event["people_served"] == world.recipient["people_served"] and event["round_kind"] == "rescue"
    assert event["recipient_municipality"].isdigit() and event["value_cents"] > 0


async def test_a_fead_delivery_carries_no_co2_and_no_value(client: httpx.Client, tokens: Any,
                                                           stack_config: Any) -> None:
    world = a_round(client, TENANT, tokens, kind="fead")
    d = delivery(world, delivery_line("dry", 25_000))
    world.synced({"pickups": [pickup(world, pickup_line("dry", 25_000))], "deliveries": [d]})
    (event,) = await stream_events(stack_config.nats_url, f"foodsavers.{TENANT}.delivery.completed",
                                   "delivery_id", d["id"])
    assert event["round_kind"] == "fead" and event["grams"] == 25_000
    assert event["co2_eq_grams"] == 0 and event["value_cents"] == 0


async def test_a_line_corrected_later_is_announced_with_that_line_only(client: httpx.Client, tokens: Any,
                                                                       stack_config: Any) -> None:
    """A delivery whose second line came back refused, then corrected and sent again with the same id: two
    delivery.completed events, each with the grams it brought, so a consumer adding them counts every line once."""
    world = a_round(client, TENANT, tokens)
    good, bad = delivery_line("bread", 12_000), delivery_line("dairy", -5)
    d = delivery(world, good, bad)
    first = world.synced({"pickups": [pickup(world, pickup_line("bread", 12_000), pickup_line("dry", 8_000))],
                          "deliveries": [d]})
    assert [r["id"] for r in first["refused"]] == [bad["id"]]
    world.synced({"deliveries": [{**d, "lines": [{**bad, "category": "dry", "grams": 8_000}]}]})
    world.synced({"deliveries": [{**d, "lines": [good, {**bad, "category": "dry", "grams": 8_000}]}]})  # a retry
    events = await stream_events(stack_config.nats_url, f"foodsavers.{TENANT}.delivery.completed", "delivery_id",
                                 d["id"], at_least=2)
    assert sorted(e["grams"] for e in events) == [8_000, 12_000]
    assert sorted(e["lines"][0]["category"] for e in events) == ["bread", "dry"]
