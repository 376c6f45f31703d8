"""The public catalogue API, without login: full-text search in Dutch with accents folded and the last word as a
prefix, filters by rubric, kind and municipality, counts per rubric before the rubric filter, who counts as a
supplier, pagination, bad input, and the fact sheet of a municipality. Each test searches for a word of its own,
so what other tests register does not change its counts."""

from __future__ import annotations

import random
import string
from typing import Any

import httpx
import pytest

from shared.problems import TYPE_PREFIX
from tests.support import bearer
from tests.support import random_enterprise_number as enterprise_number


def word() -> str:
    """A made-up word no other test uses (letters only, so Dutch stemming leaves it recognisable)."""
    return "zq" + "".join(random.choices(string.ascii_lowercase, k=8))


def register(partners_url: str, tokens, tenant: str, **fields: Any) -> dict:  # type: ignore[no-untyped-def]
    response = httpx.post(f"{partners_url}/{tenant}/organisations", headers=bearer(tokens(tenant, "coordinator")),
                          json={"enterprise_number": enterprise_number(), "kind": "cooperative", **fields})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def world(partners_url, tokens) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    tag = word()
    made = {
        "mwb": register(partners_url, tokens, "antwerpen", name=f"Maatwerk {tag.title()}", kind="maatwerkbedrijf",
                        municipality="Geel", description=f"Een maatwerkbedrijf ({tag})."),
        "soep": register(partners_url, tokens, "antwerpen", name="Soepbar De Ketel", municipality="Mol",
                         description=f"Soep, broodjes en catering: {tag} {tag}.",
                         offerings=[{"rubric": "catering", "kind": "product",
                                     "description": f"Verse soep van {tag}"},
                                    {"rubric": "horeca", "kind": "service", "description": "Zaalverhuur"}]),
        "niets": register(partners_url, tokens, "antwerpen", name=f"Gewone Vereniging {tag}", municipality="Mol",
                          description=f"Geen aanbod, geen erkenning: {tag}."),
        "erkend": register(partners_url, tokens, "antwerpen", name="Atelier Erkend", municipality="Retie",
                           description=f"Arbeidszorg {tag}.", recognitions=[
                               {"kind": "arbeidszorg", "valid_from": "2020-01-01"}]),
        "verlopen": register(partners_url, tokens, "antwerpen", name="Atelier Verlopen", municipality="Retie",
                             description=f"Erkenning verlopen {tag}.", recognitions=[
                                 {"kind": "arbeidszorg", "valid_from": "2010-01-01", "valid_until": "2015-12-31"}]),
        "groen": register(partners_url, tokens, "antwerpen", name="Groendienst Kempen", kind="regular-enterprise",
                          municipality="Turnhout", description=f"Onderhoud van het café-terras ({tag}).",
                          offerings=[{"rubric": "groen", "kind": "service",
                                      "description": "Kringloopwinkel en groenonderhoud"}]),
    }
    return {"tag": tag, **{k: v["id"] for k, v in made.items()}}


def search(partners_url: str, tenant: str = "antwerpen", **params: Any) -> httpx.Response:
    return httpx.get(f"{partners_url}/{tenant}/public/catalogue", params=params)


def test_the_catalogue_answers_without_login_with_the_suppliers_only(partners_url, world) -> None:
    response = search(partners_url, q=world["tag"])
    assert response.status_code == 200, response.text
    body = response.json()
    ids = [i["id"] for i in body["items"]]
    # a social-economy kind, an offering, a recognition valid today: suppliers; nothing of those: not listed
    assert set(ids) == {world["mwb"], world["soep"], world["erkend"], world["groen"]}
    assert body["total"] == 4 and body["next_cursor"] is None
    assert ids[0] == world["soep"]  # the word three times ranks first
    soep = body["items"][0]
    assert soep["municipality_name"] == "Mol" and soep["rubrics"] == ["catering", "horeca"]
    assert [o["description"] for o in soep["offerings"]] == [f"Verse soep van {world['tag']}"]  # the one matching
    counts = {c["rubric"]: c["count"] for c in body["counts"]}
    assert counts["catering"] == 1 and counts["horeca"] == 1 and counts["groen"] == 1 and counts["bouw"] == 0
    assert {c["rubric"]: c["label"] for c in body["counts"]}["groen"] == "groenaanleg en -onderhoud"


def test_the_rubric_filter_narrows_the_results_but_not_the_counts(partners_url, world) -> None:
    body = search(partners_url, q=world["tag"], rubric=["catering", "groen"]).json()
    assert {i["id"] for i in body["items"]} == {world["soep"], world["groen"]} and body["total"] == 2
    only = search(partners_url, q=world["tag"], rubric="catering").json()
    assert [i["id"] for i in only["items"]] == [world["soep"]]
    assert {c["rubric"]: c["count"] for c in only["counts"]}["groen"] == 1


def test_kind_and_municipality_filter_and_the_counts_follow_them(partners_url, world) -> None:
    services = search(partners_url, q=world["tag"], kind="service").json()
    assert {i["id"] for i in services["items"]} == {world["soep"], world["groen"]}
    assert {c["rubric"]: c["count"] for c in services["counts"]}["catering"] == 0
    in_mol = search(partners_url, q=world["tag"], municipality="mol").json()
    assert [i["id"] for i in in_mol["items"]] == [world["soep"]]
    by_code = search(partners_url, q=world["tag"], municipality="13025").json()
    assert by_code["items"] == in_mol["items"]


def test_accents_are_folded_and_the_last_word_is_a_prefix(partners_url, world) -> None:
    cafe = search(partners_url, q=f"cafe {world['tag']}").json()
    assert [i["id"] for i in cafe["items"]] == [world["groen"]]
    typed = search(partners_url, q=f"{world['tag']} kringl").json()
    assert [i["id"] for i in typed["items"]] == [world["groen"]]
    partial = search(partners_url, q=world["tag"][:6]).json()
    assert world["soep"] in {i["id"] for i in partial["items"]}
    quoted = search(partners_url, q=f'"{world["tag"]}" -soep').json()
    assert world["soep"] not in {i["id"] for i in quoted["items"]} and quoted["total"] == 3


def test_odd_text_is_searched_safely(partners_url, world) -> None:
    for q in ("&", "a:* | !", "'; drop table organisations; --", '"unbalanced', "de het een", "(((", "-"):
        response = search(partners_url, q=q)
        assert response.status_code == 200, (q, response.text)


def test_pages_follow_each_other_without_overlap(partners_url, world) -> None:
    first = search(partners_url, q=world["tag"], limit=3).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = search(partners_url, q=world["tag"], limit=3, cursor=first["next_cursor"]).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"rubric": "ruimtevaart"}, 422, "rubric"),
    ({"kind": "abonnement"}, 422, "kind"),
    ({"municipality": "Parijs"}, 422, "municipality"),
    ({"limit": 0}, 422, "limit"),
    ({"q": "x" * 201}, 422, "q"),
    ({"cursor": "!!nonsense"}, 400, None),
])
def test_bad_search_input_is_a_problem_in_dutch(partners_url, params, status, field) -> None:
    response = search(partners_url, **params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field:
        assert response.json()["field"] == field and response.json()["type"] == TYPE_PREFIX + "validation"


def test_another_province_has_its_own_catalogue(partners_url, world) -> None:
    assert search(partners_url, tenant="limburg", q=world["tag"]).json()["total"] == 0
    assert search(partners_url, tenant="brussel", q="x").status_code == 404


def test_the_fact_sheet_of_a_municipality_shows_its_organisations_and_their_staff(partners_url, tokens) -> None:
    tag = word()
    first = register(partners_url, tokens, "limburg", name=f"Werkhuis {tag}", kind="maatwerkbedrijf",
                     municipality="Bilzen-Hoeselt", staff=[
                         {"year": 2023, "target_group_workers": 10, "supervising_staff": 2, "fte": "9.5"},
                         {"year": 2024, "target_group_workers": 12, "supervising_staff": 3, "fte": "11.25"}])
    sheet = httpx.get(f"{partners_url}/limburg/public/municipalities/bilzen-hoeselt")
    assert sheet.status_code == 200, sheet.text
    body = sheet.json()
    assert body["municipality"] == {"code": "73110", "name": "Bilzen-Hoeselt", "slug": "bilzen-hoeselt",
                                    "province": "limburg"}
    mine = next(o for o in body["organisations"] if o["id"] == first["id"])
    assert (mine["year"], mine["target_group_workers"], mine["fte"], mine["social_economy"]) == (
        2024, 12, "11.25", True)
    assert int(body["staff_totals"]["target_group_workers"]) >= 12
    assert body["food"]["grams"] >= 0 and isinstance(body["grants"], list) and isinstance(body["plans"], list)
    by_code = httpx.get(f"{partners_url}/limburg/public/municipalities/73110").json()
    assert by_code["municipality"] == body["municipality"]
    assert httpx.get(f"{partners_url}/limburg/public/municipalities/gent").status_code == 404  # another province
    assert httpx.get(f"{partners_url}/limburg/public/municipalities/atlantis").status_code == 404
    listed = httpx.get(f"{partners_url}/limburg/public/municipalities").json()
    assert len(listed) == 38 and [m["name"] for m in listed[:2]] == ["Alken", "As"]


def test_without_text_the_filters_alone_list_suppliers_in_name_order(partners_url, world) -> None:
    seen: list[dict] = []
    cursor = None
    while True:
        page = search(partners_url, rubric="horeca", municipality="Mol", limit=50,
                      **({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        if (cursor := page.json()["next_cursor"]) is None:
            break
    assert world["soep"] in {i["id"] for i in seen}
    assert all("horeca" in i["rubrics"] and i["municipality_name"] == "Mol" for i in seen)
    everything = search(partners_url, limit=5)
    assert everything.status_code == 200 and everything.json()["total"] >= 4


def test_a_change_shows_in_the_catalogue_at_once_although_searches_are_kept(partners_url, tokens) -> None:
    """Answers are kept a few seconds (also a narrow search's), but a change committed through this service
    forgets its province's searches: a new supplier, and a renamed one, show in the very next search."""
    tag = word()
    offer = [{"rubric": "drukwerk", "kind": "service", "description": f"Folders en affiches ({tag})"}]
    first = register(partners_url, tokens, "antwerpen", name="Atelier Eerst", municipality="Geel", offerings=offer)
    assert [i["name"] for i in search(partners_url, q=tag).json()["items"]] == ["Atelier Eerst"]
    register(partners_url, tokens, "antwerpen", name="Atelier Tweede", municipality="Geel", offerings=offer)
    assert [i["name"] for i in search(partners_url, q=tag).json()["items"]] == ["Atelier Eerst", "Atelier Tweede"]
    renamed = httpx.patch(f"{partners_url}/antwerpen/organisations/{first['id']}", json={"name": "Atelier Hernoemd"},
                          headers={**bearer(tokens("antwerpen", "coordinator")), "If-Match": str(first["version"])})
    assert renamed.status_code == 200, renamed.text
    assert [i["name"] for i in search(partners_url, q=tag).json()["items"]] == ["Atelier Hernoemd", "Atelier Tweede"]
    # Limburg's searches were not touched: its own answer for the word is still none.
    assert search(partners_url, "limburg", q=tag).json()["total"] == 0


def test_replaced_offerings_move_a_supplier_between_rubrics_and_none_left_takes_it_out(partners_url, tokens) -> None:
    """The catalogue's index follows the offerings themselves: a new rubric finds the supplier, the old one
    no longer does, and an ordinary organisation with no offering left is no supplier any more."""
    tag = word()
    made = register(partners_url, tokens, "antwerpen", name=f"Atelier {tag}", municipality="Mol",
                    offerings=[{"rubric": "drukwerk", "kind": "service", "description": "Folders"}])
    assert search(partners_url, q=tag, rubric="drukwerk").json()["total"] == 1
    coordinator = bearer(tokens("antwerpen", "coordinator"))

    def replace(offerings: list[dict[str, str]], version: int) -> dict[str, Any]:
        response = httpx.patch(f"{partners_url}/antwerpen/organisations/{made['id']}", json={"offerings": offerings},
                               headers={**coordinator, "If-Match": str(version)})
        assert response.status_code == 200, response.text
        return response.json()

    moved = replace([{"rubric": "groen", "kind": "product", "description": "Plantjes"}], made["version"])
    assert search(partners_url, q=tag, rubric="drukwerk").json()["total"] == 0
    found = search(partners_url, q=tag, rubric="groen", kind="product").json()
    assert found["total"] == 1
    assert {c["rubric"]: c["count"] for c in found["counts"]}["groen"] == 1
    assert search(partners_url, q=tag, kind="service").json()["total"] == 0
    replace([], moved["version"])
    assert search(partners_url, q=tag).json()["total"] == 0
