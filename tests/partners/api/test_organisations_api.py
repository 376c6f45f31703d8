"""The organisations API through httpx with real tokens: registering with everything an entry holds, bad input
refused with a Dutch reason and nothing stored, a coordinator's edit with If-Match, a partner's own entry (what
applies at once and what waits for approval), deciding the changes (and two coordinators racing), the events and
grants' read model following a recognition."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from devstack.realms import enterprise_number as demo_number
from shared.problems import TYPE_PREFIX
from tests.support import bearer, stream_events
from tests.support import random_enterprise_number as enterprise_number


def register(partners_url: str, token: str, tenant: str, **fields: Any) -> httpx.Response:
    body = {"enterprise_number": enterprise_number(), "name": "Atelier De Brug", "kind": "cooperative",
            "municipality": "Ieper", **fields}
    return httpx.post(f"{partners_url}/{tenant}/organisations", headers=bearer(token), json=body)


def own_organisation(partners_url: str, tokens, tenant: str, username: str, **fields: Any) -> dict:  # type: ignore[no-untyped-def]
    """The partner's organisation, registered by the coordinator (or already there from another test or run), with
    no recognitions and no change of them waiting."""
    coordinator = bearer(tokens(tenant, "coordinator"))
    response = register(partners_url, tokens(tenant, "coordinator"), tenant,
                        enterprise_number=demo_number(tenant, username), **fields)
    assert response.status_code in (201, 409), response.text
    mine = httpx.get(f"{partners_url}/{tenant}/organisations/mine", headers=bearer(tokens(tenant, username)))
    assert mine.status_code == 200, mine.text
    if (pending := mine.json()["pending_change"]) is not None:
        refused = httpx.post(f"{partners_url}/{tenant}/organisation-changes/{pending['id']}/refuse",
                             headers={**coordinator, "If-Match": str(pending["version"])},
                             json={"reasons": "opgeruimd voor een nieuwe test"})
        assert refused.status_code == 200, refused.text
        mine = httpx.get(f"{partners_url}/{tenant}/organisations/mine", headers=bearer(tokens(tenant, username)))
    # back to no recognitions and the kind asked for, whatever an earlier run left
    reset = httpx.patch(f"{partners_url}/{tenant}/organisations/{mine.json()['id']}",
                        headers={**coordinator, "If-Match": str(mine.json()["version"])},
                        json={"recognitions": [], "kind": fields.get("kind", "cooperative")})
    assert reset.status_code == 200, reset.text
    return reset.json()


def test_a_coordinator_registers_an_organisation_with_everything_an_entry_holds(partners_url, tokens) -> None:
    number = enterprise_number()
    response = register(
        partners_url, tokens("west-vlaanderen", "coordinator"), "west-vlaanderen",
        enterprise_number=f"BE {number[:4]}.{number[4:7]}.{number[7:]}", name="  Westhoek Werkt  ",
        kind="maatwerkbedrijf", municipality="ieper", description="Groen, verpakking en catering.",
        contact={"street": "Grote Markt 1", "postcode": "8900", "email": "info@westhoekwerkt.be",
                 "phone": "057 00 00 00", "website": "https://westhoekwerkt.be"},
        recognitions=[{"kind": "maatwerkbedrijf", "valid_from": "2019-01-01", "reference": "MWB-123"},
                      {"kind": "arbeidszorg", "valid_from": "2015-01-01", "valid_until": "2018-12-31"}],
        offerings=[{"rubric": "groen", "kind": "service", "description": "Onderhoud van openbaar groen"},
                   {"rubric": "catering", "kind": "product", "description": "Broodjes en soep"}],
        staff=[{"year": 2024, "target_group_workers": 80, "supervising_staff": 12, "fte": "71.5"},
               {"year": 2023, "target_group_workers": 75, "supervising_staff": 11, "fte": "68.25"}])
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["etag"] == '"1"' and body["version"] == 1
    assert body["enterprise_number"] == number and body["name"] == "Westhoek Werkt"
    assert (body["municipality"], body["municipality_name"]) == ("33011", "Ieper")
    assert body["kind_label"] == "maatwerkbedrijf" and body["social_economy"] is True
    assert body["contact"]["postcode"] == "8900"
    assert [(r["kind"], r["valid_today"]) for r in body["recognitions"]] == [
        ("arbeidszorg", False), ("maatwerkbedrijf", True)]
    assert [(o["rubric"], o["rubric_label"], o["kind_label"]) for o in body["offerings"]] == [
        ("groen", "groenaanleg en -onderhoud", "dienst"), ("catering", "catering en voeding", "product")]
    assert [(s["year"], s["fte"]) for s in body["staff"]] == [(2023, "68.25"), (2024, "71.50")]
    again = httpx.get(f"{partners_url}/west-vlaanderen/organisations/{body['id']}",
                      headers=bearer(tokens("west-vlaanderen", "call-manager")))
    assert again.status_code == 200 and again.json() == body


def test_the_same_enterprise_number_twice_in_a_province_is_a_conflict_but_fine_in_another(
        partners_url, tokens) -> None:
    number = enterprise_number()
    first = register(partners_url, tokens("limburg", "coordinator"), "limburg", enterprise_number=number,
                     municipality="Genk")
    assert first.status_code == 201, first.text
    second = register(partners_url, tokens("limburg", "coordinator"), "limburg", enterprise_number=number,
                      municipality="Hasselt", name="Iemand anders")
    assert second.status_code == 409 and second.json()["type"] == TYPE_PREFIX + "conflict"
    assert "al geregistreerd" in second.json()["detail"]
    elsewhere = register(partners_url, tokens("antwerpen", "coordinator"), "antwerpen", enterprise_number=number,
                         municipality="Mol")
    assert elsewhere.status_code == 201, elsewhere.text


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"enterprise_number": "0123.456.748"}, "enterprise_number", "controlegetal"),
    ({"municipality": "Parijs"}, "municipality", "geen Vlaamse gemeente"),
    ({"kind": "bakkerij"}, "kind", "onbekend soort organisatie"),
    ({"recognitions": [{"kind": "michelinster", "valid_from": "2020-01-01"}]}, "recognitions[0].kind",
     "onbekende erkenning"),
    ({"recognitions": [{"kind": "arbeidszorg", "valid_from": "2020-01-01", "valid_until": "2019-12-31"}]},
     "recognitions[0].valid_until", "vóór ze begint"),
    ({"offerings": [{"rubric": "ruimtevaart", "kind": "service", "description": "raketten"}]},
     "offerings[0].rubric", "onbekende rubriek"),
    ({"offerings": [{"rubric": "groen", "kind": "abonnement", "description": "gras"}]}, "offerings[0].kind",
     "onbekende soort"),
    ({"staff": [{"year": 2024, "target_group_workers": -1, "supervising_staff": 2, "fte": "3"}]},
     "staff[0].target_group_workers", "negatief"),
    ({"staff": [{"year": 2024, "target_group_workers": 1, "supervising_staff": 2, "fte": "3"},
                {"year": 2024, "target_group_workers": 1, "supervising_staff": 2, "fte": "3"}]},
     "staff[1].year", "twee keer"),
])
def test_bad_input_is_refused_in_dutch_and_nothing_is_stored(partners_url, tokens, fields, field, words) -> None:
    number = fields.get("enterprise_number") or enterprise_number()
    response = register(partners_url, tokens("vlaams-brabant", "coordinator"), "vlaams-brabant",
                        **{"enterprise_number": number, **fields})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["type"] == TYPE_PREFIX + "validation" and problem["field"] == field
    assert words in problem["detail"]
    listed = httpx.get(f"{partners_url}/vlaams-brabant/organisations", params={"limit": 200},
                       headers=bearer(tokens("vlaams-brabant", "coordinator"))).json()
    assert number.replace(".", "") not in {o["enterprise_number"] for o in listed["items"]}


def test_the_list_filters_by_kind_and_municipality_and_pages_by_cursor(partners_url, tokens) -> None:
    token = tokens("oost-vlaanderen", "coordinator")
    made = [register(partners_url, token, "oost-vlaanderen", kind="food-aid", municipality="Zelzate",
                     name=f"Voedselbank Zelzate {i}").json()["id"] for i in range(3)]
    register(partners_url, token, "oost-vlaanderen", kind="cooperative", municipality="Zelzate")
    seen: list[str] = []
    cursor = None
    while True:
        page = httpx.get(f"{partners_url}/oost-vlaanderen/organisations", headers=bearer(token),
                         params={"kind": "food-aid", "municipality": "zelzate", "limit": 2,
                                 **({"cursor": cursor} if cursor else {})}).json()
        seen += [o["id"] for o in page["items"]]
        assert all(o["kind"] == "food-aid" and o["municipality_name"] == "Zelzate" for o in page["items"])
        if (cursor := page["next_cursor"]) is None:
            break
    assert set(made) <= set(seen) and len(seen) == len(set(seen))
    unknown = httpx.get(f"{partners_url}/oost-vlaanderen/organisations", headers=bearer(token),
                        params={"municipality": "Atlantis"})
    assert unknown.status_code == 422


def test_a_coordinator_edits_with_if_match_and_a_stale_or_missing_version_is_refused(partners_url, tokens) -> None:
    token = tokens("antwerpen", "coordinator")
    created = register(partners_url, token, "antwerpen", municipality="Turnhout").json()
    url = f"{partners_url}/antwerpen/organisations/{created['id']}"
    missing = httpx.patch(url, headers=bearer(token), json={"description": "zonder versie"})
    assert missing.status_code == 428
    edited = httpx.patch(url, headers={**bearer(token), "If-Match": '"1"'}, json={
        "name": "De Brug Turnhout", "municipality": "13025", "description": "Fietsherstel",
        "offerings": [{"rubric": "fietsen", "kind": "service", "description": "Herstel van bedrijfsfietsen"}],
        "recognitions": [{"kind": "lokale-diensteneconomie", "valid_from": "2020-01-01"}],
        "staff": [{"year": 2024, "target_group_workers": 4, "supervising_staff": 1, "fte": "4.8"}]})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["version"] == 2 and edited.headers["etag"] == '"2"'
    assert (body["name"], body["municipality_name"], body["social_economy"]) == ("De Brug Turnhout", "Mol", True)
    assert body["pending_change"] is None
    stale = httpx.patch(url, headers={**bearer(token), "If-Match": '"1"'}, json={"description": "oud"})
    assert stale.status_code == 412 and stale.json()["type"] == TYPE_PREFIX + "precondition-failed"
    staff_again = httpx.patch(url, headers={**bearer(token), "If-Match": '"2"'}, json={
        "staff": [{"year": 2024, "target_group_workers": 5, "supervising_staff": 1, "fte": "5"},
                  {"year": 2025, "target_group_workers": 6, "supervising_staff": 1, "fte": "5.5"}]})
    assert staff_again.status_code == 200, staff_again.text
    assert [(s["year"], s["target_group_workers"]) for s in staff_again.json()["staff"]] == [(2024, 5), (2025, 6)]
    bad = httpx.patch(url, headers={**bearer(token), "If-Match": '"3"'}, json={
        "description": "mag niet blijven", "staff": [{"year": 2024, "target_group_workers": 1,
                                                      "supervising_staff": -3, "fte": "1"}]})
    assert bad.status_code == 422
    after = httpx.get(url, headers=bearer(token)).json()
    assert after["version"] == 3 and after["description"] == "Fietsherstel"


def test_a_partner_sees_and_edits_only_its_own_entry(partners_url, tokens) -> None:
    tenant = "limburg"
    own = own_organisation(partners_url, tokens, tenant, "partner2", kind="cooperative", municipality="Genk")
    other = own_organisation(partners_url, tokens, tenant, "partner3", kind="cooperative", municipality="Genk")
    partner = bearer(tokens(tenant, "partner2"))
    assert httpx.get(f"{partners_url}/{tenant}/organisations/{own['id']}", headers=partner).status_code == 200
    assert httpx.get(f"{partners_url}/{tenant}/organisations/{other['id']}", headers=partner).status_code == 403
    refused = httpx.patch(f"{partners_url}/{tenant}/organisations/{other['id']}",
                          headers={**partner, "If-Match": str(other["version"])}, json={"description": "gekaapt"})
    assert refused.status_code == 403
    assert httpx.get(f"{partners_url}/{tenant}/organisations", headers=partner).status_code == 403
    assert httpx.post(f"{partners_url}/{tenant}/organisations", headers=partner,
                      json={"enterprise_number": enterprise_number(), "name": "x", "kind": "cooperative",
                            "municipality": "Genk"}).status_code == 403
    edited = httpx.patch(f"{partners_url}/{tenant}/organisations/{own['id']}",
                         headers={**partner, "If-Match": str(own["version"])},
                         json={"description": "Wij maken meubelen uit gerecupereerd hout.",
                               "contact": {"email": "hallo@example.be", "postcode": "3600"},
                               "offerings": [{"rubric": "hout", "kind": "product", "description": "Tafels"}]})
    assert edited.status_code == 200, edited.text
    assert edited.json()["description"].startswith("Wij maken") and edited.json()["pending_change"] is None
    assert httpx.get(f"{partners_url}/{tenant}/organisations/{other['id']}",
                     headers=bearer(tokens(tenant, "coordinator"))).json()["description"] != "gekaapt"


async def test_a_partners_recognition_change_waits_and_the_rest_applies_at_once_then_grants_follows_approval(
        platform, partners_url, tokens) -> None:
    tenant = "west-vlaanderen"
    own = own_organisation(partners_url, tokens, tenant, "partner2", kind="cooperative", municipality="Veurne")
    coordinator = bearer(tokens(tenant, "coordinator"))
    partner = bearer(tokens(tenant, "partner2"))
    url = f"{partners_url}/{tenant}/organisations/{own['id']}"
    version = own["version"]
    assert own["social_economy"] is False and own["recognitions"] == []
    await read_model_says(platform, tokens, tenant, own["enterprise_number"], False)

    asked = httpx.patch(url, headers={**partner, "If-Match": str(version)}, json={
        "description": "Arbeidszorg en kringloop in Veurne.",
        "recognitions": [{"kind": "arbeidszorg", "valid_from": "2024-01-01", "reference": "AZ-77"}]})
    assert asked.status_code == 202, asked.text
    body = asked.json()
    assert body["description"] == "Arbeidszorg en kringloop in Veurne."  # applied at once
    assert body["recognitions"] == [] and body["social_economy"] is False  # waits
    change = body["pending_change"]
    assert change["status"] == "pending" and change["status_label"] == "wacht op goedkeuring"
    assert change["before"]["recognitions"] == []
    assert change["after"]["recognitions"] == [
        {"kind": "arbeidszorg", "valid_from": "2024-01-01", "valid_until": None, "reference": "AZ-77"}]
    second = httpx.patch(url, headers={**partner, "If-Match": str(body["version"])}, json={
        "recognitions": [{"kind": "maatwerkbedrijf", "valid_from": "2024-01-01"}]})
    assert second.status_code == 409
    queue = httpx.get(f"{partners_url}/{tenant}/organisation-changes", headers=coordinator).json()["items"]
    assert change["id"] in {c["id"] for c in queue}
    assert httpx.get(f"{partners_url}/{tenant}/organisation-changes", headers=partner).status_code == 403
    assert httpx.post(f"{partners_url}/{tenant}/organisation-changes/{change['id']}/approve",
                      headers={**partner, "If-Match": "1"}).status_code == 403

    approved = httpx.post(f"{partners_url}/{tenant}/organisation-changes/{change['id']}/approve",
                          headers={**coordinator, "If-Match": str(change["version"])})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "coordinator"
    after = httpx.get(url, headers=partner).json()
    assert [r["kind"] for r in after["recognitions"]] == ["arbeidszorg"] and after["social_economy"] is True
    assert after["pending_change"] is None
    again = httpx.post(f"{partners_url}/{tenant}/organisation-changes/{change['id']}/approve",
                       headers={**coordinator, "If-Match": str(approved.json()["version"])})
    assert again.status_code == 409

    (event,) = [e for e in await stream_events(
        platform.config.nats_url, f"partners.{tenant}.organisation.recognition.changed", "organisation_id",
        own["id"], at_least=1) if e["change_id"] == change["id"]]
    assert event["social_economy"] is True and event["type"].endswith("organisation.recognition.changed.v1")
    assert event["recognitions"] == [{"kind": "arbeidszorg", "valid_from": "2024-01-01", "valid_until": None}]
    trail = httpx.get(f"{partners_url}/{tenant}/audit", headers=coordinator,
                      params={"entity": "organisation", "entity_id": own["id"]}).json()
    assert [(e["action"], e["actor"]) for e in trail[-2:]] == [
        ("recognition.requested", "partner2"), ("recognition.approved", "coordinator")]
    assert trail[-1]["before"]["recognitions"] == [] and trail[-1]["after"] == change["after"]
    await read_model_says(platform, tokens, tenant, own["enterprise_number"], True)


async def read_model_says(platform, tokens, tenant: str, number: str, social_economy: bool) -> None:  # type: ignore[no-untyped-def]
    """Polls grants' read model (the events travel asynchronously) until it says `social_economy`."""
    found = None
    started = time.monotonic()
    async with httpx.AsyncClient() as http:
        while time.monotonic() - started < 10:
            known = await http.get(f"{platform.url('grants')}/{tenant}/registry/organisations",
                                   headers=bearer(tokens(tenant, "call-manager")), params={"limit": 500})
            found = next((o for o in known.json() if o["enterprise_number"] == number), None)
            if found is not None and found["social_economy"] is social_economy:
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"grants' read model still says {found}")


def test_a_refusal_needs_reasons_and_keeps_the_recognitions_as_they_were(partners_url, tokens) -> None:
    tenant = "oost-vlaanderen"
    own = own_organisation(partners_url, tokens, tenant, "partner3", kind="cooperative", municipality="Gent")
    partner = bearer(tokens(tenant, "partner3"))
    coordinator = bearer(tokens(tenant, "coordinator"))
    asked = httpx.patch(f"{partners_url}/{tenant}/organisations/{own['id']}",
                        headers={**partner, "If-Match": str(own["version"])},
                        json={"kind": "maatwerkbedrijf"})
    assert asked.status_code == 202, asked.text
    change = asked.json()["pending_change"]
    assert (change["before"]["kind"], change["after"]["kind"]) == (own["kind"], "maatwerkbedrijf")
    refuse_url = f"{partners_url}/{tenant}/organisation-changes/{change['id']}/refuse"
    empty = httpx.post(refuse_url, headers={**coordinator, "If-Match": "1"}, json={"reasons": "  "})
    assert empty.status_code == 422 and empty.json()["field"] == "reasons"
    refused = httpx.post(refuse_url, headers={**coordinator, "If-Match": "1"},
                         json={"reasons": "Geen erkenning als maatwerkbedrijf gevonden."})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    entry = httpx.get(f"{partners_url}/{tenant}/organisations/mine", headers=partner).json()
    assert entry["kind"] == own["kind"] and entry["pending_change"] is None
    history = httpx.get(f"{partners_url}/{tenant}/organisations/{own['id']}/changes", headers=partner).json()
    assert history["items"][0]["reasons"] == "Geen erkenning als maatwerkbedrijf gevonden."


def test_two_coordinators_approving_one_change_at_once_one_wins_and_the_other_is_refused(
        partners_url, tokens) -> None:
    tenant = "antwerpen"
    own = own_organisation(partners_url, tokens, tenant, "partner3", kind="cooperative", municipality="Balen")
    partner = bearer(tokens(tenant, "partner3"))
    asked = httpx.patch(f"{partners_url}/{tenant}/organisations/{own['id']}",
                        headers={**partner, "If-Match": str(own["version"])},
                        json={"recognitions": [{"kind": "invoegbedrijf", "valid_from": "2025-03-01"}]})
    assert asked.status_code == 202, asked.text
    change = asked.json()["pending_change"]
    url = f"{partners_url}/{tenant}/organisation-changes/{change['id']}/approve"
    headers = [{**bearer(tokens(tenant, who)), "If-Match": str(change["version"])}
               for who in ("coordinator", "province-admin")]
    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(lambda h: httpx.post(url, headers=h).status_code, headers))
    assert answers[0] == 200 and answers[1] in (409, 412), answers
    entry = httpx.get(f"{partners_url}/{tenant}/organisations/{own['id']}", headers=partner).json()
    assert [r["kind"] for r in entry["recognitions"]] == ["invoegbedrijf"]


def test_a_partner_without_an_entry_is_told_to_ask_the_coordinator(partners_url, tokens) -> None:
    mine = httpx.get(f"{partners_url}/vlaams-brabant/organisations/mine",
                     headers=bearer(tokens("vlaams-brabant", "partner3")))
    # another test may have registered it; otherwise the answer says what to do
    assert mine.status_code in (200, 404)
    if mine.status_code == 404:
        assert "coördinator" in mine.json()["detail"]
