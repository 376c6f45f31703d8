"""Planning through the gateway: a round series generates its rounds on its weekdays up to its end or six weeks
ahead; one occurrence changed or cancelled by hand survives a later change of the series, which reaches only the
untouched planned occurrences from its effective day on; FEAD rounds stop only at the food bank and local
governments; a driver's day shows only their own rounds; stale or blind edits get 412/428. The world (donors,
recipients, vehicles, drivers) is registered through the registry API."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader

from services.foodsavers.planning import service
from shared.db import Database
from tests.foodsavers.world import (
    api_path,
    ensure_driver,
    headers,
    register_donor,
    register_driver,
    register_recipient,
    register_vehicle,
    unique,
)

TENANT = "west-vlaanderen"
OTHER = "limburg"


class Planning:
    def __init__(self, gateway_url: str, tokens: Any) -> None:
        self.client = httpx.Client(base_url=gateway_url, timeout=60)
        self.tokens = tokens

    def token(self, user: str = "coordinator", tenant: str = TENANT) -> str:
        return str(self.tokens(tenant, user))

    def get(self, path: str, user: str = "coordinator", tenant: str = TENANT, **params: Any) -> httpx.Response:
        return self.client.get(api_path(tenant, path), params=params, headers=headers(self.token(user, tenant)))

    def post(self, path: str, body: Any, user: str = "coordinator", **extra: str) -> httpx.Response:
        return self.client.post(api_path(TENANT, path), json=body, headers=headers(self.token(user), **extra))

    def patch(self, path: str, body: Any, user: str = "coordinator", **extra: str) -> httpx.Response:
        return self.client.patch(api_path(TENANT, path), json=body, headers=headers(self.token(user), **extra))

    def register(self, what: str, **overrides: Any) -> dict[str, Any]:
        make = {"donor": register_donor, "recipient": register_recipient, "vehicle": register_vehicle,
                "driver": register_driver}[what]
        return make(self.client, TENANT, self.token(), **overrides)

    def rounds(self, **params: Any) -> list[dict[str, Any]]:
        params = {("from" if name == "from_day" else name): value for name, value in params.items()}
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.get("/rounds", limit=200, **params, **({"cursor": cursor} if cursor else {}))
            assert page.status_code == 200, page.text
            found += page.json()["items"]
            cursor = page.json()["next_cursor"]
            if not cursor:
                return found


@pytest.fixture(scope="module")
def api(gateway_url: str, tokens: Any) -> Planning:
    return Planning(gateway_url, tokens)


@pytest.fixture(scope="module")
def world(api: Planning) -> dict[str, Any]:
    """Two supermarket branches, two food-aid organisations, the food bank, two local governments, a van and
    two drivers of this module's own."""
    return {
        "donor": api.register("donor"), "donor2": api.register("donor", name=unique("Delhaize")),
        "recipient": api.register("recipient"),
        "recipient2": api.register("recipient", name=unique("Sociale kruidenier"), kind="social-grocery"),
        "food_bank": api.register("donor", name=unique("Voedselbank West-Vlaanderen"), kind="food-bank",
                                  chain="", favv_number="20999999"),
        "town": api.register("recipient", name=unique("OCMW Ieper"), kind="local-government"),
        "town2": api.register("recipient", name=unique("OCMW Poperinge"), kind="local-government"),
        "vehicle": api.register("vehicle"), "vehicle2": api.register("vehicle", refrigerated=False),
        "driver": api.register("driver"), "driver2": api.register("driver"),
    }


def rescue_stops(world: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"kind": "pickup", "donor_id": world["donor"]["id"], "window_from": "08:00", "window_until": "09:00"},
            {"kind": "pickup", "donor_id": world["donor2"]["id"]},
            {"kind": "delivery", "recipient_id": world["recipient"]["id"]},
            {"kind": "delivery", "recipient_id": world["recipient2"]["id"]}]


def series_body(world: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"name": unique("Ronde Westhoek"), "kind": "rescue", "weekdays": [1, 2, 3, 4, 5],
            "starts_on": "2020-06-15", "ends_on": "2020-06-30", "start_time": "08:00",
            "driver_id": world["driver"]["id"], "vehicle_id": world["vehicle"]["id"], "stops": rescue_stops(world),
            **overrides}


def new_series(api: Planning, world: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    created = api.post("/series", series_body(world, **overrides))
    assert created.status_code == 201, created.text
    return dict(created.json())


def of_series(api: Planning, series: dict[str, Any], **params: Any) -> dict[str, dict[str, Any]]:
    """The series' rounds by day (ISO)."""
    found = api.rounds(**params)
    return {r["day"]: r for r in found if r["series_id"] == series["id"]}


def brussels_today() -> date:
    return datetime.now(ZoneInfo("Europe/Brussels")).date()


def test_a_series_generates_a_round_on_each_of_its_weekdays_up_to_its_end(api: Planning,
                                                                          world: dict[str, Any]) -> None:
    created = api.post("/series", series_body(world, weekdays=[5, 1, 3, 3]))
    assert created.status_code == 201, created.text
    series = created.json()
    assert created.headers["ETag"] == '"1"'
    assert series["weekdays"] == [1, 3, 5] and series["kind_label"] == "voedselredding"
    assert series["generated_until"] == "2020-06-30"  # wholly in the past: every day up to its end
    assert [s["name"] for s in series["stops"]] == [world["donor"]["name"], world["donor2"]["name"],
                                                    world["recipient"]["name"], world["recipient2"]["name"]]
    rounds = of_series(api, series, from_day="2020-06-01", until="2020-07-31", driver_id=world["driver"]["id"])
    assert sorted(rounds) == ["2020-06-15", "2020-06-17", "2020-06-19", "2020-06-22", "2020-06-24", "2020-06-26",
                              "2020-06-29"]
    assert {r["status_label"] for r in rounds.values()} == {"gepland"}
    assert {r["stop_count"] for r in rounds.values()} == {4}
    one = api.get(f"/rounds/{rounds['2020-06-17']['id']}")
    assert one.status_code == 200, one.text
    detail = one.json()
    assert [s["kind"] for s in detail["stops"]] == ["pickup", "pickup", "delivery", "delivery"]
    first = detail["stops"][0]
    assert first["name"] == world["donor"]["name"] and (first["window_from"], first["window_until"]) == ("08:00",
                                                                                                          "09:00")
    assert first["instructions"] == world["donor"]["instructions"] and first["contact_phone"]
    assert detail["stops"][1]["window_from"] == "08:00"  # no window of its own: the donor's of that weekday
    assert detail["driver"]["name"] == world["driver"]["name"]
    assert detail["vehicle"]["capacity_grams"] == world["vehicle"]["capacity_grams"]


def test_an_open_series_generates_six_weeks_ahead_and_the_daily_task_extends_it(
        api: Planning, world: dict[str, Any]) -> None:
    today = brussels_today()
    driver = api.register("driver")
    series = new_series(api, world, weekdays=[1, 2, 3, 4, 5, 6, 7], starts_on=today.isoformat(), ends_on=None,
                        driver_id=driver["id"])
    assert series["generated_until"] == (today + timedelta(weeks=6)).isoformat()
    rounds = of_series(api, series, driver_id=driver["id"])
    assert len(rounds) == 43 and min(rounds) == today.isoformat()
    assert max(rounds) == (today + timedelta(weeks=6)).isoformat()


def test_an_edited_and_a_cancelled_occurrence_survive_a_change_of_the_series(api: Planning,
                                                                            world: dict[str, Any]) -> None:
    series = new_series(api, world, starts_on="2020-07-06", ends_on="2020-07-31")
    rounds = of_series(api, series, from_day="2020-07-01", until="2020-07-31")
    assert len(rounds) == 20
    edited = rounds["2020-07-14"]
    changed = api.patch(f"/rounds/{edited['id']}", {"start_time": "09:30", "note": "later: markt"},
                        **{"If-Match": f'"{edited["version"]}"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["edited"] is True and changed.json()["start_time"] == "09:30"
    assert changed.headers["ETag"] == f'"{edited["version"] + 1}"'
    cancelled_round = rounds["2020-07-15"]
    refused = api.post(f"/rounds/{cancelled_round['id']}/cancel", {"reason": " "},
                       **{"If-Match": f'"{cancelled_round["version"]}"'})
    assert refused.status_code == 422 and "reden" in refused.json()["detail"]
    cancelled = api.post(f"/rounds/{cancelled_round['id']}/cancel", {"reason": "Feestdag"},
                         **{"If-Match": f'"{cancelled_round["version"]}"'})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["status_label"] == "geannuleerd"

    # The series changes from 13 July: another driver and van, 07:00, no more Fridays, new stops.
    current = api.get(f"/series/{series['id']}")
    stops = [{"kind": "pickup", "donor_id": world["donor2"]["id"]},
             {"kind": "delivery", "recipient_id": world["recipient"]["id"]}]
    change = {"driver_id": world["driver2"]["id"], "vehicle_id": world["vehicle2"]["id"], "start_time": "07:00",
              "weekdays": [1, 2, 3, 4], "stops": stops, "effective_from": "2020-07-13"}
    blind = api.patch(f"/series/{series['id']}", change)
    assert blind.status_code == 428
    changed_series = api.patch(f"/series/{series['id']}", change, **{"If-Match": current.headers["ETag"]})
    assert changed_series.status_code == 200, changed_series.text
    assert changed_series.json()["weekdays"] == [1, 2, 3, 4]
    assert changed_series.json()["version"] == series["version"] + 1
    stale = api.patch(f"/series/{series['id']}", {"start_time": "06:00"}, **{"If-Match": current.headers["ETag"]})
    assert stale.status_code == 412

    after = of_series(api, series, from_day="2020-07-01", until="2020-07-31")
    # before the effective day: as they were (Friday 10 July included)
    for day in ("2020-07-06", "2020-07-07", "2020-07-08", "2020-07-09", "2020-07-10"):
        assert after[day]["driver"]["id"] == world["driver"]["id"] and after[day]["start_time"] == "08:00"
        assert after[day]["stop_count"] == 4
    # untouched Fridays from the effective day on are gone; the other untouched days follow the series
    assert not {"2020-07-17", "2020-07-24", "2020-07-31"} & set(after)
    for day in ("2020-07-13", "2020-07-16", "2020-07-20", "2020-07-30"):
        assert after[day]["driver"]["id"] == world["driver2"]["id"], day
        assert after[day]["vehicle"]["id"] == world["vehicle2"]["id"] and after[day]["start_time"] == "07:00"
        assert after[day]["stop_count"] == 2 and after[day]["edited"] is False
    # the occurrence changed by hand and the cancelled one stay as they were
    assert after["2020-07-14"]["start_time"] == "09:30" and after["2020-07-14"]["edited"] is True
    assert after["2020-07-14"]["driver"]["id"] == world["driver"]["id"] and after["2020-07-14"]["stop_count"] == 4
    assert after["2020-07-15"]["status"] == "cancelled" and after["2020-07-15"]["note"] == "Feestdag"
    assert after["2020-07-15"]["driver"]["id"] == world["driver"]["id"]
    assert len(after) == 5 + 12


def test_a_series_that_gains_a_weekday_gets_its_rounds_and_keeps_a_cancelled_one(api: Planning,
                                                                                  world: dict[str, Any]) -> None:
    series = new_series(api, world, weekdays=[1], starts_on="2020-08-03", ends_on="2020-08-16")
    rounds = of_series(api, series, from_day="2020-08-01", until="2020-08-31")
    assert sorted(rounds) == ["2020-08-03", "2020-08-10"]
    monday = rounds["2020-08-10"]
    cancelled = api.post(f"/rounds/{monday['id']}/cancel", {"reason": "Bestelwagen in onderhoud"},
                         **{"If-Match": f'"{monday["version"]}"'})
    assert cancelled.status_code == 200
    again = api.post(f"/rounds/{monday['id']}/cancel", {"reason": "nog eens"}, **{"If-Match": "*"})
    assert again.status_code == 409 and "geannuleerd" in again.json()["detail"]
    edit = api.patch(f"/rounds/{monday['id']}", {"start_time": "10:00"}, **{"If-Match": "*"})
    assert edit.status_code == 409
    changed = api.patch(f"/series/{series['id']}", {"weekdays": [1, 4], "effective_from": "2020-08-01"},
                        **{"If-Match": f'"{series["version"]}"'})
    assert changed.status_code == 200, changed.text
    after = of_series(api, series, from_day="2020-08-01", until="2020-08-31")
    assert sorted(after) == ["2020-08-03", "2020-08-06", "2020-08-10", "2020-08-13"]
    assert after["2020-08-10"]["status"] == "cancelled"  # the series goes on, the cancelled day stays so


def test_stale_and_blind_edits_of_a_round_are_refused(api: Planning, world: dict[str, Any]) -> None:
    series = new_series(api, world, weekdays=[2], starts_on="2020-09-01", ends_on="2020-09-01")
    (occurrence,) = of_series(api, series, from_day="2020-09-01", until="2020-09-01").values()
    blind = api.patch(f"/rounds/{occurrence['id']}", {"note": "x"})
    assert blind.status_code == 428
    assert api.patch(f"/rounds/{occurrence['id']}", {"note": "eerst"},
                     **{"If-Match": f'"{occurrence["version"]}"'}).status_code == 200
    stale = api.patch(f"/rounds/{occurrence['id']}", {"note": "tweede"}, **{"If-Match": f'"{occurrence["version"]}"'})
    assert stale.status_code == 412
    assert api.get(f"/rounds/{occurrence['id']}").json()["note"] == "eerst"
    unknown = api.patch(f"/rounds/{uuid.uuid4()}", {"note": "x"}, **{"If-Match": '"1"'})
    assert unknown.status_code == 404


def test_fead_rounds_pick_up_only_at_the_food_bank_and_deliver_only_to_local_governments(
        api: Planning, world: dict[str, Any]) -> None:
    fead = {"day": "2020-10-06", "kind": "fead", "start_time": "09:00", "driver_id": world["driver"]["id"],
            "vehicle_id": world["vehicle"]["id"],
            "stops": [{"kind": "pickup", "donor_id": world["food_bank"]["id"]},
                      {"kind": "delivery", "recipient_id": world["town"]["id"]},
                      {"kind": "delivery", "recipient_id": world["town2"]["id"]}]}
    at_supermarket = api.post("/rounds", {**fead, "stops": [{"kind": "pickup", "donor_id": world["donor"]["id"]},
                                                           *fead["stops"][1:]]})
    assert at_supermarket.status_code == 422 and "voedselbank" in at_supermarket.json()["detail"]
    to_society = api.post("/rounds", {**fead, "stops": [*fead["stops"][:2],
                                                       {"kind": "delivery",
                                                        "recipient_id": world["recipient"]["id"]}]})
    assert to_society.status_code == 422 and "lokale besturen" in to_society.json()["detail"]
    rescue_at_bank = api.post("/series", series_body(world, stops=[
        {"kind": "pickup", "donor_id": world["food_bank"]["id"]},
        {"kind": "delivery", "recipient_id": world["recipient"]["id"]}]))
    assert rescue_at_bank.status_code == 422 and "FEAD" in rescue_at_bank.json()["detail"]
    mixed_up = api.post("/rounds", {**fead, "stops": [{"kind": "pickup", "recipient_id": world["town"]["id"]}]})
    assert mixed_up.status_code == 422
    unknown_kind = api.post("/rounds", {**fead, "kind": "express"})
    assert unknown_kind.status_code == 422 and "soort rit" in unknown_kind.json()["detail"]
    bad_time = api.post("/rounds", {**fead, "start_time": "9u"})
    assert bad_time.status_code == 422 and "UU:MM" in bad_time.json()["detail"]
    created = api.post("/rounds", fead)
    assert created.status_code == 201, created.text
    assert created.json()["kind_label"] == "FEAD-transport" and created.json()["series_id"] is None
    assert [s["name"] for s in created.json()["stops"]] == [world["food_bank"]["name"], world["town"]["name"],
                                                            world["town2"]["name"]]
    fead_rounds = api.rounds(from_day="2020-10-06", until="2020-10-06", kind="fead")
    assert created.json()["id"] in {r["id"] for r in fead_rounds}
    assert {r["kind"] for r in fead_rounds} == {"fead"}


def test_a_retried_series_with_the_same_idempotency_key_is_made_once(api: Planning, world: dict[str, Any]) -> None:
    driver = api.register("driver")
    body = series_body(world, driver_id=driver["id"], starts_on="2020-11-02", ends_on="2020-11-06")
    key = {"Idempotency-Key": f"series-{uuid.uuid4()}"}
    first = api.post("/series", body, **key)
    second = api.post("/series", body, **key)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    mine = api.rounds(from_day="2020-11-01", until="2020-11-30", driver_id=driver["id"])
    assert len(mine) == 5


def test_a_drivers_day_shows_only_their_own_rounds_with_every_stops_details(api: Planning,
                                                                            world: dict[str, Any]) -> None:
    me = ensure_driver(api.client, TENANT, api.token(), "driver")
    ensure_driver(api.client, TENANT, api.token(), "driver2")
    day = "2020-12-08"
    created = api.post("/rounds", {"day": day, "kind": "rescue", "start_time": "08:15", "driver_id": me["id"],
                                   "vehicle_id": world["vehicle"]["id"], "stops": rescue_stops(world)})
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]

    mine = api.get("/my/day", user="driver", day=day)
    assert mine.status_code == 200, mine.text
    assert mine.json()["driver"]["id"] == me["id"]
    (found,) = [r for r in mine.json()["rounds"] if r["id"] == round_id]
    assert found["kind"] == "rescue" and found["status"] == "planned" and found["start_time"] == "08:15"
    assert found["vehicle"] == {"id": world["vehicle"]["id"], "name": world["vehicle"]["name"],
                                "capacity_grams": world["vehicle"]["capacity_grams"], "refrigerated": True}
    stop = found["stops"][2]
    assert stop["kind"] == "delivery" and stop["party_id"] == world["recipient"]["id"]
    assert stop["name"] == world["recipient"]["name"] and "Kerkstraat 2" in stop["address"]
    assert stop["window_from"] == "08:00" and stop["window_until"] == "10:00" and stop["position"] == 3
    assert set(stop) >= {"id", "instructions", "contact_phone"}
    assert api.get(f"/rounds/{round_id}", user="driver").status_code == 200

    theirs = api.get("/my/day", user="driver2", day=day)
    assert theirs.status_code == 200
    assert round_id not in {r["id"] for r in theirs.json()["rounds"]}
    assert api.get(f"/rounds/{round_id}", user="driver2").status_code == 404
    listed_by_driver2 = api.get("/rounds", user="driver2", **{"from": day, "until": day})
    assert round_id not in {r["id"] for r in listed_by_driver2.json()["items"]}
    assert api.get("/my/day", user="coordinator", day=day).status_code == 403
    assert api.get("/day", user="driver", day=day).status_code == 403

    plan = api.get("/day", day=day)
    assert plan.status_code == 200
    (group,) = [d for d in plan.json()["drivers"] if d["driver"]["id"] == me["id"]]
    assert round_id in {r["id"] for r in group["rounds"]}

    elsewhere = api.get(f"/rounds/{round_id}", tenant=OTHER)
    assert elsewhere.status_code == 404


def test_a_cancelled_round_leaves_the_drivers_day(api: Planning, world: dict[str, Any]) -> None:
    me = ensure_driver(api.client, TENANT, api.token(), "driver3")
    day = "2020-12-09"
    created = api.post("/rounds", {"day": day, "kind": "rescue", "start_time": "08:15", "driver_id": me["id"],
                                   "vehicle_id": world["vehicle"]["id"], "stops": rescue_stops(world)})
    assert created.status_code == 201
    assert api.post(f"/rounds/{created.json()['id']}/cancel", {"reason": "Ziek"},
                    **{"If-Match": created.headers["ETag"]}).status_code == 200
    mine = api.get("/my/day", user="driver3", day=day).json()
    assert created.json()["id"] not in {r["id"] for r in mine["rounds"]}


def test_bad_input_gets_a_dutch_reason(api: Planning, world: dict[str, Any]) -> None:
    no_days = api.post("/series", series_body(world, weekdays=[]))
    assert no_days.status_code == 422 and "weekdag" in no_days.json()["detail"]
    sunday_8 = api.post("/series", series_body(world, weekdays=[8]))
    assert sunday_8.status_code == 422
    backwards = api.post("/series", series_body(world, starts_on="2020-07-01", ends_on="2020-06-01"))
    assert backwards.status_code == 422 and "einddatum" in backwards.json()["detail"]
    no_stops = api.post("/series", series_body(world, stops=[]))
    assert no_stops.status_code == 422 and "stop" in no_stops.json()["detail"]
    unknown_driver = api.post("/series", series_body(world, driver_id=str(uuid.uuid4())))
    assert unknown_driver.status_code == 422 and "chauffeur" in unknown_driver.json()["detail"]
    window = api.post("/series", series_body(world, stops=[{"kind": "pickup", "donor_id": world["donor"]["id"],
                                                            "window_from": "10:00", "window_until": "09:00"}]))
    assert window.status_code == 422 and "venster" in window.json()["detail"]
    assert api.post("/series", series_body(world), user="driver").status_code == 403


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_a_fead_rounds_transfer_form_names_the_food_bank_the_local_governments_and_the_weights(
        api: Planning, world: dict[str, Any]) -> None:
    me = ensure_driver(api.client, TENANT, api.token(), "driver")
    created = api.post("/rounds", {
        "day": "2020-10-13", "kind": "fead", "start_time": "09:00", "driver_id": me["id"],
        "vehicle_id": world["vehicle"]["id"],
        "stops": [{"kind": "pickup", "donor_id": world["food_bank"]["id"]},
                  {"kind": "delivery", "recipient_id": world["town"]["id"]},
                  {"kind": "delivery", "recipient_id": world["town2"]["id"]}]})
    assert created.status_code == 201, created.text
    fead = created.json()

    before = api.client.get(api_path(TENANT, f"/rounds/{fead['id']}/transfer-form.pdf"),
                            headers=headers(api.token()))
    assert before.status_code == 200, before.text
    assert before.headers["content-type"].startswith("application/pdf")
    text = pdf_text(before.content)
    assert "Overdrachtsdocument FEAD" in text
    assert world["food_bank"]["name"] in text and world["town"]["name"] in text and world["town2"]["name"] in text
    assert "Handtekening: ____" in text  # nothing delivered yet: lines to sign on paper

    synced = api.post("/sync", {"deliveries": [{
        "id": str(uuid.uuid4()), "round_id": fead["id"], "stop_id": fead["stops"][1]["id"],
        "recipient_id": world["town"]["id"], "delivered_at": "2020-10-13T09:45:00Z",
        "confirmed_by": "Marie Vandenberghe",
        "lines": [{"id": str(uuid.uuid4()), "category": "dry", "grams": 125_500},
                  {"id": str(uuid.uuid4()), "category": "dairy", "grams": 40_000}]}]})
    assert synced.status_code == 200, synced.text
    assert not synced.json()["refused"], synced.text

    after = api.client.get(api_path(TENANT, f"/rounds/{fead['id']}/transfer-form.pdf"),
                           headers=headers(api.token("driver")))
    assert after.status_code == 200, after.text  # the round's own driver reads it too
    text = pdf_text(after.content)
    assert "droge voeding 125,5 kg" in text and "zuivel 40 kg" in text and "Totaal 165,5 kg" in text
    assert "Marie Vandenberghe" in text and "13 oktober 2020 om 11:45" in text  # Brussels summer time
    assert "Handtekening: ____" in text  # the second local government has not signed yet

    other_driver = api.client.get(api_path(TENANT, f"/rounds/{fead['id']}/transfer-form.pdf"),
                                  headers=headers(api.token("driver2")))
    assert other_driver.status_code == 404
    rescue = api.post("/rounds", {"day": "2020-10-13", "kind": "rescue", "start_time": "08:00",
                                  "driver_id": me["id"], "vehicle_id": world["vehicle"]["id"],
                                  "stops": rescue_stops(world)})
    none_for_rescue = api.client.get(api_path(TENANT, f"/rounds/{rescue.json()['id']}/transfer-form.pdf"),
                                     headers=headers(api.token()))
    assert none_for_rescue.status_code == 404 and "FEAD" in none_for_rescue.json()["detail"]


async def test_the_daily_task_extends_an_open_series_once(api: Planning, world: dict[str, Any],
                                                          stack_config: Any) -> None:
    today = brussels_today()
    driver = api.register("driver")
    series = new_series(api, world, weekdays=[1, 2, 3, 4, 5, 6, 7], starts_on=today.isoformat(), ends_on=None,
                        driver_id=driver["id"])
    later = today + timedelta(days=5)
    db = Database.from_url(stack_config.database_url("foodsavers", "regie_app"), pool_size=1)
    try:
        async with db.transaction(TENANT) as session:
            made = await service.extend_series(session, TENANT, later)
        async with db.transaction(TENANT) as session:
            again = await service.extend_series(session, TENANT, later)
    finally:
        await db.dispose()
    assert made >= 5 and again == 0
    rounds = of_series(api, series, driver_id=driver["id"])
    assert len(rounds) == 43 + 5 and max(rounds) == (later + timedelta(weeks=6)).isoformat()
    extended = api.get(f"/series/{series['id']}")
    assert extended.json()["generated_until"] == (later + timedelta(weeks=6)).isoformat()
    assert extended.json()["version"] == series["version"]  # a passing day is no edit: If-Match stays valid
