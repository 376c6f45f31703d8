"""A call manager in Limburg runs a call from draft to decision in Debian's chromium: drafts the call through the
form (a call that closes before it opens is refused in Dutch beside the field, with the input kept), publishes
it, screens an application out with reasons, composes the jury and fixes its assignment, reads the jury view
and the meeting order, records a consensus, runs a what-if with a smaller budget that funds fewer projects,
fixes that scenario as the proposal, takes the decision and opens a letter (a PDF).

What applicants and jurors do goes through the grants API with their real tokens: three applications are
submitted while the call is open, and the jurors score the ones assigned to them. The call closes on its own,
a minute after it is drafted (the scheduler closes calls at the deadline)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from devstack.realms import enterprise_number
from tests.e2e.browser import api, if_match, log_in, screened_eligible, unique

pytestmark = pytest.mark.browser

TENANT = "limburg"
BRUSSELS = ZoneInfo("Europe/Brussels")
SCORES = {  # application → juror-independent scores (Innovatie, Samenwerking); B's jurors disagree
    "A": [("9", "8"), ("9", "8")],
    "B": [("9", "9"), ("4", "5")],
}


def submitted(grants: str, tokens, call_id: str, title: str, requested: int) -> str:
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    partner_number = enterprise_number(TENANT, "partner")
    draft = api("POST", f"{grants}/{TENANT}/calls/{call_id}/applications", applicant, json={
        "title": title, "applicant_name": "Hasseltse Houtbouw nv",
        "summary": "Een houtbouwbedrijf en een maatwerkbedrijf bouwen samen modulaire woningen.",
        "requested_cents": requested, "total_cost_cents": requested * 2, "duration_months": 18})
    added = api("POST", f"{grants}/{TENANT}/applications/{draft['id']}/co-applicants", applicant,
                headers=if_match(draft), json={"enterprise_number": partner_number,
                                               "role": "social-economy-enterprise", "name": "De Kringwinkel"})
    confirmed = api("POST", f"{grants}/{TENANT}/applications/{draft['id']}/co-applicants/{partner_number}/confirm",
                    partner, headers=if_match(added))
    api("POST", f"{grants}/{TENANT}/applications/{draft['id']}/submit", applicant, headers=if_match(confirmed))
    return str(draft["id"])


def scored_by_the_jurors(grants: str, tokens, call: dict, ids: dict[str, str]) -> None:
    manager = tokens(TENANT, "call-manager")
    criteria = [c["id"] for c in sorted(call["criteria"], key=lambda c: c["position"])]
    fixed = api("GET", f"{grants}/{TENANT}/calls/{call['id']}/assignments", manager)
    assert fixed["fixed"]
    by_id = {v: k for k, v in ids.items()}
    for assigned in fixed["applications"]:
        letter = by_id[assigned["application_id"]]
        for juror, scores in zip(assigned["jurors"], SCORES[letter], strict=True):
            token = tokens(TENANT, juror)
            saved = api("PUT", f"{grants}/{TENANT}/applications/{assigned['application_id']}/review", token,
                        headers={"If-Match": '"0"'},  # a first save: no review yet
                        json={"scores": [{"criterion_id": c, "score": s, "justification": f"Score {s}: gemotiveerd."}
                                         for c, s in zip(criteria, scores, strict=True)]})
            api("POST", f"{grants}/{TENANT}/applications/{assigned['application_id']}/review/submit", token,
                headers={"If-Match": f'"{saved["version"]}"'})


def wait_until_closed(grants: str, token: str, call_id: str, deadline: datetime) -> None:
    while datetime.now(BRUSSELS) < deadline + timedelta(seconds=30):
        if api("GET", f"{grants}/{TENANT}/calls/{call_id}", token)["status"] == "closed":
            return
        time.sleep(1)
    raise AssertionError("the scheduler did not close the call at its deadline")


def test_a_call_manager_runs_a_call_from_draft_to_decision_in_the_browser(page: Page, platform, tokens) -> None:
    gateway, grants = platform.gateway_url, platform.url("grants")
    manager = tokens(TENANT, "call-manager")
    title = unique("Samen circulair bouwen")
    now = datetime.now(BRUSSELS).replace(microsecond=0)
    opens, closes = now - timedelta(minutes=5), now + timedelta(seconds=60)

    log_in(page, gateway, TENANT, "call-manager", "provincie/")
    expect(page.locator("h1")).to_have_text("Oproepen")
    page.get_by_role("link", name="Nieuwe oproep").click()
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Doel").fill("Reguliere en sociale-economieondernemingen innoveren samen.")
    page.get_by_label("Reglement").fill("Artikel 1. De provincie subsidieert samenwerkingsprojecten.")
    page.get_by_label("Rechtsgrond").fill("Besluit van de provincieraad van 26 juni 2026")
    page.get_by_label("Totaal budget in euro").fill("100.000,00")
    page.get_by_label("Maximum per project in euro").fill("50.000,00")
    page.get_by_label("Cofinancieringsgraad in %").fill("80")
    page.get_by_label("Opent op (datum)").fill(opens.date().isoformat())
    page.get_by_label("Opent om (uur)").fill(opens.strftime("%H:%M:%S"))
    # Deliberately wrong: it would close a day before it opens.
    page.get_by_label("Sluit op (datum)").fill((opens - timedelta(days=1)).date().isoformat())
    page.get_by_label("Sluit om (uur)").fill(closes.strftime("%H:%M:%S"))
    page.get_by_label("Minstens één mede-aanvrager is een erkende sociale-economieonderneming").check()
    page.get_by_label("Juryleden per aanvraag").fill("2")
    attachment = page.get_by_role("group", name="Bijlage 1")
    attachment.get_by_label("Code 1").fill("begroting")
    attachment.get_by_label("Omschrijving 1").fill("Gedetailleerde begroting")
    for row, (name, weight, threshold) in enumerate([("Innovatie", "60", ""), ("Samenwerking", "40", "4")], 1):
        criterion = page.locator("fieldset.criterion", has=page.get_by_text(f"Criterium {row}", exact=True))
        criterion.get_by_label("Naam").fill(name)
        criterion.get_by_label("Gewicht").fill(weight)
        criterion.get_by_label("Maximumscore").fill("10")
        criterion.get_by_label("Drempel (niet verplicht)").fill(threshold)
    page.get_by_label("1. bij gelijke stand").select_option("criterion:1")
    page.get_by_role("button", name="Concept bewaren").click()

    expect(page.locator("#e-closes_date")).to_contain_text("De oproep moet sluiten na ze opent")
    expect(page.get_by_label("Titel", exact=True)).to_have_value(title)
    expect(page.locator("fieldset.criterion", has=page.get_by_text("Criterium 2", exact=True))
           .get_by_label("Naam")).to_have_value("Samenwerking")
    page.screenshot(path="/tmp/portal-province-call-form-error.png", full_page=True)
    page.get_by_label("Sluit op (datum)").fill(closes.date().isoformat())
    page.get_by_role("button", name="Concept bewaren").click()

    expect(page.locator(".notice--ok")).to_contain_text("bewaard als concept")
    expect(page.locator(".eyebrow")).to_contain_text("in voorbereiding")
    expect(page.locator("main")).to_contain_text(closes.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Publiceren").click()
    expect(page.locator(".notice--ok")).to_contain_text("gepubliceerd")
    call_url = page.url
    call_id = call_url.rstrip("/").rsplit("/", 1)[-1]
    call = api("GET", f"{grants}/{TENANT}/calls/{call_id}", manager)
    assert call["status"] == "published" and [c["name"] for c in call["criteria"]] == ["Innovatie", "Samenwerking"]
    assert call["tie_break"] == ["criterion:1", "submitted_at:asc"]

    titles = {letter: unique(f"Modulair wonen {letter}") for letter in "ABC"}
    ids = {letter: submitted(grants, tokens, call_id, titles[letter], cents)
           for letter, cents in (("A", 4_000_000), ("B", 3_000_000), ("C", 2_500_000))}
    wait_until_closed(grants, manager, call_id, closes)

    # Screening: C is not eligible.
    page.goto(call_url)
    expect(page.locator("table.applications")).to_contain_text(titles["C"])
    page.get_by_role("link", name=titles["C"]).click()
    expect(page.locator("h1")).to_have_text(titles["C"])
    expect(page.locator(".checks")).to_contain_text("verplichte bijlagen")
    page.get_by_label("Niet ontvankelijk").check()
    page.get_by_role("button", name="Screening vastleggen").click()
    expect(page.locator("#e-reasons")).to_contain_text("Motiveer")
    page.get_by_label("Motivering").fill("De verplichte begroting ontbreekt.")
    page.get_by_role("button", name="Screening vastleggen").click()
    expect(page.locator(".notice--ok")).to_contain_text("niet ontvankelijk")
    expect(page.locator(".history")).to_contain_text("De verplichte begroting ontbreekt.")
    page.screenshot(path="/tmp/portal-province-screening.png", full_page=True)
    for letter in "AB":  # A and B are eligible: only screened-eligible applications go to the jury
        screened_eligible(grants, TENANT, manager, ids[letter])

    page.goto(call_url)
    page.get_by_role("button", name="Beoordeling starten").click()
    expect(page.locator(".eyebrow")).to_contain_text("in beoordeling")

    # The jury: three members, the chair on the third row; the proposal, then fixed.
    page.get_by_role("navigation", name="Onderdelen van de oproep").get_by_role("link", name="Jury", exact=True).click()
    for row, (username, name) in enumerate([("juror", "Jan Peeters"), ("juror2", "Lotte Wouters"),
                                            ("jury-chair", "Marleen Dubois")], 1):
        page.get_by_label(f"Gebruikersnaam {row}").fill(username)
        page.get_by_label(f"Naam {row}", exact=True).fill(name)
    page.get_by_label("Ondernemingsnummer 1").fill(enterprise_number(TENANT, "juror"))
    page.get_by_label("Voorzitter: rij 3").check()
    page.get_by_role("button", name="Jury bewaren").click()
    expect(page.locator(".notice--ok")).to_contain_text("voorzitter jury-chair")
    page.get_by_role("link", name="Toewijzing voorstellen").click()
    expect(page.locator("main")).to_contain_text("Een voorstel: nog niets bewaard")
    expect(page.locator(".loads")).to_contain_text("aanvra")
    page.get_by_role("button", name="Toewijzing vastleggen").click()
    expect(page.locator(".notice--ok")).to_contain_text("De toewijzing is vastgelegd")
    page.screenshot(path="/tmp/portal-province-jury.png", full_page=True)

    scored_by_the_jurors(grants, tokens, call, {k: v for k, v in ids.items() if k != "C"})

    page.goto(f"{call_url}/juryoverzicht")
    disputed = page.locator("tr", has_text=titles["B"])
    expect(disputed).to_contain_text("te bespreken")
    expect(page.locator("tr", has_text=titles["A"])).not_to_contain_text("te bespreken")
    expect(page.locator("main")).to_contain_text("keer de zaal verlaten of weer binnenkomen")
    disputed.get_by_role("link", name="Consensus vastleggen").click()
    page.get_by_label("Verslag van de bespreking").fill("Na bespreking: sterk partnerschap, matige innovatie.")
    page.get_by_label("1. Innovatie").fill("6,5")
    page.get_by_role("button", name="Consensus vastleggen").click()
    expect(page.locator(".notice--ok")).to_contain_text("De consensus en het verslag zijn vastgelegd")
    expect(page.locator("tr", has_text=titles["B"])).to_contain_text("Consensus wijzigen")
    page.screenshot(path="/tmp/portal-province-jury-view.png", full_page=True)

    # Ranking: under the call's rules A and B are funded; with € 60.000 only A is.
    page.get_by_role("navigation", name="Onderdelen van de oproep").get_by_role("link", name="Rangschikking").click()
    expect(page.locator("tr", has_text=titles["B"])).to_contain_text("gefinancierd")
    expect(page.locator("table.ranking")).not_to_contain_text(titles["C"])
    page.get_by_label("Budget in euro").fill("60.000,00")
    page.get_by_role("button", name="Scenario doorrekenen").click()
    row_b = page.locator("tr", has_text=titles["B"])
    expect(row_b.locator("td.col--scenario")).to_contain_text("niet gefinancierd")
    expect(row_b.locator("td").nth(2)).not_to_contain_text("niet gefinancierd")
    expect(page.locator("tr", has_text=titles["A"]).locator("td.col--scenario")).to_contain_text("gefinancierd")
    page.screenshot(path="/tmp/portal-province-whatif.png", full_page=True)
    page.get_by_label("Waarom dit scenario?").fill("De deputatie houdt € 40.000 achter voor een tweede ronde.")
    page.get_by_role("button", name="Voorstel vastleggen (scenario)").click()

    expect(page.locator(".notice--ok")).to_contain_text("Het voorstel is vastgelegd")
    expect(page.locator("main")).to_contain_text("een scenario")
    page.get_by_label("Referentie van het besluit").fill(f"DEP-{call_id[:8]}")
    page.get_by_role("button", name="Beslissing nemen").click()
    expect(page.locator(".notice--ok")).to_contain_text("1 toegekend, 2 afgewezen")
    awarded = page.locator("table").first
    expect(awarded).to_contain_text(titles["A"])
    expect(page.locator("main")).to_contain_text("De verplichte begroting ontbreekt.")
    page.screenshot(path="/tmp/portal-province-decision.png", full_page=True)

    letter = awarded.get_by_role("link", name="Brief (PDF)").get_attribute("href")
    response = page.request.get(f"{gateway}{letter}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body().startswith(b"%PDF")
    assert api("GET", f"{grants}/{TENANT}/calls/{call_id}", manager)["status"] == "decided"
