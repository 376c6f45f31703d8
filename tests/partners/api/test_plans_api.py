"""Plans through the real partners process: creating an agreement or a multi-year plan (municipalities by name or
NIS code, parties that must be registered), who reads which plan, the filters and cursor of the list, edits with
If-Match, the lifecycle (409 naming the allowed moves, a signed document before signing, a race of two moves),
and the results framework with its rules (levels, counted indicators, targets within the period, an ended plan
is read-only). Bad input changes nothing."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import httpx
import pytest

from shared.municipalities import of_province
from tests.partners.plans_world import PlansApi
from tests.support import stream_events

TENANT = "limburg"


@pytest.fixture(scope="module")
def api(partners_url: str, tokens) -> PlansApi:  # type: ignore[no-untyped-def]
    return PlansApi(partners_url, tokens, TENANT)


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def titles(page: dict[str, Any]) -> set[str]:
    return {p["title"] for p in page["items"]}


def westhoek_framework() -> dict[str, Any]:
    """The Westhoek coordination report's three objectives and thirteen actions, with an indicator each for the
    first two actions."""
    actions = {
        "1": ["Samenwerking en netwerking tussen sociale economie, reguliere economie en lokale besturen",
              "Beleidssignalering", "Informatie-uitwisseling en intervisie", "Samenwerking VDAB - lokale besturen",
              "Wijk-werken"],
        "2": ["Profilering sociale economie", "Nieuwe samenwerkingsvormen", "Proeftuinen arbeidszorg",
              "Bruggen tussen onderwijs en sociale economie", "Re-integratie van doelgroepen"],
        "3": ["MVO-promotie", "Sociaal aankopen stimuleren", "Voedselherverdeling en circulaire economie"],
    }
    objective_titles = {"1": "Acties die de netwerking op het grondgebied bevorderen",
                        "2": "Ontwikkeling sociale economie", "3": "Maatschappelijk verantwoord ondernemen"}
    return {"objectives": [
        {"code": code, "title": objective_titles[code], "actions": [
            {"code": f"{code}.{n}", "title": title,
             "indicators": [{"name": "aantal netwerkevents", "unit": "aantal", "targets": {"2025": "1", "2026": "2"}}]
             if (code, n) == ("1", 1) else
             [{"name": "toegekende projecten", "unit": "projecten", "feed": "counted",
               "rule": "grants.projects-awarded"}] if (code, n) == ("2", 2) else []}
            for n, title in enumerate(actions[code], start=1)]}
        for code in actions]}


def test_a_coordinator_creates_an_agreement_with_municipalities_by_name_or_code_and_registered_parties(
        api: PlansApi) -> None:
    organisation = api.organisation_of("partner")
    title = unique("Samenwerkingsovereenkomst VDAB - Provincie Limburg")
    created = api.post("/plans", {
        "kind": "agreement", "title": title, "summary": "200 extra plaatsen", "starts_on": "2025-01-01",
        "ends_on": "2027-12-31", "municipalities": ["Hasselt", "71016", "genk", "hasselt"],
        "parties": [{"name": "VDAB", "role": "partner"}, {"organisation_id": organisation, "role": "uitvoerder"}]})
    assert created.status_code == 201, created.text
    plan = created.json()
    assert created.headers["ETag"] == '"1"'
    assert plan["status"] == "draft" and plan["status_label"] == "ontwerp"
    assert plan["kind_label"] == "samenwerkingsovereenkomst"
    assert plan["allowed_moves"] == ["negotiating"]
    assert [m["name"] for m in plan["municipalities"]] == ["Hasselt", "Genk"]
    assert [m["code"] for m in plan["municipalities"]] == ["71072", "71016"]
    assert plan["parties"][0]["name"] == "VDAB" and plan["parties"][0]["organisation_id"] is None
    assert plan["parties"][1]["organisation_id"] == organisation and plan["parties"][1]["name"]
    assert plan["objectives"] == [] and plan["documents"] == []
    again = api.get(f"/plans/{plan['id']}")
    assert again.status_code == 200 and again.json()["title"] == title


@pytest.mark.parametrize(("change", "field", "status"), [
    ({"municipalities": ["Hasselt", "Atlantis"]}, "municipalities[1]", 422),
    ({"parties": [{"organisation_id": str(uuid.uuid4()), "role": "partner"}]}, "parties[0].organisation_id", 422),
    ({"parties": [{"role": "partner"}]}, "parties[0].name", 422),
    ({"starts_on": "2027-01-01", "ends_on": "2026-12-31"}, "ends_on", 422),
    ({"kind": "contract"}, "kind", 422),
    ({"title": "  "}, "title", 422),
])
def test_a_plan_with_bad_input_is_refused_in_dutch_and_nothing_is_created(
        api: PlansApi, change: dict[str, Any], field: str, status: int) -> None:
    title = unique("Geweigerd plan")
    body = {"kind": "agreement", "title": title, "starts_on": "2025-01-01", "ends_on": "2026-12-31", **change}
    refused = api.post("/plans", body)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == field
    if "Atlantis" in str(change):
        assert "Atlantis" in refused.json()["detail"]
    listed = api.get("/plans", limit=200, kind="agreement", status="draft")
    assert title not in titles(listed.json())


def test_a_retried_creation_with_its_idempotency_key_makes_one_plan(api: PlansApi) -> None:
    title = unique("Plan opnieuw verstuurd")
    municipality = of_province(api.tenant)[-1].name  # one the other tests leave alone
    body = {"kind": "agreement", "title": title, "starts_on": "2025-01-01", "ends_on": "2026-12-31",
            "municipalities": [municipality]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first, again = (api.post("/plans", body, **key) for _ in range(2))
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert first.json()["id"] == again.json()["id"] and first.headers["etag"] == again.headers["etag"]
    listed = api.get("/plans", limit=200, municipality=municipality).json()["items"]
    assert [p["id"] for p in listed if p["title"] == title] == [first.json()["id"]]
    changed = api.post("/plans", {**body, "title": title + " (gewijzigd)"}, **key)
    assert changed.status_code == 422 and "Idempotency-Key" in changed.text
    assert api.post("/plans", body).status_code == 201  # without a key, each request is a new plan


def test_only_coordinators_write_and_a_partner_reads_only_its_own_organisations_plans(api: PlansApi) -> None:
    mine = api.new_plan(title=unique("Plan met partner"),
                        parties=[{"organisation_id": api.organisation_of("partner"), "role": "uitvoerder"}])
    other = api.new_plan(title=unique("Plan zonder partner"))
    assert api.post("/plans", {"kind": "agreement", "title": "x", "starts_on": "2025-01-01",
                               "ends_on": "2025-12-31"}, user="partner").status_code == 403
    assert api.get(f"/plans/{mine['id']}", user="partner").status_code == 200
    assert api.get(f"/plans/{other['id']}", user="partner").status_code == 404
    assert api.get(f"/plans/{mine['id']}", user="partner2").status_code == 404
    api.organisation_of("partner2")
    assert api.get(f"/plans/{mine['id']}", user="partner2").status_code == 404
    seen = api.get("/plans", user="partner", limit=200).json()
    assert mine["title"] in titles(seen) and other["title"] not in titles(seen)
    assert api.get(f"/plans/{other['id']}", user="call-manager").status_code == 200
    assert api.patch(f"/plans/{mine['id']}", {"title": "x"}, user="partner",
                     **{"If-Match": '"1"'}).status_code == 403
    assert api.get(f"/plans/{mine['id']}", user="applicant").status_code == 403


def test_the_list_filters_by_status_kind_and_municipality_and_pages_by_cursor(api: PlansApi) -> None:
    place = random.choice(of_province(TENANT))
    made = [api.new_plan(title=unique(f"Plan {n}"), municipalities=[place.name],
                         kind="multi-year-plan" if n == 2 else "agreement") for n in range(3)]
    negotiating = api.move(made[0], "negotiating")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"municipality": place.code, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = api.get("/plans", **params)
        assert page.status_code == 200, page.text
        seen += [p["id"] for p in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert {p["id"] for p in made} <= set(seen) and len(seen) == len(set(seen))
    by_name = api.get("/plans", municipality=place.name.upper(), status="negotiating").json()
    assert negotiating["id"] in [p["id"] for p in by_name["items"]]
    assert made[1]["id"] not in [p["id"] for p in by_name["items"]]
    multi = api.get("/plans", municipality=place.slug, kind="multi-year-plan").json()
    assert [p["id"] for p in multi["items"] if p["id"] in {m["id"] for m in made}] == [made[2]["id"]]
    assert api.get("/plans", status="gesloten").status_code == 422
    assert api.get("/plans", municipality="Atlantis").status_code == 422


def test_an_edit_needs_the_version_read_and_the_terms_are_fixed_once_signed(api: PlansApi) -> None:
    plan = api.new_plan(title=unique("Te wijzigen plan"))
    assert api.patch(f"/plans/{plan['id']}", {"title": "Nieuw"}).status_code == 428
    changed = api.patch(f"/plans/{plan['id']}", {"title": "Nieuwe titel", "ends_on": "2028-12-31",
                                                 "municipalities": ["Tongeren-Borgloon"]},
                        **{"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"' and changed.json()["ends_on"] == "2028-12-31"
    stale = api.patch(f"/plans/{plan['id']}", {"title": "Oud"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert api.fresh(plan)["title"] == "Nieuwe titel"
    signed = api.signed(api.fresh(plan))
    fixed = api.patch(f"/plans/{plan['id']}", {"parties": [{"name": "Iemand anders"}]},
                      **{"If-Match": f'"{signed["version"]}"'})
    assert fixed.status_code == 409, fixed.text
    assert "ondertekend" in fixed.json()["detail"]
    retitled = api.patch(f"/plans/{plan['id']}", {"summary": "Ondertekend op 1 maart"},
                         **{"If-Match": f'"{signed["version"]}"'})
    assert retitled.status_code == 200, retitled.text
    ended = api.move(api.move(retitled.json(), "active"), "ended")
    read_only = api.patch(f"/plans/{plan['id']}", {"title": "Na het einde"},
                          **{"If-Match": f'"{ended["version"]}"'})
    assert read_only.status_code == 409
    assert api.fresh(plan)["title"] == "Nieuwe titel"


def test_a_period_that_would_leave_targets_outside_is_refused(api: PlansApi) -> None:
    plan = api.new_plan(title=unique("Plan met streefwaarden"), starts_on="2025-01-01", ends_on="2027-12-31")
    framed = api.post(f"/plans/{plan['id']}/framework", {"objectives": [{"title": "Doel", "actions": [
        {"title": "Actie", "indicators": [{"name": "plaatsen", "unit": "plaatsen", "targets": {"2027": "50"}}]}]}]})
    assert framed.status_code == 201, framed.text
    shorter = api.patch(f"/plans/{plan['id']}", {"ends_on": "2026-12-31"},
                        **{"If-Match": f'"{framed.json()["version"]}"'})
    assert shorter.status_code == 422 and "2027" in shorter.json()["detail"]
    assert api.fresh(plan)["ends_on"] == "2027-12-31"


def test_a_wrong_move_is_refused_naming_the_allowed_ones_and_signing_needs_a_signed_document(
        api: PlansApi) -> None:
    plan = api.new_plan(title=unique("Levensloop"))
    wrong = api.post(f"/plans/{plan['id']}/status", {"to": "active"}, **{"If-Match": '"1"'})
    assert wrong.status_code == 409
    assert wrong.json()["allowed"] == ["negotiating"] and "'in onderhandeling'" in wrong.json()["detail"]
    unknown = api.post(f"/plans/{plan['id']}/status", {"to": "gesloten"}, **{"If-Match": '"1"'})
    assert unknown.status_code == 422
    plan = api.move(plan, "negotiating", "eerste ontwerp rondgestuurd")
    assert plan["allowed_moves"] == ["draft", "signed"]
    annex = api.upload(plan, kind="annex", filename="bijlage.pdf")
    assert annex.status_code == 201, annex.text
    unsigned = api.post(f"/plans/{plan['id']}/status", {"to": "signed"}, **{"If-Match": f'"{plan["version"]}"'})
    assert unsigned.status_code == 409 and "ondertekend document" in unsigned.json()["detail"]
    assert api.fresh(plan)["status"] == "negotiating"
    assert api.upload(plan).status_code == 201
    signed = api.move(plan, "signed", "ondertekend door alle partijen")
    ended = api.move(api.move(signed, "active"), "ended", "looptijd voorbij")
    assert ended["allowed_moves"] == []
    final = api.post(f"/plans/{plan['id']}/status", {"to": "active"}, **{"If-Match": f'"{ended["version"]}"'})
    assert final.status_code == 409 and "geen enkele" in final.json()["detail"]
    trail = api.get("/audit", entity="plan", entity_id=plan["id"]).json()
    moves = [(e["before"]["status"], e["after"]["status"], e["reasons"], e["actor"])
             for e in trail if e["action"] == "plan.status.changed"]
    assert moves == [("draft", "negotiating", "eerste ontwerp rondgestuurd", "coordinator"),
                     ("negotiating", "signed", "ondertekend door alle partijen", "coordinator"),
                     ("signed", "active", "", "coordinator"), ("active", "ended", "looptijd voorbij", "coordinator")]


async def test_each_move_publishes_plan_status_changed(api: PlansApi, stack_config) -> None:  # type: ignore[no-untyped-def]
    plan = api.new_plan(title=unique("Gepubliceerd plan"), municipalities=["Hasselt"])
    api.move(plan, "negotiating", "start")
    events = await stream_events(stack_config.nats_url, f"partners.{TENANT}.plan.status.changed", "plan_id",
                                 plan["id"])
    assert len(events) == 1
    assert events[0]["type"] == "be.regie.partners.plan.status.changed.v1"
    assert (events[0]["from_status"], events[0]["to_status"], events[0]["reasons"]) == ("draft", "negotiating",
                                                                                       "start")
    assert events[0]["municipalities"] == ["71072"]


async def test_two_moves_with_the_same_version_one_wins_and_the_other_gets_412(api: PlansApi) -> None:
    plan = api.new_plan(title=unique("Race"))
    headers = api.as_("coordinator", **{"If-Match": '"1"'})
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(*(
            client.post(api.url(f"/plans/{plan['id']}/status"), json={"to": "negotiating", "reasons": str(n)},
                        headers=headers) for n in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
    trail = api.get("/audit", entity="plan", entity_id=plan["id"]).json()
    assert len([e for e in trail if e["action"] == "plan.status.changed"]) == 1
    assert api.fresh(plan)["version"] == 2


def test_a_whole_framework_keeps_its_codes_and_order(api: PlansApi) -> None:
    plan = api.new_plan(title=unique("Regionale samenwerkingsovereenkomst Westhoek"),
                        starts_on="2025-01-01", ends_on="2026-12-31")
    framed = api.post(f"/plans/{plan['id']}/framework", westhoek_framework())
    assert framed.status_code == 201, framed.text
    objectives = framed.json()["objectives"]
    assert [o["code"] for o in objectives] == ["1", "2", "3"]
    assert {o["level"] for o in objectives} == {"policy"}
    assert [a["code"] for o in objectives for a in o["actions"]] == [
        "1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3"]
    events = objectives[0]["actions"][0]["indicators"][0]
    assert [(t["year"], t["value"]) for t in events["targets"]] == [(2025, "1.000"), (2026, "2.000")]
    counted = objectives[1]["actions"][1]["indicators"][0]
    assert counted["feed"] == "counted" and counted["rule"] == "grants.projects-awarded"
    assert counted["rule_label"].startswith("aantal toegekende projectsubsidies")
    more = api.post(f"/plans/{plan['id']}/objectives", {"title": "Vierde doelstelling"})
    assert more.status_code == 201 and more.json()["code"] == "4"
    action = api.post(f"/objectives/{more.json()['id']}/actions", {"title": "Nieuwe actie"})
    assert action.status_code == 201 and action.json()["code"] == "4.1"
    assert [o["code"] for o in api.fresh(plan)["objectives"]] == ["1", "2", "3", "4"]


def test_a_bad_item_anywhere_in_a_framework_adds_nothing(api: PlansApi) -> None:
    plan = api.new_plan(title=unique("Half kader"), starts_on="2025-01-01", ends_on="2026-12-31")
    framework = westhoek_framework()
    framework["objectives"][2]["actions"][2]["indicators"] = [{"name": "ton", "unit": "ton", "feed": "counted"}]
    refused = api.post(f"/plans/{plan['id']}/framework", framework)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "objectives[2].actions[2].indicators[0].rule"
    assert api.fresh(plan)["objectives"] == []


def test_a_multi_year_plan_has_strategic_then_operational_objectives_with_actions_under_the_operational(
        api: PlansApi) -> None:
    plan = api.new_plan(kind="multi-year-plan", title=unique("Meerjarenplan Turnhout 2020-2025"),
                        municipalities=["Hasselt"], starts_on="2020-01-01", ends_on="2025-12-31")
    framed = api.post(f"/plans/{plan['id']}/framework", {"objectives": [
        {"code": "SD1", "title": "Turnhout is een warme stad", "objectives": [
            {"code": "OD1.1", "title": "We versterken de sociale economie", "actions": [
                {"title": "Sociale tewerkstelling in de stadsdiensten"}]}]}]})
    assert framed.status_code == 201, framed.text
    strategic = framed.json()["objectives"][0]
    assert strategic["level"] == "strategic" and strategic["level_label"] == "strategische doelstelling"
    operational = strategic["objectives"][0]
    assert (operational["level"], operational["code"]) == ("operational", "OD1.1")
    assert operational["actions"][0]["code"] == "OD1.1.1"
    under_strategic = api.post(f"/objectives/{strategic['id']}/actions", {"title": "Verkeerd"})
    assert under_strategic.status_code == 422
    policy = api.post(f"/plans/{plan['id']}/objectives", {"title": "Beleid", "level": "policy"})
    assert policy.status_code == 422 and "meerjarenplan" in policy.json()["detail"]
    orphan = api.post(f"/plans/{plan['id']}/objectives", {"title": "Wees", "level": "operational"})
    assert orphan.status_code == 422
    child = api.post(f"/plans/{plan['id']}/objectives", {"title": "OD 2", "parent_id": strategic["id"]})
    assert child.status_code == 201 and child.json()["level"] == "operational" and child.json()["code"] == "SD1.2"
    agreement = api.new_plan(title=unique("Overeenkomst"))
    wrong = api.post(f"/plans/{agreement['id']}/objectives", {"title": "Strategisch", "level": "strategic"})
    assert wrong.status_code == 422


def test_an_indicator_is_counted_by_a_known_rule_or_entered_without_one(api: PlansApi) -> None:
    plan = api.new_plan(title=unique("Indicatoren"))
    framed = api.post(f"/plans/{plan['id']}/framework", {"objectives": [{"title": "Doel", "actions": [
        {"title": "Actie"}]}]})
    action = framed.json()["objectives"][0]["actions"][0]["id"]
    for body, field in [({"name": "ton", "unit": "ton", "feed": "counted"}, "indicator.rule"),
                        ({"name": "ton", "unit": "ton", "feed": "counted", "rule": "food.kilos"}, "indicator.rule"),
                        ({"name": "ton", "unit": "ton", "rule": "food.tonnes-delivered"}, "indicator.rule"),
                        ({"name": "ton", "unit": "ton", "feed": "guessed"}, "indicator.feed"),
                        ({"name": "ton", "unit": ""}, "indicator.unit")]:
        refused = api.post(f"/actions/{action}/indicators", body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["field"] == field
    assert api.fresh(plan)["objectives"][0]["actions"][0]["indicators"] == []
    made = api.post(f"/actions/{action}/indicators", {"name": "ton voedsel", "unit": "ton", "baseline": "12.5",
                                                      "feed": "counted", "rule": "food.tonnes-delivered"})
    assert made.status_code == 201, made.text
    indicator = made.json()
    assert indicator["baseline"] == "12.500" and made.headers["ETag"] == '"1"'
    changed = api.patch(f"/indicators/{indicator['id']}", {"rule": "food.co2-avoided"}, **{"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["rule"] == "food.co2-avoided" and changed.headers["ETag"] == '"2"'
    entered = api.patch(f"/indicators/{indicator['id']}", {"feed": "entered"}, **{"If-Match": '"2"'})
    assert entered.status_code == 200 and entered.json()["rule"] is None
    uncounted = api.patch(f"/indicators/{indicator['id']}", {"feed": "counted"}, **{"If-Match": '"3"'})
    assert uncounted.status_code == 422
    trail = api.get("/audit", entity="indicator", entity_id=indicator["id"]).json()
    assert [(e["action"], e["before"]["rule"], e["after"]["rule"]) for e in trail] == [
        ("indicator.rule.changed", "food.tonnes-delivered", "food.co2-avoided"),
        ("indicator.rule.changed", "food.co2-avoided", None)]


def test_targets_are_set_per_year_within_the_period_audited_and_never_for_an_ended_plan(api: PlansApi) -> None:
    plan = api.new_plan(title=unique("Streefwaarden"), starts_on="2025-03-01", ends_on="2027-06-30")
    framed = api.post(f"/plans/{plan['id']}/framework", {"objectives": [{"title": "200 extra plaatsen", "actions": [
        {"title": "Clusters van gemeenten", "indicators": [{"name": "extra plaatsen", "unit": "plaatsen"}]}]}]})
    indicator = framed.json()["objectives"][0]["actions"][0]["indicators"][0]
    path = f"/indicators/{indicator['id']}/targets"
    assert api.put(f"{path}/2025", {"value": "50"}).status_code == 428
    first = api.put(f"{path}/2025", {"value": "50"}, **{"If-Match": '"1"'})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"2"' and first.json()["targets"] == [{"year": 2025, "value": "50.000"}]
    stale = api.put(f"{path}/2026", {"value": "150"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    outside = api.put(f"{path}/2028", {"value": "200"}, **{"If-Match": '"2"'})
    assert outside.status_code == 422 and "2025–2027" in outside.json()["detail"]
    changed = api.put(f"{path}/2025", {"value": "60"}, **{"If-Match": '"2"'})
    assert changed.status_code == 200 and changed.json()["targets"][0]["value"] == "60.000"
    assert api.put(f"{path}/2027", {"value": "-1"}, **{"If-Match": '"3"'}).status_code == 422
    trail = api.get("/audit", entity="indicator", entity_id=indicator["id"]).json()
    assert [(e["before"], e["after"]["year"], e["after"]["value"]) for e in trail] == [
        (None, 2025, "50.000"), ({"year": 2025, "value": "50.000"}, 2025, "60.000")]
    api.ended(api.fresh(plan))
    ended = api.put(f"{path}/2026", {"value": "150"}, **{"If-Match": '"3"'})
    assert ended.status_code == 409 and "beëindigd" in ended.json()["detail"]
    more = api.post(f"/plans/{plan['id']}/objectives", {"title": "Te laat"})
    assert more.status_code == 409
    assert api.get(f"/indicators/{indicator['id']}").json()["targets"] == [{"year": 2025, "value": "60.000"}]
