"""The registry's coordinator pages, served by foodsavers (as the gateway forwards them: the bearer token and the
session's CSRF token as headers, the form's `_csrf` field): the index with the four lists, the categories and
the section navigation; registering a donor through the form and its page with windows and instructions; a
form with a mistake comes back with the message beside the field and everything typed still there; editing with
the version read; roles and another province."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.foodsavers.world import register_donor, register_vehicle, unique

TENANT = "west-vlaanderen"
CSRF = "test-csrf-token"


@pytest.fixture(scope="module")
def foodsavers_url(platform: Any) -> str:
    return str(platform.url("foodsavers"))


def page_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "x-csrf-token": CSRF}


def get_page(url: str, token: str) -> httpx.Response:
    return httpx.get(url, headers=page_headers(token), timeout=30)


def post_form(url: str, token: str, fields: dict[str, Any]) -> httpx.Response:
    return httpx.post(url, headers=page_headers(token), data={"_csrf": CSRF, **fields}, follow_redirects=False,
                      timeout=30)


def test_the_index_lists_the_registry_and_the_categories(foodsavers_url, client, tokens) -> None:
    coordinator = tokens(TENANT, "coordinator")
    donor = register_donor(client, TENANT, coordinator)
    vehicle = register_vehicle(client, TENANT, coordinator)
    index = get_page(f"{foodsavers_url}/{TENANT}/voedsel/register/", coordinator)
    assert index.status_code == 200, index.text
    assert donor["name"] in index.text and vehicle["name"] in index.text and "1.000 kg" in index.text
    for label in ("verse groenten en fruit", "brood en banket", "diepvries", "non-food"):
        assert label in index.text
    # the section navigation, with this section current
    assert f'href="/{TENANT}/voedsel/register/" aria-current="page"' in index.text
    assert f'href="/{TENANT}/voedsel/impact/"' in index.text and f'href="/{TENANT}/voedsel/"' in index.text


def test_a_coordinator_registers_a_donor_through_the_form_and_sees_its_windows_and_instructions(
        foodsavers_url, tokens) -> None:
    coordinator = tokens(TENANT, "coordinator")
    name = unique("Delhaize Ieper")
    form = get_page(f"{foodsavers_url}/{TENANT}/voedsel/register/schenkers/nieuw", coordinator)
    assert form.status_code == 200 and 'name="win_day_1"' in form.text and 'name="instructions"' in form.text
    created = post_form(f"{foodsavers_url}/{TENANT}/voedsel/register/schenkers/nieuw", coordinator, {
        "name": name, "kind": "supermarket", "chain": "Delhaize", "street": "Diksmuidestraat 5",
        "postcode": "8900", "municipality": "33011", "instructions": "Bel aan bij de goederenontvangst.",
        "win_day_1": "2", "win_from_1": "07:30", "win_until_1": "08:15"})
    assert created.status_code in (302, 303), created.text
    location = created.headers["location"]
    assert f"/{TENANT}/voedsel/register/schenkers/" in location
    shown = get_page(f"{foodsavers_url}{location}", coordinator)
    assert shown.status_code == 200
    for text in (name, "Diksmuidestraat 5, 8900 Ieper", "dinsdag", "07:30", "08:15",
                 "Bel aan bij de goederenontvangst.", "Instructies bij aankomst"):
        assert text in shown.text, text


def test_a_form_with_a_mistake_keeps_everything_typed(foodsavers_url, tokens) -> None:
    coordinator = tokens(TENANT, "coordinator")
    name = unique("Sociale kruidenier")
    bad = post_form(f"{foodsavers_url}/{TENANT}/voedsel/register/ontvangers/nieuw", coordinator, {
        "name": name, "kind": "social-grocery", "municipality": "36015", "households": "40",
        "people_served": "-12", "favv_number": "123456", "instructions": "Achterdeur, niet voor 9 uur.",
        "win_day_1": "4", "win_from_1": "11:00", "win_until_1": "10:00"})
    assert bad.status_code == 422, bad.text
    assert 'id="e-people_served"' in bad.text and "niet negatief" in bad.text
    assert 'id="e-win_until_1"' in bad.text and "later eindigen" in bad.text
    assert f'value="{name}"' in bad.text and 'value="40"' in bad.text and 'value="-12"' in bad.text
    assert 'value="123456"' in bad.text and "Achterdeur, niet voor 9 uur.</textarea>" in bad.text
    assert 'value="36015" selected' in bad.text and 'value="11:00"' in bad.text
    # a field that is no number gets its message too, and the rest stays
    worse = post_form(f"{foodsavers_url}/{TENANT}/voedsel/register/voertuigen/nieuw", coordinator, {
        "name": "Bestelwagen", "refrigerated": "ja", "capacity_kg": "veel", "emission_grams_per_km": "210"})
    assert worse.status_code == 422 and 'id="e-capacity_kg"' in worse.text and 'value="210"' in worse.text
    too_big = post_form(f"{foodsavers_url}/{TENANT}/voedsel/register/voertuigen/nieuw", coordinator, {
        "name": "Bestelwagen", "refrigerated": "ja", "capacity_kg": "50000", "emission_grams_per_km": "210"})
    assert too_big.status_code == 422 and 'id="e-capacity_kg"' in too_big.text and "40.000 kg" in too_big.text


def test_editing_uses_the_version_shown(foodsavers_url, client, tokens) -> None:
    coordinator = tokens(TENANT, "coordinator")
    vehicle = register_vehicle(client, TENANT, coordinator)
    url = f"{foodsavers_url}/{TENANT}/voedsel/register/voertuigen/{vehicle['id']}/bewerken"
    form = get_page(url, coordinator)
    assert form.status_code == 200 and 'name="version" value="1"' in form.text and 'value="1000"' in form.text
    fields = {"version": "1", "name": vehicle["name"], "plate": "2-XYZ-987", "refrigerated": "nee",
              "capacity_kg": "750", "emission_grams_per_km": "180", "active": "ja"}
    saved = post_form(url, coordinator, fields)
    assert saved.status_code in (302, 303), saved.text
    now = client.get(f"/{TENANT}/api/foodsavers/vehicles/{vehicle['id']}",
                     headers={"Authorization": f"Bearer {coordinator}"}).json()
    assert now["capacity_grams"] == 750_000 and now["refrigerated"] is False and now["version"] == 2
    stale = post_form(url, coordinator, {**fields, "plate": "3-AAA-111"})
    assert stale.status_code == 412 and "Iemand anders wijzigde" in stale.text and 'value="3-AAA-111"' in stale.text
    assert 'name="version" value="2"' in stale.text


def test_only_coordinators_of_the_province_see_the_pages(foodsavers_url, client, tokens) -> None:
    donor = register_donor(client, TENANT, tokens(TENANT, "coordinator"))
    assert get_page(f"{foodsavers_url}/{TENANT}/voedsel/register/", tokens(TENANT, "driver")).status_code == 403
    assert get_page(f"{foodsavers_url}/{TENANT}/voedsel/register/", tokens(TENANT, "partner")).status_code == 403
    other = get_page(f"{foodsavers_url}/limburg/voedsel/register/schenkers/{donor['id']}",
                     tokens("limburg", "coordinator"))
    assert other.status_code == 404
    unknown = get_page(f"{foodsavers_url}/{TENANT}/voedsel/register/vrachtwagens/nieuw",
                       tokens(TENANT, "coordinator"))
    assert unknown.status_code == 404
