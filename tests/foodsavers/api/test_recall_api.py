"""The recall query: which recipients got category X from donor Y between two Brussels days, and how much, in
one call; another donor's or another category's food, and days outside the period, are not in it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.foodsavers.logbook_world import Round, a_round, delivery, delivery_line, pickup, pickup_line
from tests.foodsavers.world import register_recipient

TENANT = "antwerpen"


def recall(world: Round, **params: Any) -> httpx.Response:
    return world.client.get(world.url("/recall"), params=params, headers=world.as_("coordinator"))


def test_recall_names_the_recipients_of_the_donor_s_category(client: httpx.Client, tokens: Any) -> None:
    world = a_round(client, TENANT, tokens)
    other = register_recipient(client, TENANT, tokens(TENANT, "coordinator"))
    world.synced({
        "pickups": [pickup(world, pickup_line("dairy", 20_000, celsius="4.0"), pickup_line("bread", 9_000))],
        "deliveries": [delivery(world, delivery_line("dairy", 12_000), delivery_line("bread", 9_000)),
                       delivery(world, delivery_line("dairy", 8_000)) | {"recipient_id": other["id"]}]})
    day = world.day.isoformat()
    answer = recall(world, donor_id=world.donor["id"], category="dairy", **{"from": day}, until=day)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["donor_grams"] == 20_000 and found["delivered_grams"] == 20_000
    assert [(r["recipient_id"], r["grams"]) for r in found["recipients"]] == [
        (world.recipient["id"], 12_000), (other["id"], 8_000)]
    assert found["recipients"][0]["rounds"] == [world.id] and found["recipients"][0]["days"] == [day]
    assert found["rounds"] == [{"round_id": world.id, "day": day, "kind": "rescue", "donor_grams": 20_000,
                                "delivered_grams": 20_000}]
    before = (world.day - timedelta(days=3)).isoformat()
    earlier = recall(world, donor_id=world.donor["id"], category="dairy", **{"from": before}, until=before).json()
    assert earlier["recipients"] == [] and earlier["donor_grams"] == 0
    frozen = recall(world, donor_id=world.donor["id"], category="frozen", **{"from": day}, until=day).json()
    assert frozen["recipients"] == []
    unknown = recall(world, donor_id=world.donor["id"], category="snoep", **{"from": day}, until=day)
    assert unknown.status_code == 422
    backwards = recall(world, donor_id=world.donor["id"], category="dairy", **{"from": day}, until=before)
    assert backwards.status_code == 422
    assert world.client.get(world.url("/recall"), params={"donor_id": world.donor["id"], "category": "dairy",
                                                          "from": day, "until": day},
                            headers=world.as_("driver")).status_code == 403
