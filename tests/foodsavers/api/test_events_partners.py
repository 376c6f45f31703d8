"""Across real services: foodsavers' deliveries, synced twice by the phone, count once in partners' counted
indicators of the agreement that funds the food platform (tonnes delivered, organisations served)."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.municipalities import of_province
from tests.foodsavers.logbook_world import a_round, delivery, delivery_line, pickup, pickup_line
from tests.foodsavers.world import register_recipient
from tests.partners.api.facts_world import World, plan_in
from tests.partners.api.test_counted_indicators import SERVED, TONNES, counted, value_of

TENANT = "vlaams-brabant"


async def test_partners_counts_the_delivered_tonnes_and_organisations_once(client: httpx.Client, tokens: Any,
                                                                        partners_url: str) -> None:
    municipality = random.choice(of_province(TENANT)[1:])  # not the one the other tests use
    world = plan_in(World(partners_url, TENANT, tokens), municipality=municipality.code)
    year = datetime.now(ZoneInfo("Europe/Brussels")).year
    before_tonnes = Decimal(value_of(world, TONNES, year).json()["value"])
    before_served = int(value_of(world, SERVED, year).json()["value"])
    food = a_round(client, TENANT, tokens)
    food.recipient = register_recipient(client, TENANT, tokens(TENANT, "coordinator"),
                                        municipality=municipality.name)
    first = delivery(food, delivery_line("fresh-produce", 1_000_000), delivery_line("dry", 250_000))
    body = {"pickups": [pickup(food, pickup_line("fresh-produce", 1_000_000), pickup_line("dry", 250_000))],
            "deliveries": [first]}
    food.synced(body)
    food.synced(body)  # the phone lost the answer and sends it again
    later = delivery(food, delivery_line("dry", 500_000))
    food.synced({"pickups": [pickup(food, pickup_line("dry", 500_000))], "deliveries": [later]})
    expected = before_tonnes + Decimal("1.750")
    tonnes = await counted(world, TONNES, year, f"{expected:.3f}")
    assert tonnes["value"] == f"{expected:.3f}"
    served = await counted(world, SERVED, year, str(before_served + 1))
    assert served["value"] == str(before_served + 1)
