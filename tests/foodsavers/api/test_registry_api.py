"""The registry API through the gateway with real tokens: registering donors, recipients, vehicles and drivers,
each validation rule refused with a Dutch reason (and passing when right), tenant isolation, roles, If-Match,
pagination and filters, deactivating, and the food categories."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.problems import TYPE_PREFIX
from tests.foodsavers.world import (
    api_path,
    donor_body,
    driver_body,
    ensure_driver,
    headers,
    recipient_body,
    register_donor,
    register_driver,
    register_recipient,
    register_vehicle,
    unique,
    vehicle_body,
)

TENANT = "west-vlaanderen"


@pytest.fixture(scope="module")
def coordinator(tokens: Any) -> str:
    return str(tokens(TENANT, "coordinator"))


def post(client: httpx.Client, token: str, collection: str, body: dict[str, Any],
         tenant: str = TENANT) -> httpx.Response:
    return client.post(api_path(tenant, f"/{collection}"), json=body, headers=headers(token))


def refused(response: httpx.Response, field: str, *words: str) -> dict[str, Any]:
    """422 naming `field`, in Dutch, containing `words`."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == f"{TYPE_PREFIX}validation"
    assert field in {e["key"] for e in body["errors"]}, body
    for word in words:
        assert word in body["detail"], body["detail"]
    return dict(body)


# -- registering --------------------------------------------------------------------------------------------------

def test_a_coordinator_registers_a_donor_with_everything_a_driver_needs(client, coordinator) -> None:
    donor = register_donor(client, TENANT, coordinator, municipality="33011", street="Boterstraat 10",
                           postcode="8900", pickup_windows=[{"weekday": 3, "from": "14:00", "until": "15:30"},
                                                            {"weekday": 1, "from": "08:00", "until": "09:00"}],
                           favv_number="2012 345.678")
    assert donor["municipality"] == "33011" and donor["municipality_name"] == "Ieper"
    assert donor["address"] == "Boterstraat 10, 8900 Ieper"
    assert donor["kind_label"] == "supermarkt" and donor["chain"] == "Colruyt"
    assert [w["weekday"] for w in donor["pickup_windows"]] == [1, 3]  # sorted by day
    assert donor["favv_number"] == "2012345678"
    assert donor["instructions"].startswith("Achteraan") and donor["active"] is True and donor["version"] == 1
    one = client.get(api_path(TENANT, f"/donors/{donor['id']}"), headers=headers(coordinator))
    assert one.status_code == 200 and one.headers["etag"] == '"1"'
    assert one.json()["name"] == donor["name"]


def test_a_recipient_vehicle_and_driver_are_registered(client, coordinator) -> None:
    recipient = register_recipient(client, TENANT, coordinator, municipality="Poperinge", households=120,
                                   people_served=310, enterprise_number="BE 0403.170.701")
    assert recipient["municipality_name"] == "Poperinge" and recipient["people_served"] == 310
    assert recipient["enterprise_number"] == "0403170701" and recipient["kind_label"] == "Vincentiusvereniging"
    vehicle = register_vehicle(client, TENANT, coordinator, plate="1-abc-123")
    assert vehicle["capacity_grams"] == 1_000_000 and vehicle["refrigerated"] is True
    assert vehicle["plate"] == "1-ABC-123"
    login = f"Chauffeur-{unique('x')[-8:]}"
    driver = register_driver(client, TENANT, coordinator, username=f"  {login} ")
    assert driver["username"] == login.lower()


def test_the_food_categories_with_label_storage_and_freshness(client, tokens) -> None:
    response = client.get(api_path(TENANT, "/categories"), headers=headers(tokens(TENANT, "driver")))
    assert response.status_code == 200, response.text
    items = {c["code"]: c for c in response.json()["items"]}
    assert len(items) == 8
    assert items["fresh-produce"] == {"code": "fresh-produce", "label": "verse groenten en fruit",
                                      "storage": "ambient", "fresh": True, "food": True}
    assert items["dairy"]["storage"] == "chilled" and items["frozen"]["storage"] == "frozen"
    assert items["non-food"]["food"] is False and not items["bread"]["fresh"]


# -- each rule: refused with its reason, and passing when right --------------------------------------------------

@pytest.mark.parametrize(("collection", "overrides", "field", "words"), [
    ("donors", {"kind": "bakery"}, "kind", ["onbekende soort schenker", "food-bank"]),
    ("recipients", {"kind": "church"}, "kind", ["onbekende soort ontvanger", "local-government"]),
    ("donors", {"municipality": "Atlantis"}, "municipality", ["geen Vlaamse gemeente"]),
    ("recipients", {"municipality": "Gent"}, "municipality", ["Gent ligt niet in deze provincie"]),
    ("donors", {"pickup_windows": [{"weekday": 2, "from": "10:00", "until": "09:00"}]},
     "pickup_windows[0].until", ["later eindigen"]),
    ("recipients", {"delivery_windows": [{"weekday": 8, "from": "10:00", "until": "11:00"}]},
     "delivery_windows[0].weekday", ["weekdag"]),
    ("donors", {"pickup_windows": [{"weekday": 1, "from": "8u", "until": "11:00"}]},
     "pickup_windows[0].from", ["UU:MM"]),
    ("recipients", {"enterprise_number": "0403.170.702"}, "enterprise_number", ["controlegetal"]),
    ("recipients", {"favv_number": "AB-123"}, "favv_number", ["FAVV-nummer"]),
    ("recipients", {"people_served": -3}, "people_served", ["niet negatief"]),
    ("recipients", {"households": -1}, "households", ["niet negatief"]),
    ("vehicles", {"capacity_grams": 0}, "capacity_grams", ["groter dan 0 kg"]),
    ("vehicles", {"capacity_grams": 40_000_001}, "capacity_grams", ["40.000 kg"]),
    ("vehicles", {"emission_grams_per_km": -1}, "emission_grams_per_km", ["niet negatief"]),
    ("drivers", {"username": "Jan Peeters"}, "username", ["geen login"]),
    ("donors", {"name": "  "}, "name", ["de naam is verplicht"]),
    ("donors", {"postcode": "89"}, "postcode", ["postcode"]),
])
def test_bad_input_is_refused_in_dutch_and_nothing_is_stored(client, coordinator, collection, overrides, field,
                                                             words) -> None:
    bodies = {"donors": donor_body, "recipients": recipient_body, "vehicles": vehicle_body, "drivers": driver_body}
    body = bodies[collection](TENANT, **overrides)
    refused(post(client, coordinator, collection, body), field, *words)
    name = body["name"].strip()
    if name:
        found = client.get(api_path(TENANT, f"/{collection}"), params={"q": name}, headers=headers(coordinator))
        assert found.json()["items"] == []


@pytest.mark.parametrize(("collection", "overrides"), [
    ("donors", {"kind": "food-bank", "municipality": "Roeselare"}),
    ("donors", {"kind": "auction", "pickup_windows": [{"weekday": 7, "from": "00:00", "until": "23:59"}]}),
    ("recipients", {"kind": "local-government", "municipality": "36015", "favv_number": ""}),
    ("recipients", {"enterprise_number": None, "people_served": 0, "households": 0}),
    ("vehicles", {"capacity_grams": 40_000_000, "emission_grams_per_km": 0, "refrigerated": False}),
])
def test_the_edges_of_each_rule_pass(client, coordinator, collection, overrides) -> None:
    register = {"donors": register_donor, "recipients": register_recipient, "vehicles": register_vehicle}
    entry = register[collection](client, TENANT, coordinator, **overrides)
    for key, value in overrides.items():
        if key not in ("municipality",):
            assert entry[key] == value, key


def test_every_problem_of_a_body_is_named_at_once(client, coordinator) -> None:
    body = refused(post(client, coordinator, "recipients",
                        recipient_body(TENANT, kind="church", municipality="Atlantis", people_served=-1)), "kind")
    assert {e["key"] for e in body["errors"]} == {"kind", "municipality", "people_served"}


def test_a_driver_login_is_unique_in_a_province(client, coordinator, tokens) -> None:
    first = register_driver(client, TENANT, coordinator)
    again = post(client, coordinator, "drivers", driver_body(TENANT, username=first["username"].upper()))
    assert again.status_code == 409, again.text
    assert "er is al een chauffeur met deze login" in again.json()["detail"]
    # another province may use the same login
    elsewhere = post(client, tokens("limburg", "coordinator"), "drivers",
                     driver_body("limburg", username=first["username"]), tenant="limburg")
    assert elsewhere.status_code == 201, elsewhere.text
    # changing another driver's login to a taken one is refused as well
    second = register_driver(client, TENANT, coordinator)
    taken = client.patch(api_path(TENANT, f"/drivers/{second['id']}"), json={"username": first["username"]},
                         headers=headers(coordinator, **{"If-Match": '"1"'}))
    assert taken.status_code == 409, taken.text


def test_ensure_driver_finds_the_demo_driver_twice(client, coordinator) -> None:
    first = ensure_driver(client, TENANT, coordinator)
    assert first["username"] == "driver"
    assert ensure_driver(client, TENANT, coordinator)["id"] == first["id"]


# -- tenancy and roles --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("collection", ["donors", "recipients", "vehicles", "drivers"])
def test_another_province_sees_nothing(client, coordinator, tokens, collection) -> None:
    entry = {"donors": register_donor, "recipients": register_recipient, "vehicles": register_vehicle,
             "drivers": register_driver}[collection](client, TENANT, coordinator)
    other = tokens("limburg", "coordinator")
    read = client.get(api_path("limburg", f"/{collection}/{entry['id']}"), headers=headers(other))
    assert read.status_code == 404, read.text
    changed = client.patch(api_path("limburg", f"/{collection}/{entry['id']}"), json={"name": "Overgenomen"},
                           headers=headers(other, **{"If-Match": '"1"'}))
    assert changed.status_code == 404, changed.text
    listed = client.get(api_path("limburg", f"/{collection}"), params={"q": entry["name"]}, headers=headers(other))
    assert listed.status_code == 200 and listed.json()["items"] == []
    still = client.get(api_path(TENANT, f"/{collection}/{entry['id']}"), headers=headers(coordinator))
    assert still.json()["name"] == entry["name"] and still.json()["version"] == 1


@pytest.mark.parametrize("collection", ["donors", "recipients", "vehicles", "drivers"])
def test_a_driver_reads_but_cannot_register(client, tokens, collection) -> None:
    driver = tokens(TENANT, "driver")
    body = {"donors": donor_body, "recipients": recipient_body, "vehicles": vehicle_body,
            "drivers": driver_body}[collection](TENANT)
    created = post(client, driver, collection, body)
    assert created.status_code == 403, created.text
    assert client.get(api_path(TENANT, f"/{collection}"), headers=headers(driver)).status_code == 200


@pytest.mark.parametrize("path", ["/donors", "/recipients", "/vehicles", "/drivers", "/categories"])
def test_a_partner_cannot_read_the_registry(client, tokens, path) -> None:
    response = client.get(api_path(TENANT, path), headers=headers(tokens(TENANT, "partner")))
    assert response.status_code == 403, response.text


def test_a_driver_cannot_change_an_entry(client, coordinator, tokens) -> None:
    donor = register_donor(client, TENANT, coordinator)
    response = client.patch(api_path(TENANT, f"/donors/{donor['id']}"), json={"instructions": "x"},
                            headers=headers(tokens(TENANT, "driver"), **{"If-Match": '"1"'}))
    assert response.status_code == 403, response.text


# -- changing with If-Match, deactivating -------------------------------------------------------------------------

def test_a_change_needs_the_version_read(client, coordinator) -> None:
    donor = register_donor(client, TENANT, coordinator)
    url = api_path(TENANT, f"/donors/{donor['id']}")
    missing = client.patch(url, json={"instructions": "Aan de voorkant."}, headers=headers(coordinator))
    assert missing.status_code == 428, missing.text
    changed = client.patch(url, json={"instructions": "Aan de voorkant.", "municipality": "Diksmuide"},
                           headers=headers(coordinator, **{"If-Match": '"1"'}))
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["instructions"] == "Aan de voorkant." and changed.json()["address"].endswith("Diksmuide")
    assert changed.json()["name"] == donor["name"]  # what was not given stays
    stale = client.patch(url, json={"instructions": "Achteraan."}, headers=headers(coordinator, **{"If-Match": '"1"'}))
    assert stale.status_code == 412, stale.text
    assert client.get(url, headers=headers(coordinator)).json()["instructions"] == "Aan de voorkant."


def test_a_bad_change_changes_nothing(client, coordinator) -> None:
    vehicle = register_vehicle(client, TENANT, coordinator)
    url = api_path(TENANT, f"/vehicles/{vehicle['id']}")
    bad = client.patch(url, json={"name": "Nieuwe naam", "capacity_grams": -5},
                       headers=headers(coordinator, **{"If-Match": '"1"'}))
    refused(bad, "capacity_grams")
    now = client.get(url, headers=headers(coordinator)).json()
    assert now["name"] == vehicle["name"] and now["version"] == 1


def test_deactivating_keeps_the_entry_and_the_filter_follows(client, coordinator) -> None:
    recipient = register_recipient(client, TENANT, coordinator)
    url = api_path(TENANT, f"/recipients/{recipient['id']}")
    off = client.patch(url, json={"active": False}, headers=headers(coordinator, **{"If-Match": '"1"'}))
    assert off.status_code == 200 and off.json()["active"] is False
    name = recipient["name"]
    active = client.get(api_path(TENANT, "/recipients"), params={"q": name, "active": "true"},
                        headers=headers(coordinator))
    inactive = client.get(api_path(TENANT, "/recipients"), params={"q": name, "active": "false"},
                          headers=headers(coordinator))
    assert active.json()["items"] == [] and [r["id"] for r in inactive.json()["items"]] == [recipient["id"]]
    assert client.get(url, headers=headers(coordinator)).status_code == 200


# -- pagination ---------------------------------------------------------------------------------------------------

def test_lists_page_by_cursor_in_a_stable_order(client, coordinator) -> None:
    marker = unique("Paginatest")
    made = [register_vehicle(client, TENANT, coordinator, name=f"{marker} {i}")["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"q": marker, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(api_path(TENANT, "/vehicles"), params=params, headers=headers(coordinator))
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen += [v["id"] for v in page.json()["items"]]
        pages += 1
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == made and pages == 3
    bad = client.get(api_path(TENANT, "/vehicles"), params={"cursor": "nope"}, headers=headers(coordinator))
    assert bad.status_code == 400, bad.text


def test_recipients_filter_by_municipality_and_kind(client, coordinator) -> None:
    marker = unique("Filtertest")
    poperinge = register_recipient(client, TENANT, coordinator, name=f"{marker} A", municipality="Poperinge",
                                   kind="social-grocery")
    register_recipient(client, TENANT, coordinator, name=f"{marker} B", municipality="Ieper")
    by_place = client.get(api_path(TENANT, "/recipients"), params={"q": marker, "municipality": "poperinge"},
                          headers=headers(coordinator))
    assert [r["id"] for r in by_place.json()["items"]] == [poperinge["id"]]
    by_kind = client.get(api_path(TENANT, "/recipients"), params={"q": marker, "kind": "social-grocery"},
                         headers=headers(coordinator))
    assert [r["id"] for r in by_kind.json()["items"]] == [poperinge["id"]]
    wrong = client.get(api_path(TENANT, "/recipients"), params={"municipality": "Gent"}, headers=headers(coordinator))
    assert wrong.status_code == 422, wrong.text
