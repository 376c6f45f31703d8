"""The food-safety pages of the coordinator portal, on foodsavers itself with the bearer the gateway forwards:
the open flags with their resolve form, the limits form, the register and the recall answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.foodsavers.logbook_world import Round, a_round, delivery, delivery_line, pickup, pickup_line

TENANT = "oost-vlaanderen"
CSRF = "test-csrf-token"


@pytest.fixture
def foodsavers_url(platform: Any) -> str:
    return str(platform.url("foodsavers"))


def page(url: str, token: str, **params: str) -> httpx.Response:
    return httpx.get(url, params=params, headers={"Authorization": f"Bearer {token}", "x-csrf-token": CSRF},
                     timeout=30)


def post_form(url: str, token: str, fields: dict[str, Any]) -> httpx.Response:
    return httpx.post(url, headers={"Authorization": f"Bearer {token}", "x-csrf-token": CSRF},
                      data={"_csrf": CSRF, **fields}, follow_redirects=False, timeout=30)


def test_the_page_shows_flags_register_and_recall_and_resolves(client: httpx.Client, tokens: Any,
                                                               foodsavers_url: str) -> None:
    world: Round = a_round(client, TENANT, tokens)
    yesterday = (datetime.now(ZoneInfo("Europe/Brussels")).date() - timedelta(days=1)).isoformat()
    world.synced({"pickups": [pickup(world, pickup_line("dairy", 2_000, date_kind="use-by", best_date=yesterday,
                                                        celsius="3"), pickup_line("bread", 7_000),
                                     van_full=True, left_behind_grams=4_000)],
                  "deliveries": [delivery(world, delivery_line("bread", 7_000))]})
    coordinator = tokens(TENANT, "coordinator")
    base = f"{foodsavers_url}/{TENANT}/voedsel/veiligheid/"
    day = world.day.isoformat()
    shown = page(base, coordinator, schenker=world.donor["id"], categorie="bread", van=day, tot=day)
    assert shown.status_code == 200, shown.text
    html = shown.text
    assert world.donor["name"] in html and "achtergelaten" in html and "te gebruiken tot-datum verstreken" in html
    assert world.recipient["name"] in html and 'id="recall"' in html and "7 kg" in html
    flag = client.get(world.url("/flags"), params={"round_id": world.id},
                      headers=world.as_("coordinator")).json()["items"][0]
    resolved = post_form(f"{base}meldingen/{flag['id']}/oplossen", coordinator, {"resolution": "Tweede rit"})
    assert resolved.status_code in (302, 303), resolved.text
    assert client.get(world.url("/flags"), params={"round_id": world.id},
                      headers=world.as_("coordinator")).json()["items"] == []
    assert page(base, tokens(TENANT, "driver")).status_code == 403


def test_the_limits_form_checks_and_saves(client: httpx.Client, tokens: Any, foodsavers_url: str) -> None:
    world: Round = a_round(client, TENANT, tokens)
    coordinator = tokens(TENANT, "coordinator")
    base = f"{foodsavers_url}/{TENANT}/voedsel/veiligheid/grenzen"
    refused = post_form(base, coordinator, {"chilled_max": "30", "chilled_action": "flag", "frozen_max": "-15",
                                            "frozen_action": "refuse"})
    assert refused.status_code in (302, 303)
    limits = client.get(world.url("/safety/limits"), headers=world.as_("coordinator")).json()["limits"]
    assert next(x for x in limits if x["storage"] == "chilled")["max_celsius"] != "30.0"
    saved = post_form(base, coordinator, {"chilled_max": "6,5", "chilled_action": "refuse", "frozen_max": "-15",
                                          "frozen_action": "refuse"})
    assert saved.status_code in (302, 303)
    limits = client.get(world.url("/safety/limits"), headers=world.as_("coordinator")).json()["limits"]
    chilled = next(x for x in limits if x["storage"] == "chilled")
    assert chilled["max_celsius"] == "6.5" and chilled["default"] is False
