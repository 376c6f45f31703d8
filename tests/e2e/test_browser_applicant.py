"""An applicant in Oost-Vlaanderen, in Debian's chromium: opens a published call, starts a draft (amounts typed
the Belgian way), adds the partner's organisation as co-applicant, uploads a PDF; the partner confirms; the
applicant submits and sees the frozen snapshot with its content hash. A submission after the deadline is
refused in Dutch and the draft stays as it was.

The calls are created and published through the grants API by the call manager, with real tokens."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from devstack.realms import enterprise_number
from tests.e2e.browser import PDF, api, if_match, log_in, log_out, published_call, unique
from tests.support import infected_pdf

pytestmark = pytest.mark.browser

TENANT = "oost-vlaanderen"


def formatted(number: str) -> str:
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"


def test_an_applicant_drafts_gets_the_co_applicant_confirmation_uploads_and_submits_a_frozen_application(
        page: Page, platform, tokens) -> None:
    gateway, grants = platform.gateway_url, platform.url("grants")
    title = unique("Samen innoveren in de sociale economie")
    call = published_call(grants, TENANT, tokens(TENANT, "call-manager"), title, timedelta(minutes=10))
    partner_number = enterprise_number(TENANT, "partner")

    # The call's public page reads without logging in.
    page.goto(f"{gateway}/{TENANT}/oproepen/{call['id']}")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main")).to_contain_text("Gedetailleerde begroting")
    expect(page.locator("main")).to_contain_text("Innovatie")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.screenshot(path="/tmp/portal-call-phone.png", full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})

    log_in(page, gateway, TENANT, "applicant", "aanvragen/")
    expect(page.locator("h1")).to_have_text("Aanvragen")
    card = page.get_by_role("link", name=re.compile(re.escape(title)))
    expect(card).to_contain_text(re.compile(r"Sluit op (maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) "
                                            r"\d{1,2} \w+ 20\d\d om \d\d:\d\d"))
    card.click()
    expect(page.locator("main")).to_contain_text("Beoordelingscriteria")
    expect(page.locator("main")).to_contain_text("80 %")
    page.get_by_role("link", name="Aanvraag starten").click()

    # A mistake is shown beside its field, in Dutch, and nothing typed is lost.
    page.get_by_label("Titel van het project").fill("Fietsherstel op maat")
    page.get_by_label("Samenvatting").fill("Een fietsatelier van een maatwerkbedrijf herstelt de deelfietsen "
                                           "van een reguliere onderneming.")
    page.get_by_label("Looptijd in maanden").fill("18")
    page.get_by_label("Naam van je organisatie").fill("Deelfietsen Gent nv")
    page.get_by_label("Totale projectkost in euro").fill("25.000,00")
    page.get_by_label("Gevraagde subsidie in euro").fill("12,500,00")
    page.get_by_role("button", name="Concept bewaren").click()
    expect(page.locator(".field__error")).to_contain_text("12.500,00")
    expect(page.get_by_label("Titel van het project")).to_have_value("Fietsherstel op maat")
    expect(page.get_by_label("Totale projectkost in euro")).to_have_value("25.000,00")
    page.get_by_label("Gevraagde subsidie in euro").fill("12.500,00")
    page.get_by_role("button", name="Concept bewaren").click()

    expect(page.locator(".notice--ok")).to_contain_text("Je concept is bewaard")
    expect(page.locator("h1")).to_have_text("Fietsherstel op maat")
    expect(page.locator("main")).to_contain_text("€ 12.500,00")
    application_id = page.url.rsplit("/", 1)[-1].split("#")[0]

    # Co-applicant: a mistyped number is caught by its check digits; the right one is added, not yet confirmed.
    wrong_check_digit = "1" if partner_number.endswith("0") else "0"
    page.get_by_label("Ondernemingsnummer").fill(formatted(partner_number)[:-1] + wrong_check_digit)
    page.get_by_label("Rol in het project").select_option("social-economy-enterprise")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator(".field__error")).to_contain_text("controlecijfers")
    expect(page.get_by_label("Rol in het project")).to_have_value("social-economy-enterprise")
    page.get_by_label("Ondernemingsnummer").fill(formatted(partner_number))
    page.get_by_label("Naam van de organisatie").fill("Fietsatelier De Ketting")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("#mede-aanvragers + ul")).to_contain_text("nog niet bevestigd")
    expect(page.get_by_role("button", name="Aanvraag indienen")).to_be_disabled()
    expect(page.locator("#waarom-niet")).to_contain_text("elke mede-aanvrager")

    page.get_by_label("Welke bijlage?").select_option("begroting")
    page.get_by_label("Bestand").set_input_files(
        files=[{"name": "besmet.pdf", "mimeType": "application/pdf", "buffer": infected_pdf()}])
    page.get_by_role("button", name="Opladen").click()
    expect(page.locator("main")).to_contain_text("Besmet.pdf bevat een virus")  # refused, in Dutch
    expect(page.locator("main")).not_to_contain_text("‘besmet.pdf’ is opgeladen")
    page.get_by_label("Welke bijlage?").select_option("begroting")
    page.get_by_label("Bestand").set_input_files(
        files=[{"name": "begroting.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Opladen").click()
    expect(page.locator(".notice--ok")).to_contain_text("begroting.pdf")
    uploaded = page.locator("#bijlagen + ul")
    expect(uploaded).to_contain_text("begroting.pdf")
    expect(uploaded).to_contain_text("application/pdf")
    expect(uploaded).to_contain_text(f"{len(PDF)} bytes")
    page.screenshot(path="/tmp/portal-applicant-draft.png", full_page=True)
    log_out(page, gateway, TENANT)

    # The partner's organisation confirms.
    log_in(page, gateway, TENANT, "partner", "mede-aanvragen/")
    waiting = page.locator("li.panel", has_text="Fietsherstel op maat").first
    expect(waiting).to_contain_text("€ 12.500,00")
    expect(waiting).to_contain_text("sociale-economieonderneming")
    page.screenshot(path="/tmp/portal-co-applicant.png", full_page=True)
    waiting.get_by_role("button", name=re.compile("^Bevestigen")).click()
    expect(page.locator(".notice--ok")).to_contain_text("Bevestigd")
    log_out(page, gateway, TENANT)

    log_in(page, gateway, TENANT, "applicant", f"aanvragen/{application_id}")
    expect(page.locator("#mede-aanvragers + ul")).to_contain_text("bevestigd")
    page.get_by_role("button", name="Aanvraag indienen").click()
    expect(page.locator(".notice--ok")).to_contain_text("Je aanvraag is ingediend")
    sealed = page.locator(".panel--sealed")
    expect(sealed).to_contain_text("Ingediend op")
    stored = api("GET", f"{grants}/{TENANT}/applications/{application_id}", tokens(TENANT, "applicant"))
    assert stored["status"] == "submitted" and re.fullmatch(r"[0-9a-f]{64}", stored["content_hash"])
    expect(sealed.locator("code")).to_have_text(stored["content_hash"])
    expect(page.get_by_role("button", name="Aanvraag indienen")).to_have_count(0)
    page.screenshot(path="/tmp/portal-applicant-submitted.png", full_page=True)


def test_a_submission_after_the_deadline_is_refused_in_dutch_and_the_draft_stays(
        page: Page, platform, tokens) -> None:
    gateway, grants = platform.gateway_url, platform.url("grants")
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    call = published_call(grants, TENANT, tokens(TENANT, "call-manager"), unique("Laatste minuut"),
                          timedelta(seconds=12))
    closes_at = datetime.fromisoformat(call["closes_at"].replace("Z", "+00:00"))
    draft = api("POST", f"{grants}/{TENANT}/calls/{call['id']}/applications", applicant, json={
        "title": "Net te laat", "applicant_name": "Deelfietsen Gent nv",
        "summary": "Een project dat op de laatste seconde klaar was.",
        "requested_cents": 1_000_000, "total_cost_cents": 2_000_000, "duration_months": 12})
    partner_number = enterprise_number(TENANT, "partner")
    added = api("POST", f"{grants}/{TENANT}/applications/{draft['id']}/co-applicants", applicant,
                headers=if_match(draft),
                json={"enterprise_number": partner_number, "role": "social-economy-enterprise", "name": "De Ketting"})
    api("POST", f"{grants}/{TENANT}/applications/{draft['id']}/co-applicants/{partner_number}/confirm", partner,
        headers=if_match(added))

    log_in(page, gateway, TENANT, "applicant", f"aanvragen/{draft['id']}")
    submit = page.get_by_role("button", name="Aanvraag indienen")
    expect(submit).to_be_enabled()
    time.sleep(max(0.0, (closes_at - datetime.now(UTC)).total_seconds()) + 1.5)
    submit.click()

    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("De indieningstermijn is verstreken")
    expect(refusal).to_contain_text("er ging niets verloren")
    expect(page.locator("h1")).to_have_text("Net te laat")
    expect(page.locator("main")).to_contain_text("€ 10.000,00")
    page.screenshot(path="/tmp/portal-applicant-deadline.png", full_page=True)
    stored = api("GET", f"{grants}/{TENANT}/applications/{draft['id']}", applicant)
    assert stored["status"] == "draft" and stored["title"] == "Net te laat" and stored["submitted_at"] is None
