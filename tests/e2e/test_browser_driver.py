"""The driver's app in Debian's chromium at a phone's size (360 × 740, touch): the driver opens today's round, the
network is cut (Playwright's offline mode), a pickup (two lines, one chilled with its temperature) and a delivery
are logged and wait on the phone as "nog niet verzonden", the page is reloaded without network (the service worker
serves the shell, IndexedDB kept the queue), the network comes back and the queue empties by itself. The same batch
sent a second time stores nothing new, and the coordinator's view of the round (the logbook API and the dashboard)
holds the pickup's weight exactly once. And a pickup with one bad line: the good line is stored, the bad one comes
back with its Dutch reason and stays on the phone, is corrected there and sent again with the same id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import Tokens
from tests.e2e.browser import log_in, log_out
from tests.foodsavers.logbook_world import BRUSSELS, Round, a_round

pytestmark = pytest.mark.browser

TENANT = "vlaams-brabant"
PNG = (Path(__file__).parents[2] / "services/foodsavers/driver/static/icon-192.png").read_bytes()
"""A small real image for the pickup's photo."""


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nl-BE", timezone_id="Europe/Brussels", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True, service_workers="allow")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def todays_round(gateway_url: str, tokens: Tokens) -> Iterator[Round]:
    """A rescue round for today for the demo login `driver`: a pickup at a new donor, a delivery at a new
    recipient, made through the registry and planning APIs by the coordinator."""
    with httpx.Client(base_url=gateway_url, timeout=30) as client:
        yield a_round(client, TENANT, tokens, capacity_grams=800_000)


def open_app(page: Page, gateway_url: str, round_id: str) -> Locator:
    log_in(page, gateway_url, TENANT, "driver", "chauffeur/")
    round_card = page.locator(f"#round-{round_id}")
    expect(round_card).to_be_visible()
    # the service worker controls the page: the shell and the day plan are kept for use without network
    expect(page.locator("html[data-offline=ready]")).to_have_count(1)
    return round_card


def fill_line(line: Locator, category: str, kilograms: str, *, date_kind: str = "geen datum",
              best_date: str | None = None, celsius: str | None = None) -> None:
    line.get_by_label("Categorie").select_option(label=category)
    line.get_by_label("Gewicht").fill(kilograms)
    if celsius is not None:
        line.get_by_label("Gemeten temperatuur (°C)").fill(celsius)
    if line.get_by_label("Soort datum").count():
        line.get_by_label("Soort datum").select_option(label=date_kind)
        if best_date is not None:
            line.get_by_label("Datum op de verpakking").fill(best_date)


def picked_up_grams(book: dict[str, Any]) -> list[int]:
    return [line["grams"] for pickup in book["pickups"] for line in pickup["lines"]]


def test_a_round_logged_offline_is_synced_once_the_network_is_back_and_counted_once(
        phone: Page, gateway_url: str, tokens: Tokens, todays_round: Round) -> None:
    page = phone
    round_id = todays_round.id
    pickup_stop_id, delivery_stop_id = (stop["id"] for stop in todays_round.stops)
    use_by = (datetime.now(BRUSSELS).date() + timedelta(days=3)).isoformat()
    round_card = open_app(page, gateway_url, round_id)
    pickup_stop = round_card.locator(f"#stop-{pickup_stop_id}")
    expect(pickup_stop).to_contain_text(todays_round.donor["name"])
    expect(pickup_stop).to_contain_text(todays_round.donor["instructions"])

    page.context.set_offline(True)
    expect(page.locator("#net-state")).to_have_text("geen bereik")
    pickup_stop.get_by_role("button", name="Ophaling registreren").click()
    form = page.locator("#view-form form")
    fill_line(form.locator(".line").nth(0), "verse groenten en fruit", "12,5")
    form.get_by_role("button", name="Regel toevoegen").click()
    fill_line(form.locator(".line").nth(1), "zuivel", "8", date_kind="te gebruiken tot", best_date=use_by,
              celsius="4,5")
    form.get_by_role("button", name="Ophaling opslaan").click()

    delivery_stop = round_card.locator(f"#stop-{delivery_stop_id}")
    delivery_stop.get_by_role("button", name="Levering registreren").click()
    form = page.locator("#view-form form")
    fill_line(form.locator(".line").nth(0), "verse groenten en fruit", "12,5")
    form.get_by_role("button", name="Regel toevoegen").click()
    fill_line(form.locator(".line").nth(1), "zuivel", "8")
    form.get_by_label("Ontvangen door (naam)").fill("Marie Vandamme")
    form.get_by_role("button", name="Levering opslaan").click()

    queue = page.locator("#queue > li")
    expect(queue).to_have_count(2)
    expect(queue.nth(0)).to_contain_text("nog niet verzonden")
    expect(queue.nth(0)).to_contain_text("2 regels, 20,5 kg")
    expect(page.locator("#queue-count")).to_have_text("2 nog niet verzonden")

    # without network the page comes back from the service worker, and the queue from IndexedDB
    page.reload()
    expect(page.get_by_role("heading", name="Mijn rit van vandaag")).to_be_visible()
    expect(page.locator(f"#round-{round_id}")).to_be_visible()
    expect(page.locator("#queue > li")).to_have_count(2)
    expect(page.locator(f"#stop-{pickup_stop_id}")).to_contain_text("nog niet verzonden")
    expect(page.locator("#plan-source")).to_contain_text("Zonder bereik")  # the plan the phone kept

    # the session's CSRF token went stale meanwhile: the app fetches the current one and sends again
    page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'verouderd'")
    page.context.set_offline(False)
    expect(page.locator("#app[data-queue='0']")).to_have_count(1, timeout=40_000)
    expect(page.locator("#queue-empty")).to_be_visible()
    expect(page.locator(f"#stop-{pickup_stop_id}")).to_contain_text("verzonden")
    expect(page.locator("#plan-source")).to_be_hidden()  # the plan is fetched again now there is network

    # the same entries a second time (as a phone that lost the answer would send them): nothing new is stored
    batch = page.evaluate("window.regieChauffeur.lastBatch()")
    assert len(batch["pickups"]) == 1 and len(batch["deliveries"]) == 1
    again = todays_round.sync(batch)
    assert again.status_code == 200, again.text
    assert again.json()["refused"] == []
    assert {item["outcome"] for item in again.json()["stored"]} == {"already-stored"}
    page.evaluate("window.regieChauffeur.syncNow()")

    book = todays_round.logbook()
    assert len(book["pickups"]) == 1 and len(book["deliveries"]) == 1
    assert sorted(picked_up_grams(book)) == [8_000, 12_500]
    (dairy,) = [line for line in book["pickups"][0]["lines"] if line["category"] == "dairy"]
    assert dairy["date_kind"] == "use-by" and dairy["best_date"] == use_by and float(dairy["celsius"]) == 4.5
    assert sum(line["grams"] for d in book["deliveries"] for line in d["lines"]) == 20_500
    assert book["deliveries"][0]["confirmed_by"] == "Marie Vandamme"

    # the round is closed from the phone: km and what is left in the van; picked up = delivered
    page.locator(f"#round-{round_id}").get_by_role("button", name="Rit afsluiten").click()
    form = page.locator("#view-form form")
    form.get_by_label("Gereden kilometers").fill("42")
    form.get_by_role("button", name="Rit afsluiten").click()
    expect(page.locator(f"#round-{round_id} .round__meta")).to_contain_text("afgesloten", timeout=40_000)
    expect(page.locator("#app[data-queue='0']")).to_have_count(1)
    book = todays_round.logbook()
    assert book["status"] == "closed" and book["km"] == 42
    assert book["balance"]["holds"] is True and book["balance"]["picked_up_grams"] == 20_500

    # the coordinator's dashboard counts the donor's 20.5 kg once
    log_out(page, gateway_url, TENANT)
    log_in(page, gateway_url, TENANT, "coordinator", "voedsel/")
    donor_row = page.get_by_role("row").filter(has_text=todays_round.donor["name"])
    expect(donor_row).to_have_count(1)
    expect(donor_row).to_contain_text("20,5")


def test_a_bad_line_comes_back_with_its_reason_and_stays_on_the_phone_while_the_good_line_is_stored(
        phone: Page, gateway_url: str, tokens: Tokens, todays_round: Round) -> None:
    page = phone
    round_id = todays_round.id
    pickup_stop_id = todays_round.stops[0]["id"]
    round_card = open_app(page, gateway_url, round_id)
    page.context.set_offline(True)
    round_card.locator(f"#stop-{pickup_stop_id}").get_by_role(
        "button", name="Ophaling registreren").click()
    form = page.locator("#view-form form")
    fill_line(form.locator(".line").nth(0), "brood en banket", "6")
    form.get_by_role("button", name="Regel toevoegen").click()
    fill_line(form.locator(".line").nth(1), "droge voeding", "-3")  # the form lets the sign through
    form.get_by_label("Bestelwagen vol").check()
    form.get_by_label("Achtergelaten bij de schenker (kg)").fill("40")
    form.get_by_label("Foto (niet verplicht)").set_input_files(
        {"name": "kratten.png", "mimeType": "image/png", "buffer": PNG})
    form.get_by_role("button", name="Ophaling opslaan").click()
    expect(page.locator("#queue > li")).to_have_count(1)

    page.context.set_offline(False)
    refused = page.locator("#queue > li.queued--refused")
    expect(refused).to_have_count(1, timeout=40_000)
    expect(refused).to_contain_text("droge voeding")
    expect(refused).to_contain_text("geweigerd")
    reason = refused.locator(".queued__reasons li")
    expect(reason).to_have_count(1)
    assert len(reason.inner_text()) > len("droge voeding (-3 kg): ")  # a Dutch sentence, not just a code

    book = todays_round.logbook()
    assert picked_up_grams(book) == [6_000]  # the good line is stored, the bad one is not
    (pickup,) = book["pickups"]
    assert pickup["van_full"] is True and pickup["left_behind_grams"] == 40_000
    assert "van-full" in {flag["kind"] for flag in book["flags"]}
    # the photo follows its pickup once the pickup is stored
    for _ in range(100):
        if todays_round.logbook()["pickups"][0]["has_photo"]:
            break
        page.wait_for_timeout(200)
    else:
        pytest.fail("the photo never reached the pickup")

    # still there after a reload; corrected on the phone and sent again with the same line id
    page.reload()
    refused = page.locator("#queue > li.queued--refused")
    expect(refused).to_have_count(1)
    line_id = page.evaluate("window.regieChauffeur.lastBatch()")["pickups"][0]["lines"][1]["id"]
    refused.get_by_role("button", name="Aanpassen").click()
    form = page.locator("#view-form form")
    expect(form.locator(".line")).to_have_count(1)
    expect(form.locator(".line__error")).not_to_be_empty()
    form.locator(".line").get_by_label("Gewicht").fill("3")
    form.get_by_role("button", name="Ophaling opslaan").click()
    expect(page.locator("#app[data-queue='0']")).to_have_count(1, timeout=40_000)
    book = todays_round.logbook()
    assert sorted(picked_up_grams(book)) == [3_000, 6_000]
    assert line_id in {line["id"] for pickup in book["pickups"] for line in pickup["lines"]}


def test_a_refused_entry_that_cannot_be_put_right_is_wiped_from_the_phone_and_what_was_stored_stays(
        phone: Page, gateway_url: str, tokens: Tokens, todays_round: Round) -> None:
    page = phone
    round_card = open_app(page, gateway_url, todays_round.id)
    pickup_stop_id = todays_round.stops[0]["id"]
    page.context.set_offline(True)
    round_card.locator(f"#stop-{pickup_stop_id}").get_by_role("button", name="Ophaling registreren").click()
    form = page.locator("#view-form form")
    fill_line(form.locator(".line").nth(0), "brood en banket", "6")
    form.get_by_role("button", name="Regel toevoegen").click()
    fill_line(form.locator(".line").nth(1), "droge voeding", "-3")
    form.get_by_role("button", name="Ophaling opslaan").click()
    page.context.set_offline(False)
    refused = page.locator("#queue > li.queued--refused")
    expect(refused).to_have_count(1, timeout=40_000)

    # Asked first; declining keeps it.
    page.once("dialog", lambda dialog: dialog.dismiss())
    refused.get_by_role("button", name="Niet verzenden").click()
    expect(refused).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    refused.get_by_role("button", name="Niet verzenden").click()
    expect(page.locator("#app[data-queue='0']")).to_have_count(1)
    expect(page.locator("#notes")).to_contain_text("niet verzonden en van de telefoon gewist")

    page.reload()
    expect(page.locator("#app[data-queue='0']")).to_have_count(1)
    expect(page.locator(f"#stop-{pickup_stop_id}")).to_contain_text("Geregistreerd en verzonden")
    assert picked_up_grams(todays_round.logbook()) == [6_000]  # the good line stays stored
