"""A juror in West-Vlaanderen, in Debian's chromium: the application their own organisation co-applies for is
not on their list (a conflict found in the registry hides it completely); on another they read that the other
jurors' scores stay hidden until they submit, score every criterion with a justification, submit after a
confirmation, and then see what juror2 scored and wrote.

The call, the jury, the assignments and juror2's review go through the grants API with real tokens. One
application is written straight into the database: its co-applicant is the juror's own organisation, and no
demo user of that organisation can confirm through the API (jurors are not applicants)."""

from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from devstack.realms import enterprise_number
from services.grants.applications.models import Application, CoApplicant
from services.grants.calls.models import Call  # noqa: F401  (the mapper of applications.call_id's table)
from shared.db import Database
from shared.ids import uuid7
from tests.e2e.browser import api, if_match, log_in, published_call, screened_eligible, unique

pytestmark = pytest.mark.browser

TENANT = "west-vlaanderen"
JURY = ("juror", "juror2", "jury-chair")


def submitted_through_the_api(grants: str, tokens, call_id: str, title: str) -> str:
    applicant, partner = tokens(TENANT, "applicant"), tokens(TENANT, "partner")
    partner_number = enterprise_number(TENANT, "partner")
    draft = api("POST", f"{grants}/{TENANT}/calls/{call_id}/applications", applicant, json={
        "title": title, "applicant_name": "Brugse Bouw nv",
        "summary": "Een bouwbedrijf en een maatwerkbedrijf renoveren samen sociale woningen.",
        "requested_cents": 4_000_000, "total_cost_cents": 6_000_000, "duration_months": 24})
    added = api("POST", f"{grants}/{TENANT}/applications/{draft['id']}/co-applicants", applicant,
                headers=if_match(draft), json={"enterprise_number": partner_number,
                                               "role": "social-economy-enterprise", "name": "De Werkplaats"})
    confirmed = api("POST", f"{grants}/{TENANT}/applications/{draft['id']}/co-applicants/{partner_number}/confirm",
                    partner, headers=if_match(added))
    api("POST", f"{grants}/{TENANT}/applications/{draft['id']}/submit", applicant, headers=if_match(confirmed))
    return str(draft["id"])


async def submitted_with_the_jurors_organisation(stack_config, call_id: str, title: str) -> str:
    database = Database.from_url(stack_config.database_url("grants", "regie_app"), pool_size=1)
    application_id = uuid7()
    try:
        async with database.transaction(TENANT) as session:
            session.add(Application(
                id=application_id, tenant=TENANT, call_id=uuid.UUID(call_id), applicant_sub="s",
                applicant_username="applicant",
                applicant_enterprise_number=enterprise_number(TENANT, "applicant"), applicant_name="Brugse Bouw nv",
                title=title, status="eligible", submitted_at=datetime.now(UTC), snapshot={"title": title},
                content_hash="0" * 64))
            await session.flush()
            session.add(CoApplicant(id=uuid7(), tenant=TENANT, application_id=application_id,
                                    enterprise_number=enterprise_number(TENANT, "juror"), name="Organisatie van Jan",
                                    role="regular-enterprise", confirmed_at=datetime.now(UTC),
                                    confirmed_by="jan"))
    finally:
        await database.dispose()
    return str(application_id)


def test_a_juror_never_sees_a_conflicted_application_scores_another_and_then_sees_the_others_scores(
        page: Page, platform, tokens, stack_config) -> None:
    gateway, grants = platform.gateway_url, platform.url("grants")
    manager = tokens(TENANT, "call-manager")
    call = published_call(grants, TENANT, manager, unique("Circulair bouwen"), timedelta(hours=1))
    criteria = {c["name"]: c["id"] for c in call["criteria"]}
    scored_title, conflicted_title = unique("Renovatie met maatwerk"), unique("Project van Jans werkgever")
    scored = submitted_through_the_api(grants, tokens, call["id"], scored_title)
    screened_eligible(grants, TENANT, manager, scored)
    # Playwright's sync API keeps an event loop running in this thread: the database write gets its own.
    with ThreadPoolExecutor(max_workers=1) as worker:
        conflicted = worker.submit(asyncio.run, submitted_with_the_jurors_organisation(
            stack_config, call["id"], conflicted_title)).result()

    jury = api("GET", f"{grants}/{TENANT}/calls/{call['id']}/jury", manager)
    api("PUT", f"{grants}/{TENANT}/calls/{call['id']}/jury", manager, headers=if_match(jury), json={
        "members": [{"username": u, "name": u, "enterprise_number": enterprise_number(TENANT, u)} for u in JURY],
        "chair": "jury-chair"})
    assignments = api("GET", f"{grants}/{TENANT}/calls/{call['id']}/assignments", manager)
    api("PUT", f"{grants}/{TENANT}/calls/{call['id']}/assignments", manager, headers=if_match(assignments),
        json={"assignments": [{"application_id": scored, "jurors": ["juror", "juror2"]},
                              {"application_id": conflicted, "jurors": ["juror2", "jury-chair"]}]})
    juror2 = tokens(TENANT, "juror2")
    saved = api("PUT", f"{grants}/{TENANT}/applications/{scored}/review", juror2, headers={"If-Match": '"0"'},
                json={"scores": [
                    {"criterion_id": criteria["Innovatie"], "score": "6",
                     "justification": "Degelijk maar weinig vernieuwend."},
                    {"criterion_id": criteria["Samenwerking"], "score": "9",
                     "justification": "Sterk partnerschap met de werkplaats."}]})
    api("POST", f"{grants}/{TENANT}/applications/{scored}/review/submit", juror2,
        headers={"If-Match": f'"{saved["version"]}"'})

    log_in(page, gateway, TENANT, "juror", "jury/")
    listing = page.locator("main table")
    expect(listing).to_contain_text(scored_title)
    expect(page.locator("main")).not_to_contain_text(conflicted_title)
    page.goto(f"{gateway}/{TENANT}/jury/{conflicted}")
    expect(page.locator("h1")).to_have_text("Niet gevonden")
    expect(page.locator("main")).not_to_contain_text(conflicted_title)

    page.goto(f"{gateway}/{TENANT}/jury/")
    page.get_by_role("link", name=scored_title).click()
    expect(page.locator("h1")).to_have_text(scored_title)
    expect(page.get_by_role("note")).to_contain_text("zichtbaar nadat je je eigen beoordeling hebt ingediend")
    expect(page.locator("main")).not_to_contain_text("Sterk partnerschap met de werkplaats")

    page.get_by_label("Geen belangenconflict").check()
    page.get_by_role("button", name="Verklaring opslaan").click()
    expect(page.locator(".notice--ok")).to_contain_text("geen belangenconflict")

    innovation, cooperation = (page.locator("fieldset.criterion", has_text=name) for name in ("Innovatie",
                                                                                            "Samenwerking"))
    innovation.get_by_label(re.compile("^Score")).fill("8")
    innovation.get_by_label("Motivering").fill("Een nieuw renovatieconcept met circulaire materialen.")
    cooperation.get_by_label(re.compile("^Score")).fill("7,5")
    page.get_by_role("button", name="Indienen…").click()
    # Submitting needs a justification for every criterion; what was typed stays.
    expect(cooperation.locator(".field__error")).to_contain_text("Motiveer je score")
    expect(cooperation.get_by_label(re.compile("^Score"))).to_have_value("7,5")
    cooperation.get_by_label("Motivering").fill("Het maatwerkbedrijf is volwaardig partner.")
    page.screenshot(path="/tmp/portal-juror-scoring.png", full_page=True)
    page.get_by_role("button", name="Indienen…").click()

    expect(page.locator("h1")).to_have_text("Beoordeling indienen?")
    expect(page.locator("main table")).to_contain_text("7,5 / 10")
    page.get_by_role("button", name="Definitief indienen").click()

    expect(page.locator(".notice--ok")).to_contain_text("Je beoordeling is ingediend")
    others = page.locator("section.panel", has_text="juror2")
    expect(others).to_contain_text("Sterk partnerschap met de werkplaats.")
    expect(others).to_contain_text("Degelijk maar weinig vernieuwend.")
    expect(page.get_by_role("note")).to_have_count(0)
    page.screenshot(path="/tmp/portal-juror-after.png", full_page=True)
    mine = api("GET", f"{grants}/{TENANT}/jury/applications/{scored}", tokens(TENANT, "juror"))["review"]
    assert mine["status"] == "submitted"
    assert {s["justification"] for s in mine["scores"]} == {"Een nieuw renovatieconcept met circulaire materialen.",
                                                            "Het maatwerkbedrijf is volwaardig partner."}
