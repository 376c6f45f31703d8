"""After the decision, as the applicant organisation in Vlaams-Brabant, in Debian's chromium: the rejected
application shows the decision, the letter downloads as a PDF through the gateway, the appeal period's last day
reads in Dutch, an appeal is lodged and listed as received; an appeal after the period is refused in the
service's Dutch words; Berichten lists the decision notice; the awarded application shows its payment plan
(advance payable, balance planned) and takes a progress report with a value per indicator and an attachment,
which then awaits review; when the province asks for changes, its reasons show and the report can be sent again.

The decided calls are tests/grants/decision_world.py's (written into the database, ranked and decided through the
grants API with real tokens): the demo applicant's organisation applied for Schoolvis (awarded € 60.000), Le Petit
Botanique (€ 40.000) and Schilder je dak waterdicht (rejected)."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from shared.portal.formats import day as calendar_day
from tests.e2e.browser import PDF, api, log_in
from tests.grants.decision_world import World, call_in_review, fix_and_decide, notified_days_ago

pytestmark = pytest.mark.browser

TENANT = "vlaams-brabant"
AWARDED, REJECTED = "Schoolvis", "Schilder je dak waterdicht"


def brussels_today() -> date:
    return datetime.now(ZoneInfo("Europe/Brussels")).date()


def award_plan(world: World, within: float = 15.0) -> dict:
    """The plan grants makes from the award event (its consumer runs asynchronously)."""
    deadline = time.monotonic() + within
    while True:
        response = httpx.get(world.url(f"/applications/{world.apps[AWARDED]}/award-plan"),
                             headers=world.as_("applicant"))
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return response.json()
        time.sleep(0.3)


def world_decided(platform, tokens, stack_config, decided_on: date) -> World:
    """A decided call of decision_world. Its setup is async (straight into the database) and Playwright's sync
    API holds this thread's event loop, so it runs to the end on a thread of its own."""
    async def build() -> World:
        world = await call_in_review(platform, tokens, stack_config, TENANT, appeal_days=30)
        await world.app_db.dispose()  # only the setup writes to the database
        return world

    with ThreadPoolExecutor(max_workers=1) as thread:
        world = thread.submit(asyncio.run, build()).result()
    fix_and_decide(world, decided_on)
    return world


@pytest.fixture(scope="module")
def decided(platform, tokens, stack_config) -> World:
    """Decided today; the awarded project's indicators set by the applicant organisation through the API."""
    world = world_decided(platform, tokens, stack_config, brussels_today())
    plan = award_plan(world)
    api("PUT", world.url(f"/applications/{world.apps[AWARDED]}/award-plan/indicators"),
        tokens(TENANT, "applicant"), headers={"If-Match": f'"{plan["version"]}"'},
        json={"indicators": [{"name": "Deelnemers uit de sociale economie", "unit": "personen", "target": "40"},
                             {"name": "Herstelde fietsen", "unit": "stuks", "target": "1250"}]})
    return world


@pytest.fixture(scope="module")
def decided_long_ago(platform, tokens, stack_config) -> World:
    """Decided and notified 31 days ago, with 30 days to appeal: the period is over."""
    world = world_decided(platform, tokens, stack_config, brussels_today() - timedelta(days=31))
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, notified_days_ago(world, 31)).result()
    return world


def test_the_applicant_reads_the_decision_downloads_the_letter_appeals_and_finds_the_notice(
        page: Page, platform, decided: World) -> None:
    gateway = platform.gateway_url
    application = f"aanvragen/{decided.apps[REJECTED]}"
    log_in(page, gateway, TENANT, "applicant", application)

    decision = page.locator("section.decision")
    expect(decision.locator("h2")).to_have_text("Beslissing: geen subsidie")
    last_day = calendar_day(brussels_today() + timedelta(days=30), weekday=True)
    expect(decision.locator(".appeal-period")).to_contain_text("binnen 30 dagen")
    expect(decision.locator(".appeal-period")).to_contain_text(f"De laatste dag is {last_day}")

    # The letter: a PDF streamed through the gateway, with its file name.
    link = page.get_by_role("link", name="Beslissingsbrief downloaden (PDF)")
    letter = page.request.get(gateway + link.get_attribute("href"))
    assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"
    assert re.search(r'filename="beslissing-[0-9a-f-]+\.pdf"', letter.headers["content-disposition"])
    assert letter.body().startswith(b"%PDF-")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")

    # An appeal without grounds is caught beside the field; with grounds it is received and listed.
    page.get_by_role("button", name="Beroep aantekenen").click()
    expect(page.locator(".field__error")).to_contain_text("waarom je het niet eens bent")
    grounds = "De jury woog onze samenwerking met twee maatwerkbedrijven te licht; zie bijlage 3 van onze aanvraag."
    page.get_by_label("Waarom ben je het niet eens met de beslissing?").fill(grounds)
    page.get_by_role("button", name="Beroep aantekenen").click()
    expect(page.locator(".notice--ok")).to_contain_text("Je beroep is ontvangen")
    lodged = page.locator("ul.appeals li").first
    expect(lodged).to_contain_text(grounds)
    expect(lodged.locator(".status")).to_have_text("ontvangen")
    expect(page.get_by_role("button", name="Beroep aantekenen")).to_have_count(0)
    page.screenshot(path="/tmp/portal-after-appeal.png", full_page=True)

    # Berichten: the decision notice grants left (its consumer runs asynchronously).
    page.goto(f"{gateway}/{TENANT}/berichten/")
    notice = page.locator("li.notice-item", has_text=f"«{REJECTED}»: afgewezen").first
    deadline = time.monotonic() + 15
    while notice.count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
    expect(notice).to_contain_text(decided.reference)
    expect(notice.get_by_role("link", name="Beslissingsbrief (PDF)")).to_have_attribute(
        "href", f"/{TENANT}/{application}/beslissingsbrief")
    page.screenshot(path="/tmp/portal-after-notices.png", full_page=True)


def test_after_the_period_the_page_says_when_it_ended_and_offers_no_appeal(
        page: Page, platform, decided_long_ago: World) -> None:
    log_in(page, platform.gateway_url, TENANT, "applicant", f"aanvragen/{decided_long_ago.apps[REJECTED]}")
    period = page.locator("section.decision .appeal-period")
    ended = calendar_day(brussels_today() - timedelta(days=1), weekday=True)
    expect(period).to_contain_text(f"De termijn liep af op {ended}")
    expect(page.get_by_label("Waarom ben je het niet eens met de beslissing?")).to_have_count(0)
    expect(page.get_by_role("button", name="Beroep aantekenen")).to_have_count(0)
    page.screenshot(path="/tmp/portal-after-appeal-late.png", full_page=True)


def test_the_awarded_applicant_sees_the_payment_plan_and_reports_progress_for_review(
        page: Page, platform, tokens, decided: World) -> None:
    gateway = platform.gateway_url
    log_in(page, gateway, TENANT, "applicant", f"aanvragen/{decided.apps[AWARDED]}")
    expect(page.locator("section.decision h2")).to_have_text("Beslissing: subsidie toegekend")
    expect(page.locator(".decision__verdict")).to_contain_text("€ 60.000,00")

    tranches = page.locator("table.tranches tbody tr")
    expect(tranches).to_have_count(2)
    expect(tranches.nth(0)).to_contain_text("Voorschot")
    expect(tranches.nth(0)).to_contain_text("€ 36.000,00")
    expect(tranches.nth(0).locator(".status")).to_have_text("betaalbaar")
    expect(tranches.nth(1)).to_contain_text("Saldo")
    expect(tranches.nth(1)).to_contain_text("€ 24.000,00")
    expect(tranches.nth(1).locator(".status")).to_have_text("gepland")
    expect(page.locator("table.indicators")).to_contain_text("1250 stuks")

    progress = page.locator("section.report", has=page.locator("#rapport-progress"))
    expect(progress.locator(".status")).to_have_text("te bezorgen")
    progress.get_by_label(re.compile("^Deelnemers uit de sociale economie")).fill("38")
    progress.get_by_label(re.compile("^Herstelde fietsen")).fill("veel")
    progress.get_by_label("Hoe loopt het project?").fill("Het fietsatelier draait sinds maart op volle kracht.")
    progress.get_by_role("button", name="Voortgangsrapport indienen").click()
    progress = page.locator("section.report", has=page.locator("#rapport-progress"))
    expect(progress.locator(".field__error")).to_contain_text("als een getal")
    expect(progress.get_by_label("Hoe loopt het project?")).to_have_value(
        "Het fietsatelier draait sinds maart op volle kracht.")
    progress.get_by_label(re.compile("^Herstelde fietsen")).fill("1.312,5")
    progress.get_by_label(re.compile("^Bijlage")).set_input_files(
        files=[{"name": "fotos-atelier.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    progress.get_by_role("button", name="Voortgangsrapport indienen").click()

    expect(page.locator(".notice--ok")).to_contain_text("Je voortgangsrapport is ingediend")
    progress = page.locator("section.report", has=page.locator("#rapport-progress"))
    expect(progress.locator(".status")).to_have_text("ingediend, wacht op beoordeling")
    expect(progress.get_by_role("link", name="fotos-atelier.pdf")).to_be_visible()
    expect(page.locator("table.indicators")).to_contain_text("1312,5")
    stored = award_plan(decided)
    report = next(r for r in stored["reports"] if r["kind"] == "progress")
    assert report["status"] == "submitted" and sorted(report["values"].values()) == ["1312.5", "38"]
    assert report["attachment"]["filename"] == "fotos-atelier.pdf"
    page.screenshot(path="/tmp/portal-after-award.png", full_page=True)

    # The province asks for changes: its reasons show, and the report can be sent again as it was.
    progress_report = next(r for r in award_plan(decided)["reports"] if r["kind"] == "progress")
    api("POST", decided.url(f"/applications/{decided.apps[AWARDED]}/reports/progress/review"),
        tokens(TENANT, "call-manager"), headers={"If-Match": f'"{progress_report["version"]}"'},
        json={"outcome": "changes-requested", "reasons": "Voeg de aanwezigheidslijsten van het atelier toe."})
    page.reload()
    progress = page.locator("section.report", has=page.locator("#rapport-progress"))
    expect(progress.locator(".status")).to_have_text("aanpassingen gevraagd")
    expect(progress.locator(".notice--warning")).to_contain_text("aanwezigheidslijsten")
    expect(progress.get_by_label(re.compile("^Herstelde fietsen"))).to_have_value("1312,5")
    progress.get_by_role("button", name="Voortgangsrapport indienen").click()
    expect(page.locator(".notice--ok")).to_contain_text("Je voortgangsrapport is ingediend")
    page.screenshot(path="/tmp/portal-after-resubmit.png", full_page=True)
