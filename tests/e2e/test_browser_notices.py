"""The unread notices in the portal's header, as the demo applicant in West-Vlaanderen, in Debian's chromium: a
decided call leaves a notice per application; every page's "Berichten" link then carries the unread count as a
badge on every grants page (and says it to a screen reader: "Berichten, 3 ongelezen"); Berichten marks the unread
ones "Nieuw";
viewing the page marks nothing; "Gelezen" marks one, and pressing "Alles gelezen" marks what the page showed
read, and the badge is gone.

The decided call is tests/grants/decision_world.py's: the demo applicant's organisation applied for Schoolvis,
Le Petit Botanique and Schilder je dak waterdicht."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import log_in
from tests.e2e.test_notices_across_services import Notices, about_plan, eventually, submit_and_send_back
from tests.grants.decision_world import World, call_in_review, fix_and_decide
from tests.partners.api.facts_world import World as PartnersWorld
from tests.partners.api.facts_world import plan_in

pytestmark = pytest.mark.browser

TENANT = "west-vlaanderen"
MINE = ("Schoolvis", "Le Petit Botanique", "Schilder je dak waterdicht")


def unread_count(world: World) -> int:
    response = httpx.get(world.url("/notices/unread-count"), headers=world.as_("applicant"))
    assert response.status_code == 200, response.text
    return response.json()["unread"]


@pytest.fixture(scope="module")
def decided(platform, tokens, stack_config) -> World:
    """A decided call, once grants' consumer has left the applicant its notices (asynchronously)."""
    async def build() -> World:
        world = await call_in_review(platform, tokens, stack_config, TENANT)
        await world.app_db.dispose()  # only the setup writes to the database
        return world

    # Playwright's sync API holds this thread's event loop: the async setup runs on a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        world = thread.submit(asyncio.run, build()).result()
    fix_and_decide(world, datetime.now(ZoneInfo("Europe/Brussels")).date())
    wanted = {f"/applications/{world.apps[title]}/letter" for title in MINE}
    deadline = time.monotonic() + 20
    while True:
        unread = httpx.get(world.url("/notices"), headers=world.as_("applicant"),
                           params={"unread": "true", "limit": 200}).json()
        if wanted <= {n["link"].removeprefix(f"/{TENANT}/api/grants") for n in unread}:
            return world
        assert time.monotonic() < deadline, "the decision's notices did not arrive"
        time.sleep(0.3)


def test_the_header_counts_unread_notices_and_alles_gelezen_clears_the_count(
        page: Page, platform, decided: World) -> None:
    gateway = platform.gateway_url
    count = unread_count(decided)
    assert count >= len(MINE)
    log_in(page, gateway, TENANT, "applicant", "aanvragen/")

    # Every grants page's header: the count as a badge, and in the link's name for a screen reader.
    account = page.get_by_role("navigation", name="Account")
    link = account.get_by_role("link", name=f"Berichten, {count} ongelezen", exact=True)
    expect(link).to_be_visible()
    expect(link.locator(".unread-count")).to_have_text(str(count))
    page.screenshot(path="/tmp/portal-notices-badge.png")

    # Berichten: the decision's notices stand out as new until the person says they read them.
    link.click()
    page.wait_for_url(f"{gateway}/{TENANT}/berichten/")
    def notice_of(title: str) -> Locator:
        """This decision's notice (the stack may keep older decisions of projects with the same title)."""
        letter = f"/{TENANT}/aanvragen/{decided.apps[title]}/beslissingsbrief"
        return page.locator("li.notice-item", has=page.locator(f'a[href="{letter}"]'))

    for title in MINE:
        notice = notice_of(title)
        expect(notice).to_have_class("panel notice-item notice-item--unread")
        expect(notice.locator(".status")).to_have_text("Nieuw")
    expect(page.locator("li.notice-item--unread")).to_have_count(count)
    page.screenshot(path="/tmp/portal-notices-unread.png", full_page=True)
    assert unread_count(decided) == count  # viewing the page marks nothing: a GET changes no state

    # One notice read by its own button: the badge counts one less.
    schoolvis = notice_of("Schoolvis")
    schoolvis.get_by_role("button", name="Gelezen").click()
    expect(schoolvis).to_have_class("panel notice-item")
    expect(account.get_by_role("link", name=f"Berichten, {count - 1} ongelezen", exact=True)).to_be_visible()

    page.get_by_role("button", name="Alles gelezen").click()
    expect(page.locator(".notice--ok")).to_contain_text("Alle getoonde berichten zijn als gelezen gemarkeerd")
    expect(account.get_by_role("link", name="Berichten", exact=True)).to_be_visible()
    expect(account.locator(".unread-count")).to_have_count(0)
    expect(page.locator("li.notice-item--unread")).to_have_count(0)
    expect(page.get_by_role("button", name="Alles gelezen")).to_have_count(0)
    assert unread_count(decided) == 0
    page.screenshot(path="/tmp/portal-notices-read.png", full_page=True)


def test_a_person_chooses_in_english_which_notices_come_by_e_mail_and_partners_pages_count_theirs(
        page: Page, platform, tokens, partners_url: str) -> None:
    gateway = platform.gateway_url
    preferences = f"{gateway}/{TENANT}/api/grants/notices/preferences"
    as_partner = {"Authorization": f"Bearer {tokens(TENANT, 'partner')}"}
    sent_back = plan_in(PartnersWorld(partners_url, TENANT, tokens))  # a realisation sent back: a notice
    submit_and_send_back(sent_back, "Bewijsstukken ontbreken.")
    assert eventually(lambda: about_plan(Notices(gateway, tokens, TENANT).of("partner"), sent_back))
    log_in(page, gateway, TENANT, "partner")
    page.locator("form.languages").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    try:
        # The home page (the gateway's) and a partners page count the notices grants lists for this person: one
        # list, whichever part serves the page.
        unread = httpx.get(f"{gateway}/{TENANT}/api/grants/notices/unread-count", headers=as_partner).json()["unread"]
        assert unread >= 1
        account = page.get_by_role("navigation", name="Account")
        for path in ("", "partner/"):
            page.goto(f"{gateway}/{TENANT}/{path}")
            expect(account.get_by_role("link", name=f"Messages, {unread} unread", exact=True)).to_be_visible()

        account.get_by_role("link", name=re.compile("^Messages")).click()
        page.get_by_role("link", name="Choose which messages you also get by e-mail").click()
        expect(page.locator("h1")).to_have_text("Messages by e-mail")
        expect(page.get_by_text(f"E-mails go to partner@{TENANT}.regie.test")).to_be_visible()
        decided = page.get_by_label("An application has been decided")
        decided.uncheck()
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".notice--ok")).to_have_text("Your choice has been saved.")
        page.reload()
        expect(page.get_by_label("An application has been decided")).not_to_be_checked()
        expect(page.get_by_label("A result has been sent back")).to_be_checked()
        chosen = httpx.get(preferences, headers=as_partner).json()
        assert chosen["language"] == "en"  # the e-mails now come in the language of the pages
        assert {k["kind"] for k in chosen["kinds"] if not k["by_email"]} == {"application.decided"}
    finally:
        every = [k["kind"] for k in httpx.get(preferences, headers=as_partner).json()["kinds"]]
        httpx.put(preferences, headers=as_partner, json={"by_email": every})
        page.locator("form.languages").get_by_role("button", name="Nederlands").click()
        expect(page.locator("html")).to_have_attribute("lang", "nl-BE")
