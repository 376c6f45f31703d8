"""A province admin's integration tokens on their page, in Debian's chromium: a mistake is shown beside its field
and nothing typed is lost; the token is shown once and works for the API with the roles given; revoked from the
page, it gets 401 at its next call."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import log_in, unique

pytestmark = pytest.mark.browser

TENANT = "antwerpen"


def test_an_admin_makes_uses_and_revokes_an_integration_token_on_the_page(page: Page, platform) -> None:
    gateway = platform.gateway_url
    log_in(page, gateway, TENANT, "province-admin")
    page.locator("a.card", has_text="Koppelingen").click()
    expect(page.locator("h1")).to_have_text("Koppelingen")

    # No name and no role: both said beside their fields, the days typed are kept.
    page.get_by_label("Geldig (dagen)").fill("30")
    page.get_by_role("button", name="Toegangsbewijs maken").click()
    expect(page.locator("#e-name")).to_contain_text("Geef de koppeling een naam")
    expect(page.locator("#e-roles")).to_contain_text("Kies minstens één rol")
    expect(page.get_by_label("Geldig (dagen)")).to_have_value("30")

    name = unique("Boekhoudpakket")
    page.get_by_label("Naam van de koppeling").fill(name)
    page.get_by_label("regisseur sociale economie").check()
    page.get_by_role("button", name="Toegangsbewijs maken").click()
    expect(page.get_by_role("status")).to_contain_text("Kopieer het nu")
    token = page.get_by_label("Toegangsbewijs", exact=True).input_value()
    assert re.fullmatch(r"regie_[0-9a-f]{32}_[A-Za-z0-9_-]{43}", token)
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("actief")
    expect(row).to_contain_text("regisseur sociale economie")

    read = httpx.get(f"{gateway}/{TENANT}/api/partners/organisations", params={"limit": 1},
                     headers={"authorization": f"Bearer {token}"}, timeout=15)
    assert read.status_code == 200, read.text
    page.reload()  # the answer with the token is never shown again
    expect(page.get_by_label("Toegangsbewijs", exact=True)).to_have_count(0)
    assert token not in page.content()

    page.get_by_role("row").filter(has_text=name).get_by_role(
        "button", name=f"{name} intrekken").click()
    expect(page.locator(".notice--ok")).to_contain_text("is ingetrokken")
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("ingetrokken")
    after = httpx.get(f"{gateway}/{TENANT}/api/partners/organisations", params={"limit": 1},
                      headers={"authorization": f"Bearer {token}"}, timeout=15)
    assert after.status_code == 401


def test_the_page_is_for_the_province_admin_only(page: Page, platform) -> None:
    log_in(page, platform.gateway_url, TENANT, "coordinator")
    answer = page.goto(f"{platform.gateway_url}/{TENANT}/koppelingen/")
    assert answer is not None and answer.status == 403
    expect(page.locator("main")).to_contain_text("provinciebeheerder")
