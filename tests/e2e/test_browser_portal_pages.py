"""The portal pages through the gateway, with a real login in Debian's chromium: a page asked for before
logging in leads to the province's Keycloak login and back to that page; every tile on the home page opens a
page its service renders in the kit's layout; and a page a role may not use is the gateway's Dutch error page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import log_in

pytestmark = pytest.mark.browser

TENANT = "limburg"
CATALOGUE = {"Catalogus sociale economie": "Catalogus sociale economie"}
TILE_PAGES: dict[str, dict[str, str | re.Pattern[str]]] = {
    # role → the tiles its home shows, and the heading of the page each tile opens (grants', partners' or
    # foodsavers')
    "applicant": {"Aanvragen": "Aanvragen", **CATALOGUE},
    "juror": {"Jury": "Jury", **CATALOGUE},
    "call-manager": {"Aanvragen": "Aanvragen", "Oproepen beheren": "Oproepen", **CATALOGUE},
    "partner": {"Aanvragen": "Aanvragen", "Mijn organisatie": "Mijn organisatie", **CATALOGUE},
    "driver": {**CATALOGUE, "Chauffeur": "Mijn rit van vandaag"},
    "coordinator": {"Samenwerking en regie": "Samenwerking en regie",
                    "Provinciaal overzicht": re.compile(r"^Provinciaal overzicht \d{4}$"), **CATALOGUE,
                    "Voedselherverdeling": "Voedselherverdeling: overzicht"},
}


def test_a_page_asked_for_before_login_leads_through_the_login_and_back(page: Page, platform) -> None:
    gateway = platform.gateway_url
    page.goto(f"{gateway}/{TENANT}/jury/")
    expect(page.get_by_label("Gebruikersnaam")).to_be_visible()  # the realm's own login page
    assert page.url.startswith(platform.keycloak_url)
    page.get_by_label("Gebruikersnaam").fill("juror")
    page.get_by_label("Wachtwoord", exact=True).fill("demo")
    page.locator("#kc-login").click()
    page.wait_for_url(f"{gateway}/{TENANT}/jury/")
    expect(page.locator("h1")).to_have_text("Jury")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Afmelden")


@pytest.mark.parametrize("role", sorted(TILE_PAGES))
def test_every_tile_opens_a_page_of_its_service_in_the_kits_layout(page: Page, platform, role: str) -> None:
    gateway = platform.gateway_url
    log_in(page, gateway, TENANT, role)
    tiles = page.locator("a.card .card__title")
    expect(tiles).to_have_text(list(TILE_PAGES[role]))
    for title, heading in TILE_PAGES[role].items():
        page.goto(f"{gateway}/{TENANT}/")
        page.locator("a.card", has=page.locator(".card__title", has_text=re.compile(f"^{re.escape(title)}$"))).click()
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator("link[rel=stylesheet][href='/static/regie.css']")).to_have_count(1)
        expect(page.get_by_role("link", name=re.compile(r"^Berichten"))).to_be_visible()


def test_a_page_the_role_may_not_use_is_the_gateways_dutch_error_page(page: Page, platform) -> None:
    gateway = platform.gateway_url
    log_in(page, gateway, TENANT, "driver")
    response = page.goto(f"{gateway}/{TENANT}/provincie/")
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text("deze pagina is er niet voor jouw rol in deze provincie")
    expect(page.get_by_role("link", name="Naar de startpagina")).to_be_visible()
