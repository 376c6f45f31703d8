"""Food safety on entry through the gateway: a passed use-by date blocks the line (stored, weight refused,
registered), a temperature above the tenant's limit is refused or flagged as its limits say, the limits are
checked when set, the register pages by cursor, and a coordinator resolves a round's flag."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.foodsavers.logbook_world import Round, a_round, outcomes, pickup, pickup_line

TENANT = "oost-vlaanderen"
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def world(client: httpx.Client, tokens: Any) -> Round:
    return a_round(client, TENANT, tokens)


def set_limits(world: Round, *limits: dict[str, Any]) -> httpx.Response:
    return world.client.put(world.url("/safety/limits"), json={"limits": list(limits)},
                            headers=world.as_("coordinator"))


def register_of(world: Round, **params: Any) -> list[dict[str, Any]]:
    answer = world.client.get(world.url("/safety/register"), params=params, headers=world.as_("coordinator"))
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_a_passed_use_by_date_blocks_the_line_and_registers_it(world: Round) -> None:
    yesterday = (datetime.now(BRUSSELS).date() - timedelta(days=1)).isoformat()
    line = pickup_line("dairy", 6_000, date_kind="use-by", best_date=yesterday, celsius="3.0")
    sent = pickup(world, line)
    first_at = sent["picked_up_at"]
    answer = world.synced({"pickups": [sent]})
    (stored,) = [s for s in answer["stored"] if s["id"] == line["id"]]
    assert stored["outcome"] == "stored" and stored["blocked"] == "te gebruiken tot-datum verstreken"
    (kept,) = world.logbook()["pickups"][0]["lines"]
    assert (kept["grams"], kept["refused_grams"], kept["refused_reason"]) == (
        0, 6_000, "te gebruiken tot-datum verstreken")
    entry = next(e for e in register_of(world, kind="use-by-passed", limit=200) if e["line_id"] == line["id"])
    assert entry["outcome"] == "refused" and entry["grams"] == 6_000 and entry["round_id"] == world.id
    again = world.synced({"pickups": [pickup(world, line) | {"id": answer["stored"][0]["id"],
                                                              "picked_up_at": first_at}]})
    assert outcomes(again)[line["id"]] == "already-stored"
    assert next(s for s in again["stored"] if s["id"] == line["id"])["blocked"] is not None


def test_the_temperature_rule_follows_the_tenant_s_limits(world: Round) -> None:
    assert set_limits(world, {"storage": "chilled", "max_celsius": "7.0", "action": "refuse"},
                      {"storage": "frozen", "max_celsius": "-15", "action": "flag"}).status_code == 200
    warm = pickup_line("meat-fish", 3_000, celsius="9.5")
    thawing = pickup_line("frozen", 4_000, celsius="-10.0")
    cold = pickup_line("dairy", 5_000, celsius="4.0")
    answer = world.synced({"pickups": [pickup(world, warm, thawing, cold)]})
    by_id = {s["id"]: s for s in answer["stored"]}
    assert by_id[warm["id"]]["blocked"].startswith("temperatuur te hoog: 9,5 °C")
    assert by_id[thawing["id"]]["blocked"] is None and by_id[thawing["id"]]["flags"] == ["temperature"]
    assert by_id[cold["id"]]["blocked"] is None and by_id[cold["id"]]["flags"] == []
    book = world.logbook()
    assert book["balance"]["picked_up_grams"] == 9_000 and book["balance"]["refused_grams"] == 3_000
    flag = next(f for f in book["flags"] if f["kind"] == "temperature")
    assert thawing["id"] in flag["detail"]["lines"]
    outcomes_of = {e["line_id"]: e["outcome"] for e in register_of(world, kind="temperature", limit=500)}
    assert outcomes_of[warm["id"]] == "refused" and outcomes_of[thawing["id"]] == "flagged"


def test_limits_are_checked_when_set(world: Round) -> None:
    for bad, field in (({"storage": "ambient", "max_celsius": "20", "action": "flag"}, "storage"),
                       ({"storage": "chilled", "max_celsius": "25", "action": "flag"}, "max_celsius"),
                       ({"storage": "frozen", "max_celsius": "-18", "action": "negeren"}, "action")):
        answer = set_limits(world, bad)
        assert answer.status_code == 422 and answer.json()["field"] == field, answer.text
    read = world.client.get(world.url("/safety/limits"), headers=world.as_("coordinator")).json()["limits"]
    assert {x["storage"] for x in read} == {"chilled", "frozen"}
    assert world.client.get(world.url("/safety/limits"), headers=world.as_("driver")).status_code == 403


def test_the_register_pages_by_cursor(world: Round) -> None:
    yesterday = (datetime.now(BRUSSELS).date() - timedelta(days=1)).isoformat()
    lines = [pickup_line("dairy", 1_000, date_kind="use-by", best_date=yesterday, celsius="2") for _ in range(3)]
    world.synced({"pickups": [pickup(world, *lines)]})
    first = world.client.get(world.url("/safety/register"), params={"limit": 2},
                             headers=world.as_("coordinator")).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = world.client.get(world.url("/safety/register"), params={"limit": 2, "cursor": first["next_cursor"]},
                              headers=world.as_("coordinator")).json()
    assert {e["id"] for e in first["items"]}.isdisjoint(e["id"] for e in second["items"])
    bad = world.client.get(world.url("/safety/register"), params={"kind": "onbekend"}, headers=world.as_("coordinator"))
    assert bad.status_code == 422


def test_a_coordinator_resolves_a_flag_once(world: Round) -> None:
    world.synced({"pickups": [pickup(world, pickup_line("bread", 1_000), van_full=True, left_behind_grams=5_000)]})
    open_ = world.client.get(world.url("/flags"), params={"round_id": world.id}, headers=world.as_("coordinator"))
    (flag,) = open_.json()["items"]
    assert flag["kind"] == "van-full" and flag["driver_name"] and flag["round_day"] == world.day.isoformat()
    empty = world.client.post(world.url(f"/flags/{flag['id']}/resolve"), json={"resolution": " "},
                              headers=world.as_("coordinator"))
    assert empty.status_code == 422
    done = world.client.post(world.url(f"/flags/{flag['id']}/resolve"), json={"resolution": "Extra rit gepland"},
                             headers=world.as_("coordinator"))
    assert done.status_code == 200 and done.json()["items"][0]["resolved_by"] == "coordinator"
    again = world.client.post(world.url(f"/flags/{flag['id']}/resolve"), json={"resolution": "nogmaals"},
                              headers=world.as_("coordinator"))
    assert again.status_code == 409
    still_open = world.client.get(world.url("/flags"), params={"round_id": world.id},
                                  headers=world.as_("coordinator")).json()["items"]
    assert still_open == []
