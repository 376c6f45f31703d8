"""The phone's sync through the gateway: every item keyed by the phone's id (a retried, doubled or concurrent
sync stores each once), a bad line refused with its Dutch reason while the rest is stored, the rules per line
and per round, the round started by its first entry, closing with the mass balance, and the logbook."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.foodsavers.logbook_world import (
    Round,
    a_round,
    delivery,
    delivery_line,
    new_id,
    outcomes,
    pickup,
    pickup_line,
    refusals,
)
from tests.support import EICAR, EICAR_SIGNATURE

TENANT = "west-vlaanderen"


@pytest.fixture
def world(client: httpx.Client, tokens: Any) -> Round:
    return a_round(client, TENANT, tokens)


def test_a_batch_is_stored_once_however_often_it_comes(world: Round) -> None:
    p = pickup(world, pickup_line("fresh-produce", 40_000), pickup_line("bread", 12_000))
    d = delivery(world, delivery_line("fresh-produce", 40_000), delivery_line("bread", 12_000))
    body = {"pickups": [p], "deliveries": [d]}
    first = world.synced(body)
    assert first["refused"] == [] and set(outcomes(first).values()) == {"stored"} and len(first["stored"]) == 6
    again = world.synced(body)
    assert set(outcomes(again).values()) == {"already-stored"} and len(again["stored"]) == 6
    book = world.logbook()
    assert book["status"] == "under-way" and book["started_at"] is not None
    assert len(book["pickups"]) == 1 and len(book["pickups"][0]["lines"]) == 2
    assert book["balance"]["picked_up_grams"] == 52_000 and book["balance"]["delivered_grams"] == 52_000


async def test_five_concurrent_copies_of_a_batch_store_one(world: Round, gateway_url: str) -> None:
    p = pickup(world, pickup_line("dry", 5_000), pickup_line("bread", 3_000))
    body = {"pickups": [p], "deliveries": [delivery(world, delivery_line("dry", 5_000))]}
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as c:
        answers = await asyncio.gather(*(c.post(world.url("/sync"), json=body, headers=world.as_("driver"))
                                         for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5
    stored = [o for a in answers for o in outcomes(a.json()).items() if o[1] == "stored"]
    assert sorted(i for i, _ in stored) == sorted([p["id"], *(li["id"] for li in p["lines"]),
                                                   body["deliveries"][0]["id"],
                                                   body["deliveries"][0]["lines"][0]["id"]])
    book = world.logbook()
    assert book["balance"]["picked_up_grams"] == 8_000 and book["balance"]["delivered_grams"] == 5_000


def test_a_bad_line_is_refused_and_the_rest_is_stored_then_corrected(world: Round) -> None:
    good, bad = pickup_line("dry", 7_000), pickup_line("dry", -7_000)
    p = pickup(world, good, bad)
    answer = world.synced({"pickups": [p]})
    assert outcomes(answer) == {p["id"]: "stored", good["id"]: "stored"}
    refused = refusals(answer)[bad["id"]]
    assert refused["kind"] == "pickup-line" and refused["field"] == "grams" and "negatief" in refused["reason"]
    assert refused["type"].endswith("invalid-line")
    bad["grams"] = 700  # the driver corrects it, the phone sends the same pickup again
    again = world.synced({"pickups": [p]})
    assert outcomes(again) == {p["id"]: "already-stored", good["id"]: "already-stored", bad["id"]: "stored"}
    assert world.logbook()["balance"]["picked_up_grams"] == 7_700


@pytest.mark.parametrize(("line", "field", "words"), [
    (pickup_line("dry", 2_000_000), "grams", "meer dan de bestelwagen"),
    (pickup_line("sweets", 1_000), "category", "onbekende categorie"),
    (pickup_line("dairy", 1_000), "celsius", "meet de temperatuur"),
    (pickup_line("dairy", 1_000, celsius="4.0", date_kind="use-by"), "best_date", "te gebruiken tot"),
])
def test_the_rules_per_line(world: Round, line: dict[str, Any], field: str, words: str) -> None:
    answer = world.synced({"pickups": [pickup(world, line)]})
    refused = refusals(answer)[line["id"]]
    assert refused["field"] == field and words in refused["reason"], refused


def test_a_time_in_the_future_refuses_the_pickup_and_its_lines(world: Round) -> None:
    later = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    p = pickup(world, pickup_line(), picked_up_at=later)
    d = delivery(world, delivery_line(), delivered_at=later)
    answer = world.synced({"pickups": [p], "deliveries": [d]})
    assert answer["stored"] == []
    found = refusals(answer)
    assert found[p["id"]]["field"] == "picked_up_at" and "toekomst" in found[p["id"]]["reason"]
    assert found[d["id"]]["field"] == "delivered_at" and p["lines"][0]["id"] in found


def test_another_driver_s_round_is_refused_per_item(client: httpx.Client, tokens: Any) -> None:
    theirs = a_round(client, TENANT, tokens, driver=f"chauffeur-{uuid.uuid4().hex[:8]}")
    p = pickup(theirs, pickup_line())
    answer = theirs.synced({"pickups": [p]})
    assert refusals(answer)[p["id"]]["reason"] == "deze rit is van een andere chauffeur"
    assert refusals(answer)[p["id"]]["type"].endswith("forbidden")
    assert theirs.synced({"pickups": [p]}, "coordinator")["refused"] == []  # a coordinator may


def test_an_id_reused_for_other_content_is_refused_not_overwritten(world: Round) -> None:
    line = pickup_line("dry", 4_000)
    world.synced({"pickups": [pickup(world, line)]})
    other = dict(line, grams=9_000)
    answer = world.synced({"pickups": [pickup(world, other)]})
    assert refusals(answer)[line["id"]]["type"].endswith("id-reused")
    assert world.logbook()["balance"]["picked_up_grams"] == 4_000


def test_closing_keeps_the_totals_and_flags_a_mass_balance_that_does_not_hold(world: Round) -> None:
    p = pickup(world, pickup_line("fresh-produce", 50_000), pickup_line("dry", 10_000, refused_grams=2_000,
                                                                        refused_reason="beschadigd"))
    d = delivery(world, delivery_line("fresh-produce", 40_000), delivery_line("dry", 10_000))
    answer = world.synced({"pickups": [p], "deliveries": [d],
                           "closings": [{"round_id": world.id, "km": 84, "left_in_van_grams": 2_000}]})
    assert outcomes(answer)[world.id] == "stored"
    book = world.logbook()
    assert book["status"] == "closed" and book["km"] == 84
    assert book["totals"]["picked_up"] == 60_000 and book["totals"]["refused"] == 2_000
    assert book["totals"]["balanced"] is False  # 8 kg missing: more than max(1 kg, 2% of 60 kg)
    flag = next(f for f in book["flags"] if f["kind"] == "mass-balance")
    assert flag["detail"]["difference_grams"] == 8_000
    # The closing again: already stored; a new line for the closed round: refused.
    late = pickup(world, pickup_line("dry", 1_000))
    again = world.synced({"pickups": [late], "closings": [{"round_id": world.id, "km": 84}]})
    assert outcomes(again)[world.id] == "already-stored"
    assert refusals(again)[late["id"]]["reason"] == "de rit is al afgesloten"
    # ...but the first batch sent again is still "already stored", so the phone may forget it.
    assert set(outcomes(world.synced({"pickups": [p], "deliveries": [d]})).values()) <= {"already-stored"}


def test_closing_through_its_own_call_balanced(world: Round) -> None:
    world.synced({"pickups": [pickup(world, pickup_line("bread", 20_000))],
                  "deliveries": [delivery(world, delivery_line("bread", 19_500))]})
    closed = world.client.post(world.url(f"/rounds/{world.id}/close"), headers=world.as_("driver"),
                               json={"km": 40, "left_in_van_grams": 0})
    assert closed.status_code == 200, closed.text
    assert closed.json()["totals"]["balanced"] is True and closed.json()["flags"] == []
    twice = world.client.post(world.url(f"/rounds/{world.id}/close"), headers=world.as_("driver"), json={"km": 40})
    assert twice.status_code == 409 and twice.json()["detail"] == "de rit is al afgesloten"


def test_van_full_raises_its_flag(world: Round) -> None:
    world.synced({"pickups": [pickup(world, pickup_line("bread", 900_000), van_full=True,
                                     left_behind_grams=60_000)]})
    flag = next(f for f in world.logbook()["flags"] if f["kind"] == "van-full")
    (left,) = flag["detail"]["pickups"].values()
    assert left["left_behind_grams"] == 60_000


def test_whole_request_problems(world: Round) -> None:
    broken = world.client.post(world.url("/sync"), content=b"{not json", headers={
        **world.as_("driver"), "Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.headers["content-type"].startswith("application/problem+json")
    huge = pickup(world, *(pickup_line("dry", 1) for _ in range(2001)))
    too_many = world.sync({"pickups": [huge]})
    assert too_many.status_code == 413 and "2000" in too_many.json()["detail"]
    assert world.logbook()["pickups"] == []


def test_a_reader_without_the_role_gets_403(world: Round) -> None:
    answer = world.client.post(world.url("/sync"), json={"pickups": []}, headers=world.as_("partner"))
    assert answer.status_code == 403


def test_a_photo_of_a_pickup(world: Round) -> None:
    p = pickup(world, pickup_line())
    world.synced({"pickups": [p]})
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
           b"\xaeB`\x82")
    for _ in range(2):  # a second PUT replaces the first
        put = world.client.put(world.url(f"/pickups/{p['id']}/photo"), content=png,
                               headers={**world.as_("driver"), "Content-Type": "image/png"})
        assert put.status_code == 200, put.text
        assert put.json()["key"].startswith(f"{TENANT}/pickups/{p['id']}/")
    got = world.client.get(world.url(f"/pickups/{p['id']}/photo"), headers=world.as_("coordinator"))
    assert got.status_code == 200 and got.content == png and got.headers["content-type"] == "image/png"
    text_instead = world.client.put(world.url(f"/pickups/{p['id']}/photo"), content=b"hallo",
                                    headers={**world.as_("driver"), "Content-Type": "image/png"})
    assert text_instead.status_code == 415
    infected = world.client.put(world.url(f"/pickups/{p['id']}/photo"), content=png + EICAR,
                                headers={**world.as_("driver"), "Content-Type": "image/png"})
    assert infected.status_code == 422 and infected.json()["signature"] == EICAR_SIGNATURE
    kept = world.client.get(world.url(f"/pickups/{p['id']}/photo"), headers=world.as_("coordinator"))
    assert kept.content == png  # the photo before it stays; the infected one was never stored
    unknown = world.client.put(world.url(f"/pickups/{new_id()}/photo"), content=png,
                               headers={**world.as_("driver"), "Content-Type": "image/png"})
    assert unknown.status_code == 404
