"""The planning's coordinator pages, served by foodsavers (as the gateway forwards them: the bearer token and the
session's CSRF token as headers, the form's `_csrf` field): the week with its rounds per driver and the week
navigator; a new series through the form (a mistake comes back beside the field with what was typed); a
series' form to change it; a round's page with its stops, changed and cancelled through its forms; a FEAD round's
transfer form; roles."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx
import pytest

from tests.foodsavers.api.test_planning_api import TENANT, Planning, of_series, rescue_stops, series_body
from tests.foodsavers.world import unique

CSRF = "test-csrf-token"


@pytest.fixture(scope="module")
def api(gateway_url: str, tokens: Any) -> Planning:
    return Planning(gateway_url, tokens)


@pytest.fixture(scope="module")
def world(api: Planning) -> dict[str, Any]:
    return {"donor": api.register("donor"), "donor2": api.register("donor"), "recipient": api.register("recipient"),
            "recipient2": api.register("recipient", kind="social-grocery"),
            "food_bank": api.register("donor", name=unique("Voedselbank"), kind="food-bank", chain=""),
            "town": api.register("recipient", name=unique("OCMW Diksmuide"), kind="local-government"),
            "vehicle": api.register("vehicle"), "driver": api.register("driver"),
            "driver2": api.register("driver")}


@pytest.fixture(scope="module")
def pages(platform: Any) -> str:
    return f"{platform.url('foodsavers')}/{TENANT}/voedsel/planning"


def page(url: str, api: Planning, user: str = "coordinator") -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {api.token(user)}", "x-csrf-token": CSRF}, timeout=30)


def form(url: str, api: Planning, fields: dict[str, str], user: str = "coordinator") -> httpx.Response:
    return httpx.post(url, data={"_csrf": CSRF, **fields},
                      headers={"Authorization": f"Bearer {api.token(user)}", "x-csrf-token": CSRF}, timeout=30)


def text_of(response: httpx.Response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


def test_the_week_shows_the_rounds_per_driver_and_day_with_a_week_navigator(pages: str, api: Planning,
                                                                            world: dict[str, Any]) -> None:
    created = api.post("/series", series_body(world, starts_on="2020-06-15", ends_on="2020-06-19"))
    assert created.status_code == 201
    week = page(f"{pages}/?week=2020-06-17", api)
    assert week.status_code == 200, week.text
    text = text_of(week)
    assert world["driver"]["name"] in text and "ma 15/6" in text and "vr 19/6" in text
    assert 'href="/west-vlaanderen/voedsel/planning/?week=2020-06-08"' in week.text  # previous week
    assert 'href="/west-vlaanderen/voedsel/planning/?week=2020-06-22"' in week.text  # next week
    assert 'aria-current="page"' in week.text and "Planning" in text
    assert created.json()["name"] in text  # the series list
    rounds = of_series(api, created.json(), from_day="2020-06-15", until="2020-06-19")
    assert f'/voedsel/planning/ritten/{rounds["2020-06-17"]["id"]}' in week.text
    assert page(f"{pages}/", api, user="driver").status_code == 403


def test_a_coordinator_makes_a_series_through_the_form_and_changes_it(pages: str, api: Planning,
                                                                      world: dict[str, Any]) -> None:
    new = page(f"{pages}/reeksen/nieuw", api)
    assert new.status_code == 200 and world["donor"]["name"] in new.text and world["driver"]["name"] in new.text
    name = unique("Ronde Diksmuide")
    fields = {"name": name, "kind": "rescue", "starts_on": "2020-09-07", "ends_on": "2020-09-18",
              "start_time": "08:00", "driver_id": world["driver"]["id"], "vehicle_id": world["vehicle"]["id"],
              "wd1": "on", "wd4": "on", "stop_1": f"pickup:{world['donor']['id']}", "from_1": "08:00",
              "until_1": "09:00", "stop_2": f"delivery:{world['recipient']['id']}"}
    refused = form(f"{pages}/reeksen/nieuw", api, {**fields, "stop_1": f"pickup:{world['food_bank']['id']}"})
    assert refused.status_code == 422 and "FEAD" in text_of(refused)
    assert f'value="{name}"' in refused.text  # what was typed stays
    no_days = form(f"{pages}/reeksen/nieuw", api, {k: v for k, v in fields.items() if k not in ("wd1", "wd4")})
    assert no_days.status_code == 422 and "Kies minstens één weekdag" in text_of(no_days)
    created = form(f"{pages}/reeksen/nieuw", api, fields)
    assert created.status_code in (302, 303), created.text
    series_path = created.headers["location"]
    series_id = series_path.rstrip("/").rsplit("/", 1)[1]
    series = api.get(f"/series/{series_id}").json()
    assert series["weekdays"] == [1, 4] and [s["kind"] for s in series["stops"]] == ["pickup", "delivery"]
    shown = page(f"{pages}/reeksen/{series_id}", api)
    assert shown.status_code == 200 and f'value="{name}"' in shown.text and "Geldt vanaf" in text_of(shown)

    change = {**fields, "version": str(series["version"]), "effective_from": "2020-09-01",
              "driver_id": world["driver2"]["id"]}
    stale = form(f"{pages}/reeksen/{series_id}", api, {**change, "version": "99"})
    assert stale.status_code == 422 and "gewijzigd" in text_of(stale)
    changed = form(f"{pages}/reeksen/{series_id}", api, change)
    assert changed.status_code in (302, 303), changed.text
    rounds = of_series(api, series, from_day="2020-09-01", until="2020-09-30")
    assert sorted(rounds) == ["2020-09-07", "2020-09-10", "2020-09-14", "2020-09-17"]
    assert {r["driver"]["id"] for r in rounds.values()} == {world["driver2"]["id"]}


def test_a_rounds_page_shows_its_stops_and_changes_or_cancels_that_one_round(pages: str, api: Planning,
                                                                             world: dict[str, Any]) -> None:
    created = api.post("/rounds", {"day": "2020-11-17", "kind": "rescue", "start_time": "08:00",
                                   "driver_id": world["driver"]["id"], "vehicle_id": world["vehicle"]["id"],
                                   "stops": rescue_stops(world)})
    assert created.status_code == 201
    one = created.json()
    shown = page(f"{pages}/ritten/{one['id']}", api)
    assert shown.status_code == 200, shown.text
    text = text_of(shown)
    assert text.index(world["donor"]["name"]) < text.index(world["recipient"]["name"])
    assert world["donor"]["instructions"] in text and "gepland" in text
    assert "Overdrachtsdocument" not in text  # not a FEAD round

    changed = form(f"{pages}/ritten/{one['id']}", api, {
        "version": str(one["version"]), "start_time": "10:15", "driver_id": world["driver2"]["id"],
        "vehicle_id": world["vehicle"]["id"], "note": "Later door de markt"})
    assert changed.status_code in (302, 303), changed.text
    after = api.get(f"/rounds/{one['id']}").json()
    assert after["start_time"] == "10:15" and after["edited"] is True and after["driver"]["id"] == \
        world["driver2"]["id"]

    no_reason = form(f"{pages}/ritten/{one['id']}/annuleren", api, {"version": str(after["version"]), "reason": ""})
    assert no_reason.status_code == 422 and "reden" in text_of(no_reason)
    cancelled = form(f"{pages}/ritten/{one['id']}/annuleren", api,
                     {"version": str(after["version"]), "reason": "Winkel gesloten"})
    assert cancelled.status_code in (302, 303), cancelled.text
    gone = page(f"{pages}/ritten/{one['id']}", api)
    assert "geannuleerd" in text_of(gone) and "Rit wijzigen" not in text_of(gone)


def test_a_fead_rounds_page_links_its_transfer_form(pages: str, api: Planning, world: dict[str, Any]) -> None:
    created = api.post("/rounds", {"day": "2020-10-20", "kind": "fead", "start_time": "09:00",
                                   "driver_id": world["driver"]["id"], "vehicle_id": world["vehicle"]["id"],
                                   "stops": [{"kind": "pickup", "donor_id": world["food_bank"]["id"]},
                                             {"kind": "delivery", "recipient_id": world["town"]["id"]}]})
    assert created.status_code == 201, created.text
    shown = page(f"{pages}/ritten/{created.json()['id']}", api)
    link = f"/{TENANT}/voedsel/planning/ritten/{created.json()['id']}/overdrachtsdocument.pdf"
    assert link in shown.text
    pdf = page(f"{pages}/ritten/{created.json()['id']}/overdrachtsdocument.pdf", api)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
