"""The province overview for staff: the agreements running in the chosen year with their indicators against the
year's targets, and the year's grants awarded and paid, food rescued, CO2-eq avoided and people reached, all
from partners' read models of grants' and foodsavers' events (published here onto the bus as those services do).
The year is one no other test uses, and the totals are compared before and after, so other data does not
matter."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared.municipalities import of_province
from shared.portal.formats import BRUSSELS
from tests.conftest import Platform, Tokens
from tests.partners.api.facts_world import envelope, publish
from tests.partners.plans_world import PlansApi
from tests.support import random_enterprise_number

TENANT = "limburg"
YEAR = 2033


@pytest.fixture(scope="module")
def api(partners_url: str, tokens: Tokens) -> PlansApi:
    return PlansApi(partners_url, tokens, TENANT)


def overview(api: PlansApi, user: str = "coordinator", **params: Any) -> httpx.Response:
    return httpx.get(f"{api.base}/{TENANT}/overzicht/", headers=api.as_(user), params=params, timeout=30)


def figures(html: str) -> dict[str, Decimal]:
    """The overview's totals, read back from the page as numbers."""
    found = {}
    for name in ("awarded-count", "awarded-amount", "paid-count", "paid-amount", "food-tonnes", "co2-tonnes",
                 "people-reached"):
        match = re.search(rf'<span class="{name}">([^<]*)</span>', html)
        assert match, name
        text = match.group(1).replace("€", "").replace("t", "").replace(".", "").replace(",", ".").strip()
        found[name] = Decimal(text)
    return found


def test_the_overview_is_for_staff_only(api: PlansApi) -> None:
    assert overview(api, "partner").status_code == 403
    assert overview(api, "applicant").status_code == 403
    page = overview(api, "province-admin")
    assert page.status_code == 200, page.text
    this_year = datetime.now(BRUSSELS).year
    assert f"<h1>Provinciaal overzicht {this_year}</h1>" in page.text  # the default: this year
    assert f'<option value="{this_year}" selected>' in page.text


def test_an_agreement_shows_its_indicators_against_the_years_target(api: PlansApi) -> None:
    municipality = of_province(TENANT)[0].code
    plan = api.new_plan(title=f"Overeenkomst VDAB Limburg {uuid.uuid4().hex[:6]}", starts_on=f"{YEAR - 1}-01-01",
                        ends_on=f"{YEAR + 1}-12-31", municipalities=[municipality],
                        parties=[{"organisation_id": api.organisation_of("partner"), "role": "partner"}])
    objective = api.post(f"/plans/{plan['id']}/objectives", {"title": "Meer werk in de sociale economie"})
    assert objective.status_code == 201, objective.text
    action = api.post(f"/objectives/{objective.json()['id']}/actions", {"title": "Plaatsen"})
    assert action.status_code == 201, action.text
    places = api.post(f"/actions/{action.json()['id']}/indicators", {"name": "Extra plaatsen", "unit": "plaatsen"})
    assert places.status_code == 201, places.text
    target = api.put(f"/indicators/{places.json()['id']}/targets/{YEAR}", {"value": "200"},
                     **{"If-Match": places.headers["etag"]})
    assert target.status_code == 200, target.text
    api.signed(api.fresh(plan))
    entered = api.post(f"/indicators/{places.json()['id']}/realisations", {"year": YEAR, "value": "150"},
                       user="partner")
    assert entered.status_code == 201, entered.text
    assert api.post(f"/realisations/{entered.json()['id']}/approve", {},
                    **{"If-Match": entered.headers["etag"]}).status_code == 200

    page = overview(api, jaar=YEAR)
    assert page.status_code == 200, page.text
    section = page.text.split(f'id="overeenkomst-{plan["id"]}"', 1)[1].split("</section>", 1)[0]
    assert plan["title"] in section and "ondertekend" in section
    assert f"1 januari {YEAR - 1} – 31 december {YEAR + 1}" in section
    assert "Extra plaatsen" in section and ">200<" in section and ">150<" in section
    assert '<span class="progress">75 %</span>' in section and "0 van 1 doel voor" in section
    # a year the agreement does not run in leaves it out
    assert plan["title"] not in overview(api, jaar=YEAR + 2).text


async def test_grants_and_food_of_the_year_come_from_the_events(api: PlansApi, platform: Platform) -> None:
    before = figures(overview(api, jaar=YEAR).text)
    at = datetime(YEAR, 5, 1, 10, tzinfo=UTC)
    number = random_enterprise_number()
    award = {"call_id": str(uuid.uuid4()), "decision_id": str(uuid.uuid4()), "title": "Project",
             "applicant_enterprise_number": number, "co_applicant_enterprise_numbers": []}
    paid = {"applicant_enterprise_number": number, "co_applicant_enterprise_numbers": []}
    municipality = of_province(TENANT)[0].code
    shelter, grocery = str(uuid.uuid4()), str(uuid.uuid4())

    def delivery(recipient: str, grams: int, co2: int, people: int) -> dict[str, Any]:
        return {"delivery_id": str(uuid.uuid4()), "round_id": str(uuid.uuid4()), "recipient_id": recipient,
                "recipient_name": "Sociale kruidenier", "recipient_enterprise_number": None,
                "recipient_municipality": municipality, "delivered_at": at.isoformat().replace("+00:00", "Z"),
                "grams": grams, "fresh_grams": grams // 2, "co2_eq_grams": co2, "value_cents": 1000,
                "people_served": people}

    await publish(platform.config.nats_url,
                  envelope("be.regie.grants.application.awarded.v1", TENANT,
                           {**award, "application_id": str(uuid.uuid4()), "amount_cents": 100_000}, at=at),
                  envelope("be.regie.grants.application.awarded.v1", TENANT,
                           {**award, "application_id": str(uuid.uuid4()), "amount_cents": 250_050}, at=at),
                  envelope("be.regie.grants.award.tranche.paid.v1", TENANT,
                           {**paid, "application_id": str(uuid.uuid4()), "tranche": 1, "amount_cents": 40_000,
                            "paid_on": f"{YEAR}-03-01"}, at=at),
                  envelope("be.regie.grants.award.tranche.paid.v1", TENANT,  # paid the year before
                           {**paid, "application_id": str(uuid.uuid4()), "tranche": 1, "amount_cents": 7_000,
                            "paid_on": f"{YEAR - 1}-12-31"}, at=at),
                  envelope("be.regie.foodsavers.delivery.completed.v1", TENANT,
                           delivery(shelter, 1_500_000, 3_000_000, 40), at=at),
                  envelope("be.regie.foodsavers.delivery.completed.v1", TENANT,
                           delivery(shelter, 500_000, 1_000_000, 45), at=at),
                  envelope("be.regie.foodsavers.delivery.completed.v1", TENANT,
                           delivery(grocery, 250_000, 500_000, 10), at=at))

    expected = {"awarded-count": 2, "awarded-amount": Decimal("3500.50"), "paid-count": 1,
                "paid-amount": Decimal("400"), "food-tonnes": Decimal("2.25"), "co2-tonnes": Decimal("4.5"),
                "people-reached": 55}  # each recipient once, at the most it served: 45 + 10
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        after = figures(overview(api, jaar=YEAR).text)
        change = {name: after[name] - before[name] for name in after}
        if change == expected or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.3)
    assert change == expected
