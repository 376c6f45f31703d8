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
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import log_in
from tests.grants.decision_world import World, call_in_review, fix_and_decide

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
