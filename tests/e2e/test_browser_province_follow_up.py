"""The province's follow-up after award, as the call manager in Limburg, in Debian's chromium: the call's payment
rule (a share over 100 % refused beside the field with the input kept, then saved on its version), the awarded
project with its payment plan, the advance to pay and its payment recorded, the progress report to review (sent
back without reasons is refused; with reasons it is sent back), the overdue final report, the indicators with the
value reported, and the call's appeals.

The decided call is built through the grants API only, with the real tokens of everyone involved: a call published
and closing at its deadline, two applications with a confirmed co-applicant, screened eligible, scored by two
jurors (B below the Samenwerking threshold), the proposal fixed and decided; then the applicant organisation sets
the indicators, reports on progress and appeals B's rejection, and a call manager moves the final report's due
date to yesterday."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from devstack.realms import enterprise_number
from tests.e2e.browser import api, log_in, published_call, screened_eligible, unique
from tests.support import bearer

pytestmark = pytest.mark.browser

TENANT = "limburg"
BRUSSELS = ZoneInfo("Europe/Brussels")
SCORES = {"A": ("9", "8"), "B": ("7", "3")}  # (Innovatie, Samenwerking); B is under the threshold of 4
INDICATOR = "Doelgroepwerknemers aan het werk"
GROUNDS = "De jury las ons partnerschap met het maatwerkbedrijf verkeerd; zie bijlage 2 van de aanvraag."


def if_match(response: httpx.Response | dict[str, Any]) -> dict[str, str]:
    """If-Match with the version a read showed (its ETag, else its `version` field)."""
    if isinstance(response, httpx.Response):
        tag = response.headers.get("etag")
        return {"If-Match": tag} if tag else {}
    return {"If-Match": f'"{response["version"]}"'} if "version" in response else {}


def read(url: str, token: str) -> httpx.Response:
    response = httpx.get(url, headers=bearer(token), timeout=20)
    assert response.status_code in (200, 404), response.text
    return response


def submitted(grants: str, tokens, call_id: str, title: str, requested: int) -> str:
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    partner_number = enterprise_number(TENANT, "partner")
    base = f"{grants}/{TENANT}/applications"
    draft = api("POST", f"{grants}/{TENANT}/calls/{call_id}/applications", applicant, json={
        "title": title, "applicant_name": "Hasseltse Houtbouw nv",
        "summary": "Een houtbouwbedrijf en een maatwerkbedrijf bouwen samen modulaire woningen.",
        "requested_cents": requested, "total_cost_cents": requested * 2, "duration_months": 24,
        "budget_lines": [{"description": "Werkplaats en begeleiding", "amount_cents": requested * 2}]})
    added = api("POST", f"{base}/{draft['id']}/co-applicants", applicant, headers=if_match(draft),
                json={"enterprise_number": partner_number, "role": "social-economy-enterprise",
                      "name": "De Kringwinkel"})
    confirmed = api("POST", f"{base}/{draft['id']}/co-applicants/{partner_number}/confirm", partner,
                    headers=if_match(added))
    api("POST", f"{base}/{draft['id']}/submit", applicant, headers=if_match(confirmed))
    return str(draft["id"])


def decided_call(grants: str, tokens) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(call, titles by letter, application ids by letter): A awarded, B rejected."""
    manager = tokens(TENANT, "call-manager")
    closes_in = timedelta(seconds=25)
    call = published_call(grants, TENANT, manager, unique("Samen houtbouwen"), closes_in,
                          total_budget_cents=10_000_000)
    titles = {letter: unique(f"Modulair wonen {letter}") for letter in "AB"}
    ids = {letter: submitted(grants, tokens, call["id"], titles[letter], cents)
           for letter, cents in (("A", 4_000_000), ("B", 3_000_000))}
    call_url = f"{grants}/{TENANT}/calls/{call['id']}"
    deadline = time.monotonic() + 60
    while (current := api("GET", call_url, manager))["status"] != "closed":
        assert time.monotonic() < deadline, "the scheduler did not close the call at its deadline"
        time.sleep(1)
    for letter in "AB":
        screened_eligible(grants, TENANT, manager, ids[letter])
    api("POST", f"{call_url}/start-review", manager, headers=if_match(current))

    jury = read(f"{call_url}/jury", manager)
    api("PUT", f"{call_url}/jury", manager, headers=if_match(jury), json={
        "members": [{"username": "juror", "name": "Jan Peeters"}, {"username": "juror2", "name": "Lotte Wouters"}],
        "chair": "juror2"})
    proposal = api("POST", f"{call_url}/assignments/proposal", manager)
    current_assignments = read(f"{call_url}/assignments", manager)
    api("PUT", f"{call_url}/assignments", manager, headers=if_match(current_assignments), json={
        "assignments": [{"application_id": a["application_id"], "jurors": a["jurors"]}
                        for a in proposal["applications"]]})

    criteria = [c["id"] for c in sorted(call["criteria"], key=lambda c: c["position"])]
    by_id = {v: k for k, v in ids.items()}
    for assigned in api("GET", f"{call_url}/assignments", manager)["applications"]:
        scores = SCORES[by_id[assigned["application_id"]]]
        for juror in assigned["jurors"]:
            token = tokens(TENANT, juror)
            review = f"{grants}/{TENANT}/applications/{assigned['application_id']}/review"
            body = {"scores": [{"criterion_id": c, "score": s, "justification": f"Score {s}: gemotiveerd."}
                               for c, s in zip(criteria, scores, strict=True)]}
            saved = httpx.put(review, headers=bearer(token, **{"If-Match": '"0"'}), timeout=20,  # a first save
                              json=body)
            assert saved.status_code in (200, 201), saved.text
            api("POST", f"{review}/submit", token, headers=if_match(saved))

    fixed = httpx.post(f"{call_url}/ranking/proposal", headers=bearer(manager), timeout=30)
    assert fixed.status_code == 201, fixed.text
    decided = httpx.post(f"{call_url}/decision", headers=bearer(manager, **if_match(fixed)), timeout=60, json={
        "reference": f"DEP-{call['id'][:8]}", "decided_on": datetime.now(BRUSSELS).date().isoformat(),
        "proposal_id": fixed.json()["id"]})
    assert decided.status_code in (200, 201), decided.text
    outcomes = {line["application_id"]: line["outcome"] for line in decided.json()["lines"]}
    assert outcomes == {ids["A"]: "awarded", ids["B"]: "rejected"}, outcomes
    return call, titles, ids


def followed_up(grants: str, tokens, ids: dict[str, str]) -> None:
    """What happens after the decision through the API: the plan (made from the award event, or asked for),
    the indicators and the progress report by the applicant organisation, B's appeal, the final report's due
    date moved to yesterday by a call manager."""
    manager, applicant = tokens(TENANT, "call-manager"), tokens(TENANT, "applicant")
    application = f"{grants}/{TENANT}/applications/{ids['A']}"
    plan = api("POST", f"{application}/award-plan", manager, json={})
    plan = api("PUT", f"{application}/award-plan/indicators", applicant, headers=if_match(plan),
               json={"indicators": [{"name": INDICATOR, "unit": "personen", "target": "12"}]})
    progress = next(r for r in plan["reports"] if r["kind"] == "progress")
    api("PUT", f"{application}/reports/progress", applicant, headers=if_match(progress), json={
        "values": [{"indicator_id": plan["indicators"][0]["id"], "value": "7.5"}],
        "narrative": "De werkplaats draait; zeven en een half voltijdse doelgroepwerknemers zijn aan de slag."})
    final = next(r for r in plan["reports"] if r["kind"] == "final")
    yesterday = datetime.now(UTC).astimezone(BRUSSELS).date() - timedelta(days=1)
    api("PUT", f"{application}/reports/final/due-date", manager, headers=if_match(final),
        json={"due_on": yesterday.isoformat(), "reasons": "Het eindrapport is vervroegd voor de jaarafsluiting."})
    api("POST", f"{grants}/{TENANT}/applications/{ids['B']}/appeals", applicant, json={"grounds": GROUNDS})


def test_the_call_manager_follows_up_a_decided_call_in_the_browser(page: Page, platform, tokens) -> None:
    gateway, grants = platform.gateway_url, platform.url("grants")
    call, titles, ids = decided_call(grants, tokens)
    followed_up(grants, tokens, ids)
    appeals = api("GET", f"{grants}/{TENANT}/calls/{call['id']}/appeals", tokens(TENANT, "call-manager"))
    assert [(a["application_id"], a["status"], a["grounds"]) for a in appeals] == [(ids["B"], "received", GROUNDS)]

    log_in(page, gateway, TENANT, "call-manager", f"provincie/oproepen/{call['id']}")
    page.get_by_role("navigation", name="Onderdelen van de oproep").get_by_role("link", name="Opvolging").click()
    expect(page.locator("h1")).to_have_text("Opvolging na de toekenning")

    # The rule: a share over 100 % is the service's refusal beside the field, with what was typed kept.
    expect(page.locator("dl.rule")).to_contain_text("60 %")
    page.get_by_text("Uitbetalingsregel wijzigen").click()
    page.get_by_label("Voorschot bij de toekenning (%)").fill("70")
    page.get_by_label("Tussentijdse schijf na het voortgangsrapport (%)").fill("40")
    page.get_by_role("button", name="Uitbetalingsregel bewaren").click()
    expect(page.locator("#e-interim_bp")).to_contain_text("niet meer dan 100 %")
    expect(page.get_by_label("Voorschot bij de toekenning (%)")).to_have_value("70")
    page.get_by_label("Tussentijdse schijf na het voortgangsrapport (%)").fill("10")
    page.get_by_role("button", name="Uitbetalingsregel bewaren").click()
    expect(page.locator(".notice--ok")).to_contain_text("De uitbetalingsregel is bewaard")
    expect(page.locator("dl.rule")).to_contain_text("70 %")
    expect(page.locator("dl.rule")).to_contain_text("10 %")
    assert api("GET", f"{grants}/{TENANT}/calls/{call['id']}/award-rule",
               tokens(TENANT, "call-manager"))["advance_bp"] == 7000

    # The lists of the call: the project, the advance to pay, the report to review, the overdue final report,
    # the indicator with what was reported, and B's appeal.
    expect(page.locator("table.projects")).to_contain_text(titles["A"])
    expect(page.locator("table.projects")).not_to_contain_text(titles["B"])
    expect(page.locator("table.payable tr", has_text=titles["A"])).to_contain_text("Voorschot")
    expect(page.locator("table.payable tr", has_text=titles["A"])).to_contain_text("€ 24.000,00")
    expect(page.locator("ul.to-review")).to_contain_text(f"Voortgangsrapport van {titles['A']}")
    overdue = page.locator("table.overdue tr", has_text=titles["A"])
    expect(overdue).to_contain_text("Eindrapport")
    expect(overdue.locator("td.num")).to_have_text("1")
    indicator = page.locator("table.indicators tr", has_text=INDICATOR)
    expect(indicator).to_contain_text("12 personen")
    expect(indicator).to_contain_text("7,5 personen (voortgangsrapport)")
    appeal = page.locator("table.appeals tr", has_text=titles["B"])
    expect(appeal).to_contain_text("ontvangen")
    expect(appeal).to_contain_text("partnerschap met het maatwerkbedrijf")
    page.screenshot(path="/tmp/portal-province-follow-up.png", full_page=True)

    # The project's plan: the advance paid, the progress report sent back with reasons.
    page.locator("table.projects").get_by_role("link", name=titles["A"]).click()
    expect(page.locator("h1")).to_have_text(titles["A"])
    advance = page.locator("table.tranches tr", has_text="Voorschot")
    expect(advance).to_contain_text("betaalbaar")
    page.get_by_label("Referentie van de betaling").fill("BET-2026-0042")
    page.get_by_role("button", name="Betaling boeken").click()
    expect(page.locator(".notice--ok")).to_contain_text("De betaling BET-2026-0042 is geboekt")
    expect(page.locator("table.tranches tr", has_text="Voorschot")).to_contain_text("betaald")
    expect(page.locator("table.tranches tr", has_text="Voorschot")).to_contain_text("BET-2026-0042")
    expect(page.locator(".facts")).to_contain_text("€ 24.000,00")

    report = page.locator("section.report", has=page.locator("#rapport-progress"))
    expect(report).to_contain_text("ingediend, wacht op beoordeling")
    expect(report).to_contain_text(f"{INDICATOR} (personen): 7,5")
    report.get_by_label("Aanpassingen gevraagd").check()
    report.get_by_role("button", name="Beoordeling vastleggen").click()
    report = page.locator("section.report", has=page.locator("#rapport-progress"))
    expect(report.locator(".field__error")).to_contain_text("Zeg wat de organisatie moet aanpassen")
    report.get_by_label("Motivering").fill("Voeg de loonlijsten van de doelgroepwerknemers toe.")
    report.get_by_label("Aanpassingen gevraagd").check()
    report.get_by_role("button", name="Beoordeling vastleggen").click()
    expect(page.locator(".notice--ok")).to_contain_text("Het voortgangsrapport gaat terug naar de organisatie")
    report = page.locator("section.report", has=page.locator("#rapport-progress"))
    expect(report).to_contain_text("Voeg de loonlijsten van de doelgroepwerknemers toe.")
    expect(report.get_by_role("button", name="Beoordeling vastleggen")).to_have_count(0)
    page.screenshot(path="/tmp/portal-province-award-plan.png", full_page=True)

    # Back on the call's page: nothing to pay any more, nothing to review.
    page.get_by_role("link", name="Opvolging").first.click()
    expect(page.locator("main")).to_contain_text("Er staat geen schijf klaar om te betalen.")
    expect(page.locator("main")).to_contain_text("Er wacht geen rapport op beoordeling.")
