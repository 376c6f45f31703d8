"""The portals for everyone, in Debian's chromium: every kind of page each role reaches from its home, and the
public pages, checked by axe-core (WCAG 2.0/2.1 A and AA rules) with zero violations; each role's portals in
French and in English, switched on the page and remembered in the Keycloak account (the next login, and the
login page itself, speak it); the applicant's submit and the driver's pickup done with the keyboard alone, with
a visible focus on every stop; and two provinces at their own host names, each with its own session, colour and
logo.

axe-core comes from the npm registry (`make install` caches it under ~/.cache/regie) and is evaluated in the page
(the context bypasses the pages' Content-Security-Policy for that script only)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from devstack.realms import DEMO_NAMES, enterprise_number
from shared import i18n
from tests.e2e.browser import PDF, api, if_match, log_in, published_call, unique
from tests.e2e.test_browser_portal_pages import TILE_PAGES
from tests.foodsavers.logbook_world import a_round

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE = Path.home() / ".cache" / "regie" / f"axe-core-{AXE_VERSION}" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TENANT = "limburg"
ROLES = ("applicant", "juror", "call-manager", "partner", "coordinator", "driver", "province-admin")
MAX_KINDS = 40
"""Pages of one kind (the same path with other ids) are checked once; at most this many kinds per role."""
ID_SEGMENT = re.compile(r"/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)(?=/|$)")
NOT_PAGES = re.compile(r"/afmelden|/bestanden/|/download|\.(?:pdf|xlsx|csv|json|zip|svg|png)(?:$|\?)")


@pytest.fixture
def checked(browser: Browser) -> Iterator[Page]:
    assert AXE.is_file(), f"{AXE} is missing: run make install"
    context = browser.new_context(locale="nl-BE", timezone_id="Europe/Brussels", bypass_csp=True,
                                  viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    return list(page.evaluate("""async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
        .violations.map(v => ({id: v.id, impact: v.impact,
                               nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))""", WCAG))


def kind_of(path: str) -> str:
    return ID_SEGMENT.sub("/{id}", path.split("?", 1)[0].split("#", 1)[0])


def crawl(page: Page, gateway: str, start: list[str], tenant: str = TENANT) -> tuple[int, dict[str, Any]]:
    """Every kind of page reachable by links from `start` within the province: the number checked, and the
    violations found per page."""
    queue, kinds, found, checked = list(start), set[str](), dict[str, Any](), 0
    while queue and len(kinds) < MAX_KINDS:
        path = queue.pop(0)
        if kind_of(path) in kinds:
            continue
        kinds.add(kind_of(path))
        try:
            response = page.goto(gateway + path)
        except PlaywrightError as exc:  # a link to a file (a letter, an export): not a page
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        checked += 1
        if problems := violations(page):
            found[path] = problems
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            href = (href or "").split("#", 1)[0]
            if href.startswith(f"/{tenant}/") and not NOT_PAGES.search(href) and kind_of(href) not in kinds:
                queue.append(href)
    return checked, found


@pytest.mark.parametrize("role", ROLES)
def test_every_kind_of_page_a_role_reaches_passes_axe(checked: Page, platform, role: str) -> None:
    gateway = platform.gateway_url
    log_in(checked, gateway, TENANT, role)
    count, found = crawl(checked, gateway, [f"/{TENANT}/"])
    print(f"{role}: {count} kinds of page checked by axe-core {AXE_VERSION}")
    assert count >= 3  # the home, the role's portal and what it links to
    assert found == {}


def test_the_public_pages_and_the_error_page_pass_axe(checked: Page, platform) -> None:
    gateway = platform.gateway_url
    for path in ("/", "/?taal=en", "/api/"):
        checked.goto(gateway + path)
        assert violations(checked) == [], path
    count, found = crawl(checked, gateway, [f"/{TENANT}/", f"/{TENANT}/catalogus/"])
    print(f"anonymous: {count} kinds of page checked")
    assert found == {}
    log_in(checked, gateway, TENANT, "applicant")
    refused = checked.goto(f"{gateway}/{TENANT}/provincie/")
    assert refused is not None and refused.status == 403  # the gateway's error page
    assert violations(checked) == []
    for lang in ("Français", "English"):
        checked.get_by_role("button", name=lang).click()
        assert violations(checked) == []


def switch_to(page: Page, language_name: str) -> None:
    page.locator("form.languages").get_by_role("button", name=language_name).click()


def in_(lang: str, dutch: str) -> str:
    with i18n.speaking(lang):
        return i18n.gettext(dutch)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("role", sorted(TILE_PAGES))
def test_each_roles_portals_in_french_and_english(page: Page, platform, role: str, lang: str) -> None:
    gateway = platform.gateway_url
    log_in(page, gateway, TENANT, role)
    switch_to(page, i18n.NAMES[lang])
    expect(page.locator("html")).to_have_attribute("lang", i18n.HTML_LANG[lang])
    first, last = DEMO_NAMES[role]
    expect(page.locator("h1")).to_have_text(in_(lang, "Welkom, %(name)s") % {"name": f"{first} {last}"})
    titles = [in_(lang, title) for title in TILE_PAGES[role]]
    assert titles != list(TILE_PAGES[role])  # translated, not the Dutch
    expect(page.locator("a.card .card__title")).to_have_text(titles)
    for title, heading in TILE_PAGES[role].items():
        page.goto(f"{gateway}/{TENANT}/")
        page.locator("a.card", has=page.locator(".card__title", has_text=in_(lang, title))).first.click()
        expect(page.locator("html")).to_have_attribute("lang", i18n.HTML_LANG[lang])
        if isinstance(heading, str):
            expect(page.locator("h1")).to_have_text(in_(lang, heading))
        expect(page.locator("form.languages [aria-current=true]")).to_have_text(i18n.NAMES[lang])
    switch_to(page, "Nederlands")  # the account's language back to Dutch, for the other tests
    expect(page.locator("html")).to_have_attribute("lang", "nl-BE")


def test_the_language_is_kept_in_the_account_and_the_login_page_speaks_it(browser: Browser, platform) -> None:
    gateway = platform.gateway_url
    first = browser.new_context(locale="nl-BE")
    page = first.new_page()
    log_in(page, gateway, TENANT, "juror")
    switch_to(page, "English")
    expect(page.locator("h1")).to_have_text("Welcome, Jan Janssens")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{gateway}/{TENANT}/")
    page.goto(f"{gateway}/{TENANT}/aanmelden")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # Keycloak's login page, in English
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    first.close()
    # Another browser, a Dutch one: the account's language wins after login.
    second = browser.new_context(locale="nl-BE")
    page = second.new_page()
    page.goto(f"{gateway}/{TENANT}/aanmelden")
    page.locator("#username").fill("juror")
    page.locator("#password").fill("demo")
    page.locator("#kc-login").click()
    page.wait_for_url(f"{gateway}/{TENANT}/")
    expect(page.locator("h1")).to_have_text("Welcome, Jan Janssens")
    switch_to(page, "Nederlands")  # and back, for the other tests
    expect(page.locator("h1")).to_have_text("Welkom, Jan Janssens")
    second.close()


# ---- the keyboard alone ----------------------------------------------------------------------------------

FOCUSED = """() => { const e = document.activeElement; if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), text: (e.innerText || e.value || '').trim().slice(0, 80),
          label: e.labels && e.labels[0] ? e.labels[0].innerText.trim() : (e.getAttribute('aria-label') || ''),
          visible: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'}; }"""


def tab_to(page: Page, matches: re.Pattern[str], limit: int = 80) -> dict[str, Any]:
    """Tab until the focused element's text or label matches; every element on the way shows its focus."""
    page.wait_for_load_state("load")  # an Enter before may have started a navigation
    for _step in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["visible"], f"no visible focus on {focused} ({page.url})"
        if matches.search(focused["text"]) or matches.search(focused["label"]):
            return dict(focused)
    raise AssertionError(f"no element matching {matches.pattern} within {limit} tabs")


def test_an_applicant_drafts_and_submits_with_the_keyboard_alone(page: Page, platform, tokens) -> None:
    gateway, grants = platform.gateway_url, platform.url("grants")
    tenant = "oost-vlaanderen"
    call = published_call(grants, tenant, tokens(tenant, "call-manager"), unique("Toetsenbord"), timedelta(minutes=10))
    log_in(page, gateway, tenant, "applicant", f"oproepen/{call['id']}")
    tab_to(page, re.compile("^Aanvraag starten$"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Titel van het project")).to_be_visible()
    for label, typed in (("Titel van het project", "Met het toetsenbord"), ("Samenvatting", "Alles zonder muis."),
                         ("Looptijd in maanden", "12"), ("Naam van je organisatie", "Toetsen bv"),
                         ("Totale projectkost in euro", "20.000,00"), ("Gevraagde subsidie in euro", "10.000,00")):
        tab_to(page, re.compile(f"^{re.escape(label)}"))
        page.keyboard.type(typed)
    tab_to(page, re.compile("^Concept bewaren$"))
    page.keyboard.press("Enter")
    expect(page.locator(".notice--ok")).to_contain_text("Je concept is bewaard")
    application_id = page.url.rsplit("/", 1)[-1].split("#")[0]

    # The co-applicant's confirmation and the attachment through the API; the submit by keyboard again.
    applicant, partner = tokens(tenant, "applicant"), tokens(tenant, "partner")
    base = f"{grants}/{tenant}/applications/{application_id}"
    number = enterprise_number(tenant, "partner")
    added = api("POST", f"{base}/co-applicants", applicant, headers=if_match(api("GET", base, applicant)),
                json={"enterprise_number": number, "role": "social-economy-enterprise", "name": "De Ketting"})
    api("POST", f"{base}/co-applicants/{number}/confirm", partner, headers=if_match(added))
    api("POST", f"{base}/attachments", applicant, params={"code": "begroting", "filename": "begroting.pdf"},
        content=PDF, headers={"content-type": "application/pdf"})
    page.reload()
    tab_to(page, re.compile("^Aanvraag indienen$"))
    page.keyboard.press("Enter")
    expect(page.locator(".notice--ok")).to_contain_text("Je aanvraag is ingediend")
    assert api("GET", base, applicant)["status"] == "submitted"


def choose_by_keyboard(page: Page, wanted: str) -> None:
    """On a focused <select>: arrow down until the wanted option is chosen."""
    for _step in range(40):
        if page.evaluate("() => document.activeElement.selectedOptions[0]?.text.trim()") == wanted:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {wanted!r} not reached")


def test_a_driver_logs_a_pickup_with_the_keyboard_alone(browser: Browser, platform, tokens) -> None:
    gateway, tenant = platform.gateway_url, "limburg"
    client = httpx.Client(base_url=gateway, timeout=30)
    todays = a_round(client, tenant, tokens, driver="driver3", capacity_grams=800_000)
    context = browser.new_context(locale="nl-BE", timezone_id="Europe/Brussels",
                                  viewport={"width": 1100, "height": 900}, service_workers="allow")
    page = context.new_page()
    try:
        log_in(page, gateway, tenant, "driver3", "chauffeur/")
        expect(page.locator(f"#round-{todays.id}")).to_be_visible()
        # The driver may have several rounds today: the keyboard starts from this one (a fragment sets where
        # sequential focus navigation starts, as a skip link would).
        page.evaluate(f"location.hash = '#round-{todays.id}'")
        tab_to(page, re.compile("^Ophaling registreren$"))
        page.keyboard.press("Enter")
        tab_to(page, re.compile("^Categorie"))
        choose_by_keyboard(page, "verse groenten en fruit")
        tab_to(page, re.compile("^Gewicht"))
        page.keyboard.type("7,5")
        tab_to(page, re.compile("^Soort datum"))
        choose_by_keyboard(page, "geen datum")
        tab_to(page, re.compile("^Ophaling opslaan$"))
        assert page.evaluate("[...document.querySelectorAll('#view-form :invalid')].map(e => e.name)") == []
        page.keyboard.press("Enter")
        deadline = time.monotonic() + 40
        while not (book := todays.logbook())["pickups"] and time.monotonic() < deadline:
            time.sleep(0.3)
        assert [line["grams"] for pickup in book["pickups"] for line in pickup["lines"]] == [7_500]
        assert book["pickups"][0]["stop_id"] == todays.stops[0]["id"]
        expect(page.locator("#app[data-queue='0']")).to_have_count(1, timeout=40_000)
    finally:
        context.close()
        client.close()


# ---- the front door per province ---------------------------------------------------------------------------

SIGNED_IN = re.compile(r"^(Welkom|Bienvenue|Welcome), Sofie Willems$")
"""In whatever language the account last chose."""


def test_two_provinces_at_their_own_host_names_keep_their_own_sessions(browser: Browser, platform,
                                                                        stack_config) -> None:
    """Chromium resolves every *.localhost name to this machine by itself: no DNS to set up."""
    port = stack_config.ports["gateway"]
    context = browser.new_context(locale="nl-BE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        for tenant, other in (("west-vlaanderen", "limburg"), ("limburg", "west-vlaanderen")):
            origin = f"http://{tenant}.{stack_config.province_domain}:{port}"
            page.goto(f"{origin}/")
            assert page.url == f"{origin}/{tenant}/"
            expect(page.locator("body")).to_have_class(f"province-{tenant}")
            expect(page.locator(".brand__logo")).to_have_attribute("src", f"/static/provinces/{tenant}.svg")
            page.get_by_role("link", name="Aanmelden").click()
            page.locator("#username").fill("coordinator")
            page.locator("#password").fill("demo")
            page.locator("#kc-login").click()
            page.wait_for_url(f"{origin}/{tenant}/")  # back on the province's own host
            expect(page.locator("h1")).to_have_text(SIGNED_IN)
            # A link to the other province leads to its own host, which has no session from this one.
            page.goto(f"{origin}/{other}/")
            assert page.url == f"http://{other}.{stack_config.province_domain}:{port}/{other}/"
            if tenant == "west-vlaanderen":
                expect(page.get_by_role("link", name="Aanmelden")).to_be_visible()
        # Both sessions live on, one per host.
        for tenant in ("west-vlaanderen", "limburg"):
            page.goto(f"http://{tenant}.{stack_config.province_domain}:{port}/{tenant}/")
            expect(page.locator("h1")).to_have_text(SIGNED_IN)
        # The background colour of the header is the province's, from its configuration.
        colour = page.evaluate("getComputedStyle(document.querySelector('.top')).backgroundColor")
        assert colour == "rgb(0, 87, 125)"  # limburg: #00577d
    finally:
        context.close()
