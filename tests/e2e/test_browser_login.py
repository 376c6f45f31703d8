"""A person logs in to the Antwerpen portal through the real Keycloak in Debian's chromium, sees the portal
home in Dutch with their role, and logs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/gateway-home.png"


def test_an_applicant_logs_in_through_keycloak_sees_the_dutch_portal_home_and_logs_out(
        page: Page, gateway_url: str, keycloak_url: str) -> None:
    page.goto(f"{gateway_url}/antwerpen/")
    expect(page.locator("h1")).to_contain_text("Welkom bij Provincie Antwerpen")
    page.get_by_role("link", name="Aanmelden").click()

    page.wait_for_url(f"{keycloak_url}/realms/antwerpen/**")
    assert page.locator("html").get_attribute("lang", timeout=5000) == "nl"
    expect(page.get_by_label("Wachtwoord", exact=True)).to_be_visible()
    page.get_by_label("Gebruikersnaam").fill("applicant")
    page.get_by_label("Wachtwoord", exact=True).fill("demo")
    page.locator("#kc-login").click()

    page.wait_for_url(f"{gateway_url}/antwerpen/")
    expect(page.locator("h1")).to_contain_text("Welkom, ")
    expect(page.locator("main")).to_contain_text("Provincie Antwerpen")
    expect(page.locator(".roles")).to_contain_text("aanvrager")
    expect(page.get_by_role("link", name=re.compile("Aanvragen"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Jury"))).to_have_count(0)
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("button", name="Afmelden").click()  # a form's button: a POST with the session's token
    page.wait_for_url(f"{gateway_url}/antwerpen/")
    expect(page.locator("h1")).to_contain_text("Welkom bij Provincie Antwerpen")
    expect(page.get_by_role("link", name="Aanmelden")).to_be_visible()
