"""The partner and coordinator portals in Debian's chromium: a partner finds its plan on its landing page and enters
a realisation with an evidence file on the plan's page, the coordinator approves it on the review page, and the
yearly report then holds the value, in the PDF (its extracted text) and in the spreadsheet (the cell, read back with
openpyxl). And the public catalogue: searched without login, through the gateway, by free text without the accent
and by rubric."""

from __future__ import annotations

import io
import uuid

import httpx
import openpyxl
import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.browser import PDF, log_in, log_out
from tests.partners.plans_world import PlansApi

pytestmark = pytest.mark.browser

TENANT = "limburg"
YEAR = 2026


@pytest.fixture()
def active_plan(platform, tokens) -> tuple[PlansApi, dict, str]:
    """An active agreement with the demo partner's organisation as a party and one entered indicator with a target
    for YEAR, built through partners' API by the coordinator."""
    api = PlansApi(platform.url("partners"), tokens, TENANT)
    organisation = api.organisation_of("partner", "Maatwerkbedrijf Limburg")
    plan = api.new_plan(title=f"Browsertest: samenwerking {uuid.uuid4().hex[:6]}", starts_on="2025-01-01",
                        ends_on="2027-12-31", municipalities=["Hasselt"],
                        parties=[{"name": "VDAB", "role": "VDAB"},
                                 {"organisation_id": organisation, "name": "Maatwerkbedrijf Limburg",
                                  "role": "uitvoerder"}])
    framework = api.post(f"/plans/{plan['id']}/framework", {"objectives": [{
        "code": "1", "title": "Meer plaatsen in de sociale economie",
        "actions": [{"code": "1.1", "title": "Trajecten naar werk", "indicators": [
            {"name": "deelnemers aan een traject", "unit": "deelnemers", "targets": {str(YEAR): "120"}}]}]}]})
    assert framework.status_code == 201, framework.text
    indicator = framework.json()["objectives"][0]["actions"][0]["indicators"][0]["id"]
    api.move(api.signed(api.fresh(plan)), "active")
    return api, plan, indicator


def test_a_realisation_entered_with_evidence_and_approved_is_in_the_report_pdf_and_spreadsheet(
        page: Page, gateway_url: str, active_plan) -> None:
    api, plan, indicator = active_plan
    narrative = "Honderdzevenendertig deelnemers, waarvan 40 doorgestroomd naar regulier werk."

    log_in(page, gateway_url, TENANT, "partner", "partner/")
    # the landing page lists the plans the partner's organisation is party to, with the way to its realisations
    plans = page.locator("section", has=page.get_by_role("heading", name="Overeenkomsten en plannen"))
    plans.get_by_role("row", name=plan["title"]).get_by_role("link", name="Realisaties invullen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(plan["title"])
    form = page.locator(f"#i-{indicator}")
    form.get_by_label("Jaar", exact=True).select_option(str(YEAR))
    form.get_by_label("Waarde (deelnemers)").fill("137")
    form.get_by_label("Toelichting").fill(narrative)
    form.get_by_label("Bewijsstuk").set_input_files(
        {"name": "aanwezigheidslijsten.pdf", "mimeType": "application/pdf", "buffer": PDF})
    form.get_by_role("button", name="Indienen").click()
    row = page.locator(f"#i-{indicator} table.realisations tbody tr").first
    expect(row).to_contain_text("137")
    expect(row).to_contain_text("ingediend")
    expect(row.get_by_role("link", name="aanwezigheidslijsten.pdf")).to_be_visible()
    log_out(page, gateway_url, TENANT)

    submitted = api.get(f"/indicators/{indicator}/realisations").json()
    (realisation,) = [r for r in submitted if r["year"] == YEAR]
    assert realisation["status"] == "submitted" and realisation["value"] in ("137", "137.000")

    log_in(page, gateway_url, TENANT, "coordinator", "samenwerking/realisaties/")
    review = page.locator(f"#r-{realisation['id']}")
    expect(review).to_contain_text(narrative)
    review.get_by_role("button", name="Goedkeuren").click()
    expect(page.locator(".flash, [role=status]").first).to_be_visible()
    approved = api.get(f"/realisations/{realisation['id']}").json()
    assert approved["status"] == "approved"

    pdf = page.request.get(f"{gateway_url}/{TENANT}/samenwerking/plannen/{plan['id']}/rapport.pdf?jaar={YEAR}")
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "137" in text and "Honderdzevenendertig deelnemers" in text, text
    assert "deelnemers aan een traject" in text

    xlsx = page.request.get(f"{gateway_url}/{TENANT}/samenwerking/plannen/{plan['id']}/rapport.xlsx?jaar={YEAR}")
    assert xlsx.ok
    book = openpyxl.load_workbook(io.BytesIO(xlsx.body()))
    sheet = book["Indicatoren"]
    headers = [cell.value for cell in sheet[1]]
    rows = [dict(zip(headers, (c.value for c in r), strict=False)) for r in sheet.iter_rows(min_row=2)]
    (mine,) = [r for r in rows if r.get("Indicator") == "deelnemers aan een traject"]
    realised = next(value for key, value in mine.items() if key and key.startswith("Realisatie"))
    assert realised == 137 and isinstance(realised, int | float)


def test_the_public_catalogue_is_searched_without_login(page: Page, gateway_url: str, platform, tokens) -> None:
    api = PlansApi(platform.url("partners"), tokens, TENANT)
    name = f"Café De Hefboom {uuid.uuid4().hex[:6]}"
    first8 = f"08{uuid.uuid4().int % 1_000_000:06d}"
    registered = api.post("/organisations", {
        "enterprise_number": f"{first8}{97 - int(first8) % 97:02d}", "name": name, "kind": "maatwerkbedrijf",
        "municipality": "Genk",
        "offerings": [{"rubric": "catering", "kind": "service", "description": "Broodjeslunch en soep"}]})
    assert registered.status_code == 201, registered.text

    page.goto(f"{gateway_url}/{TENANT}/catalogus/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label("Zoek op naam, product of dienst").fill("cafe hefboom")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_text(name)).to_be_visible()
    assert "aanmelden" not in page.url
    public = httpx.get(f"{gateway_url}/{TENANT}/api/partners/public/catalogue", params={"q": "broodjeslunch"},
                       timeout=20)
    assert public.status_code == 200, public.text
    assert name in [item["name"] for item in public.json()["items"]]
