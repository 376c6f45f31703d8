"""Impact through the API behind the gateway: the figures of a period by each dimension, from day totals added
through the service layer (impact.totals.add, what the logbook calls as lines arrive) for donors and recipients
registered through the registry API, in a period of its own far in the future so other tests never mix in; the
methods (standard ones, new versions, refusals); reports that freeze when published (a later method version and
later totals change a draft but never a published report or its files; every change of a published report is
refused, by the service and by the database); the dashboard and impact pages for a coordinator, 403 for a
driver; another province sees none of it."""

from __future__ import annotations

import io
import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import openpyxl
import pypdf
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.foodsavers.impact import totals
from services.foodsavers.impact.totals import Delta, Flow
from shared.db import Database
from shared.municipalities import find
from tests.foodsavers.world import (
    api_path,
    ensure_driver,
    headers,
    register_donor,
    register_recipient,
    register_vehicle,
)

TENANT = "west-vlaanderen"
OTHER = "limburg"
CSRF = "test-csrf-token"


def monday_far_ahead() -> date:
    """A Monday somewhere in 2060-2159 nobody else writes totals for."""
    day = date(2060, 1, 5) + timedelta(weeks=random.randrange(0, 5200))
    return day - timedelta(days=day.weekday())


@pytest.fixture(scope="module")
def coordinator(tokens: Any) -> str:
    return str(tokens(TENANT, "coordinator"))


async def add_totals(stack_config: Any, deltas: list[Delta], tenant: str = TENANT) -> None:
    db = Database.from_url(stack_config.database_url("foodsavers", "regie_app"), pool_size=1)
    try:
        async with db.transaction(tenant) as session:
            await totals.add(session, tenant, deltas)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
async def world(client: httpx.Client, coordinator: str, stack_config: Any) -> dict[str, Any]:
    """Two donors (Diksmuide, Hooglede), two recipients (Veurne 120 people, Koksijde 80), two weeks:
    week 1: 100 kg fresh + 50 kg bread picked up at donor A (10 kg refused), delivered 60+30 kg to Veurne and
    40+20 kg to Koksijde; week 2: 40 kg dairy picked up at donor B, delivered to Veurne; FEAD 200 kg dry to
    Koksijde (not counted)."""
    veurne, koksijde = find("Veurne"), find("Koksijde")
    assert veurne is not None and koksijde is not None
    donor_a = register_donor(client, TENANT, coordinator, municipality="Diksmuide")
    donor_b = register_donor(client, TENANT, coordinator, municipality="Hooglede")
    r_veurne = register_recipient(client, TENANT, coordinator, municipality="Veurne", people_served=120)
    r_koksijde = register_recipient(client, TENANT, coordinator, municipality="Koksijde", people_served=80)
    start = monday_far_ahead()
    week2 = start + timedelta(days=8)
    a, b = uuid.UUID(donor_a["id"]), uuid.UUID(donor_b["id"])
    rv, rk = uuid.UUID(r_veurne["id"]), uuid.UUID(r_koksijde["id"])
    deltas = [
        Delta(start, Flow.PICKED_UP, "fresh-produce", "rescue", 100_000, donor_id=a, municipality="38008"),
        Delta(start, Flow.PICKED_UP, "bread", "rescue", 50_000, donor_id=a, municipality="38008"),
        Delta(start, Flow.REFUSED, "fresh-produce", "rescue", 10_000, donor_id=a, municipality="38008"),
        Delta(start + timedelta(days=1), Flow.DELIVERED, "fresh-produce", "rescue", 60_000, recipient_id=rv,
              municipality=veurne.code),
        Delta(start + timedelta(days=1), Flow.DELIVERED, "bread", "rescue", 30_000, recipient_id=rv,
              municipality=veurne.code),
        Delta(start + timedelta(days=2), Flow.DELIVERED, "fresh-produce", "rescue", 40_000, recipient_id=rk,
              municipality=koksijde.code),
        Delta(start + timedelta(days=2), Flow.DELIVERED, "bread", "rescue", 20_000, recipient_id=rk,
              municipality=koksijde.code),
        Delta(week2, Flow.PICKED_UP, "dairy", "rescue", 40_000, donor_id=b, municipality="36008"),
        Delta(week2, Flow.DELIVERED, "dairy", "rescue", 40_000, recipient_id=rv, municipality=veurne.code),
        Delta(week2, Flow.DELIVERED, "dry", "fead", 200_000, recipient_id=rk, municipality=koksijde.code),
    ]
    await add_totals(stack_config, deltas)
    return {"from": start, "until": start + timedelta(days=13), "week2": week2, "donor_a": donor_a,
            "donor_b": donor_b, "veurne": r_veurne, "koksijde": r_koksijde, "rk": rk,
            "koksijde_code": koksijde.code}


def figures(client: httpx.Client, token: str, world: dict[str, Any], tenant: str = TENANT,
            **params: Any) -> dict[str, Any]:
    response = client.get(api_path(tenant, "/impact"), headers=headers(token), params={
        "from": world["from"].isoformat(), "until": world["until"].isoformat(), **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_totals_of_the_period_by_the_flat_method(client, coordinator, world) -> None:
    found = figures(client, coordinator, world)
    t = found["totals"]
    assert found["method"]["name"] == "vlak" and found["moved"] == "delivered"
    assert t["grams"] == 190_000 and t["fresh_grams"] == 100_000 and t["fresh_share_bp"] == 5263
    assert t["people"] == 200 and t["recipients"] == 2
    assert t["co2_eq_grams"] == 190 * 2500
    assert t["picked_up_grams"] == 190_000 and t["refused_grams"] == 10_000
    assert t["fead_grams"] == 200_000
    assert t["meals"] == 380
    assert t["value_cents"] == 100 * 700 + 50 * 850 + 40 * 1000


def test_figures_by_each_dimension(client, coordinator, world) -> None:
    by_donor = {r["key"]: r for r in figures(client, coordinator, world, by="donor")["by"]["donor"]}
    a = by_donor[world["donor_a"]["id"]]
    assert a["label"] == world["donor_a"]["name"] and a["basis"] == "picked-up"
    assert a["grams"] == 150_000 and a["refused_grams"] == 10_000 and a["people"] is None
    assert by_donor[world["donor_b"]["id"]]["grams"] == 40_000

    by_recipient = {r["key"]: r for r in figures(client, coordinator, world, by="recipient")["by"]["recipient"]}
    veurne = by_recipient[world["veurne"]["id"]]
    assert veurne["label"] == world["veurne"]["name"] and veurne["grams"] == 130_000 and veurne["people"] == 120
    koksijde = by_recipient[world["koksijde"]["id"]]
    assert koksijde["grams"] == 60_000 and koksijde["fead_grams"] == 200_000

    by_municipality = {r["label"]: r for r in figures(client, coordinator, world,
                                                      by="municipality")["by"]["municipality"]}
    assert by_municipality["Veurne"]["grams"] == 130_000 and by_municipality["Koksijde"]["people"] == 80

    by_category = figures(client, coordinator, world, by="category")["by"]["category"]
    assert [(r["key"], r["grams"]) for r in by_category] == [
        ("fresh-produce", 100_000), ("bread", 50_000), ("dairy", 40_000), ("dry", 0)]
    assert by_category[0]["label"] == "verse groenten en fruit" and by_category[3]["fead_grams"] == 200_000

    weeks = figures(client, coordinator, world, by="week")["by"]["week"]
    assert [w["key"] for w in weeks] == [world["from"].isoformat(), (world["from"] + timedelta(days=7)).isoformat()]
    assert weeks[0]["grams"] == 150_000 and weeks[1]["grams"] == 40_000 and weeks[1]["people"] == 120
    assert weeks[0]["categories"] == {"bread": 50_000, "fresh-produce": 100_000}

    refused = client.get(api_path(TENANT, "/impact"), headers=headers(coordinator), params={"by": "provincie"})
    assert refused.status_code == 422 and "onbekende indeling" in refused.json()["detail"]


def test_flat_per_category_and_net_of_van(client, coordinator, world) -> None:
    flat = figures(client, coordinator, world)["totals"]
    per = figures(client, coordinator, world, method="per-categorie")["totals"]
    net = figures(client, coordinator, world, method="per-categorie-netto")["totals"]
    expected = 100 * per_kg_of(client, coordinator, "fresh-produce") + 50 * per_kg_of(client, coordinator, "bread") \
        + 40 * per_kg_of(client, coordinator, "dairy")
    assert per["co2_eq_grams"] == expected != flat["co2_eq_grams"]
    assert per["van_co2_eq_grams"] is None and flat["net_co2_eq_grams"] is None
    assert net["van_co2_eq_grams"] == 0 and net["net_co2_eq_grams"] == net["co2_eq_grams"]  # no closed rounds
    assert per["value_cents"] == flat["value_cents"]


def per_kg_of(client: httpx.Client, token: str, category: str) -> int:
    found = client.get(api_path(TENANT, "/impact/methods"), headers=headers(token))
    (first,) = [m for m in found.json() if m["name"] == "per-categorie" and m["version"] == 1]
    return int(first["factors"][category]["co2_grams_per_kg"])


def test_methods_are_listed_versioned_and_never_edited(client, coordinator, tokens) -> None:
    listed = client.get(api_path(TENANT, "/impact/methods"), headers=headers(coordinator))
    assert listed.status_code == 200, listed.text
    names = {m["name"] for m in listed.json()}
    assert {"vlak", "per-categorie", "per-categorie-netto"} <= names
    name = f"test-{uuid.uuid4().hex[:8]}"
    first = client.post(api_path(TENANT, "/impact/methods"), headers=headers(coordinator), json={
        "name": name, "title": "Proef", "co2_basis": "per-category", "source": "Eigen meting 2024",
        "factors": {"bread": {"co2_grams_per_kg": 1234}}})
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1 and first.json()["factors"]["bread"]["co2_grams_per_kg"] == 1234
    second = client.post(api_path(TENANT, "/impact/methods"), headers=headers(coordinator), json={
        "name": name, "source": "Eigen meting 2025", "factors": {"dairy": {"value_cents_per_kg": 999}}})
    assert second.status_code == 201, second.text
    body = second.json()
    assert body["version"] == 2 and body["title"] == "Proef"
    assert body["factors"]["bread"]["co2_grams_per_kg"] == 1234
    assert body["factors"]["dairy"]["value_cents_per_kg"] == 999
    old = client.get(api_path(TENANT, f"/impact/methods/{name}/1"), headers=headers(coordinator))
    assert old.status_code == 200 and old.json()["factors"]["dairy"]["value_cents_per_kg"] != 999
    edited = client.put(api_path(TENANT, f"/impact/methods/{name}/1"), headers=headers(coordinator), json={})
    assert edited.status_code == 409 and "nooit gewijzigd" in edited.json()["detail"]
    bad = client.post(api_path(TENANT, "/impact/methods"), headers=headers(coordinator), json={
        "name": name, "source": "x", "factors": {"taart": {"co2_grams_per_kg": 1}}})
    assert bad.status_code == 422 and "onbekende categorie" in bad.json()["detail"]
    unsourced = client.post(api_path(TENANT, "/impact/methods"), headers=headers(coordinator), json={
        "name": name, "source": " "})
    assert unsourced.status_code == 422 and "bron" in unsourced.json()["detail"]
    driver = client.get(api_path(TENANT, "/impact/methods"), headers=headers(tokens(TENANT, "driver")))
    assert driver.status_code == 403


def xlsx_values(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [[cell.value for cell in row] for sheet in book.worksheets for row in sheet.iter_rows()]


async def test_a_published_report_is_frozen(client, coordinator, world, stack_config) -> None:
    name = f"vlak-proef-{uuid.uuid4().hex[:8]}"  # the tenant's own "vlak" stays as it is for the other tests
    flat = client.post(api_path(TENANT, "/impact/methods"), headers=headers(coordinator), json={
        "name": name, "co2_basis": "flat", "flat_co2_grams_per_kg": 2500, "source": "Foodsavers Westhoek 2020"})
    assert flat.status_code == 201, flat.text
    made = client.post(api_path(TENANT, "/impact/reports"), headers=headers(coordinator), json={
        "title": "Halfjaar proef", "period_from": world["from"].isoformat(),
        "period_until": world["until"].isoformat(), "method": {"name": name}})
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["status"] == "draft" and report["figures"]["totals"]["grams"] == 190_000
    url = api_path(TENANT, f"/impact/reports/{report['id']}")
    assert client.post(f"{url}/publish", headers=headers(coordinator)).status_code == 428
    stale = client.post(f"{url}/publish", headers=headers(coordinator, **{"If-Match": '"99"'}))
    assert stale.status_code == 412
    published = client.post(f"{url}/publish", headers=headers(coordinator, **{"If-Match": made.headers["etag"]}))
    assert published.status_code == 200, published.text
    frozen = published.json()
    assert frozen["status"] == "published" and frozen["status_label"] == "gepubliceerd"
    method = frozen["figures"]["method"]
    assert method["name"] == name and method["version"] == 1 and method["flat_co2_grams_per_kg"] == 2500
    assert method["source"] == "Foodsavers Westhoek 2020" and frozen["figures"]["totals"]["co2_eq_grams"] == 475_000
    assert set(frozen["figures"]["by"]) == {"donor", "recipient", "municipality", "category", "week"}
    pdf_before = client.get(f"{url}.pdf", headers=headers(coordinator))
    xlsx_before = client.get(f"{url}.xlsx", headers=headers(coordinator))
    assert pdf_before.status_code == 200 and pdf_before.headers["content-type"] == "application/pdf"
    text_before = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_before.content)).pages)
    assert "0,19 t" in text_before and f"'{name}' versie 1" in text_before and world["veurne"]["name"] in text_before
    assert xlsx_values(xlsx_before.content)[6][1] == 0.19

    # a draft over the same period, for contrast
    draft = client.post(api_path(TENANT, "/impact/reports"), headers=headers(coordinator), json={
        "title": "Ontwerp", "period_from": world["from"].isoformat(), "period_until": world["until"].isoformat(),
        "method": {"name": name}})
    assert draft.status_code == 201
    # later: a new version of the report's method (3 kg per kg) and more food delivered in the period
    newer = client.post(api_path(TENANT, "/impact/methods"), headers=headers(coordinator), json={
        "name": name, "source": "Proef: een hogere vlakke factor", "flat_co2_grams_per_kg": 3000})
    assert newer.status_code == 201, newer.text
    await add_totals(stack_config, [Delta(world["from"], Flow.DELIVERED, "bread", "rescue", 10_000,
                                          recipient_id=world["rk"], municipality=world["koksijde_code"])])
    again = client.get(url, headers=headers(coordinator))
    assert again.status_code == 200 and again.json()["figures"] == frozen["figures"]
    assert client.get(f"{url}.pdf", headers=headers(coordinator)).content == pdf_before.content
    assert xlsx_values(client.get(f"{url}.xlsx", headers=headers(coordinator)).content) == \
        xlsx_values(xlsx_before.content)
    draft_now = client.get(api_path(TENANT, f"/impact/reports/{draft.json()['id']}"), headers=headers(coordinator))
    draft_figures = draft_now.json()["figures"]
    assert draft_figures["totals"]["grams"] == 200_000  # a draft follows the data (with the method version it names)
    assert draft_figures["method"]["version"] == 1 and draft_figures["totals"]["co2_eq_grams"] == 500_000

    # every change refused, in Dutch
    etag = again.headers["etag"]
    for response in (client.patch(url, headers=headers(coordinator, **{"If-Match": etag}), json={"title": "x"}),
                     client.put(url, headers=headers(coordinator, **{"If-Match": etag}), json={"title": "x"}),
                     client.delete(url, headers=headers(coordinator, **{"If-Match": etag})),
                     client.post(f"{url}/publish", headers=headers(coordinator, **{"If-Match": etag}))):
        assert response.status_code == 409, response.text
        assert "bevroren" in response.json()["detail"]
    # and by the database itself
    db = Database.from_url(stack_config.database_url("foodsavers", "regie_app"), pool_size=1)
    try:
        with pytest.raises(DBAPIError, match="frozen"):
            async with db.transaction(TENANT) as session:
                await session.execute(text("UPDATE impact_reports SET title = 'stiekem' WHERE id = :id"),
                                      {"id": report["id"]})
    finally:
        await db.dispose()
    listed = client.get(api_path(TENANT, "/impact/reports"), headers=headers(coordinator))
    assert any(r["id"] == report["id"] and r["status"] == "published" for r in listed.json())


def test_a_draft_is_changed_with_its_version(client, coordinator, world) -> None:
    made = client.post(api_path(TENANT, "/impact/reports"), headers=headers(coordinator), json={
        "title": "Te wijzigen", "period_from": world["from"].isoformat(),
        "period_until": world["from"].isoformat()})
    assert made.status_code == 201
    url = api_path(TENANT, f"/impact/reports/{made.json()['id']}")
    changed = client.patch(url, headers=headers(coordinator, **{"If-Match": made.headers["etag"]}), json={
        "period_until": world["until"].isoformat(), "method": {"name": "per-categorie"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["method_name"] == "per-categorie" and changed.json()["figures"]["totals"]["grams"] >= 190_000
    stale = client.patch(url, headers=headers(coordinator, **{"If-Match": made.headers["etag"]}), json={"title": "y"})
    assert stale.status_code == 412
    backwards = client.patch(url, headers=headers(coordinator, **{"If-Match": changed.headers["etag"]}), json={
        "period_until": "2000-01-01"})
    assert backwards.status_code == 422 and "voor het begin" in backwards.json()["detail"]
    gone = client.delete(url, headers=headers(coordinator, **{"If-Match": changed.headers["etag"]}))
    assert gone.status_code == 204
    assert client.get(url, headers=headers(coordinator)).status_code == 404


def test_another_province_sees_nothing(client, coordinator, world, tokens) -> None:
    other = tokens(OTHER, "coordinator")
    mine = client.post(api_path(TENANT, "/impact/reports"), headers=headers(coordinator), json={
        "title": "Alleen West-Vlaanderen", "period_from": world["from"].isoformat(),
        "period_until": world["until"].isoformat()})
    assert mine.status_code == 201
    theirs = figures(client, other, world, tenant=OTHER)
    assert theirs["totals"]["grams"] == 0 and theirs["totals"]["people"] == 0
    assert client.get(api_path(OTHER, f"/impact/reports/{mine.json()['id']}"),
                      headers=headers(other)).status_code == 404
    assert all(r["id"] != mine.json()["id"] for r in client.get(api_path(OTHER, "/impact/reports"),
                                                                headers=headers(other)).json())
    assert client.get(api_path(TENANT, "/impact"), headers=headers(other)).status_code in (401, 403)


def page(platform: Any, path: str, token: str) -> httpx.Response:
    return httpx.get(f"{platform.url('foodsavers')}{path}", timeout=30,
                     headers={"Authorization": f"Bearer {token}", "x-csrf-token": CSRF})


def test_the_dashboard_and_impact_pages(platform, coordinator, world, tokens) -> None:
    period = f"?van={world['from'].isoformat()}&tot={world['until'].isoformat()}"
    dashboard = page(platform, f"/{TENANT}/voedsel/{period}", coordinator)
    assert dashboard.status_code == 200, dashboard.text
    body = dashboard.text
    assert 'data-figure="tonnes">0,19 t' in body or 'data-figure="tonnes">0,20 t' in body
    assert 'data-figure="people">200' in body and "Vlakke factor van de regio" in body
    assert world["donor_a"]["name"] in body and world["veurne"]["name"] in body
    assert "<svg" in body and 'data-category="dairy"' in body
    assert f'href="/{TENANT}/voedsel/" aria-current="page"' in body
    impact = page(platform, f"/{TENANT}/voedsel/impact/{period}&methode=per-categorie", coordinator)
    assert impact.status_code == 200, impact.text
    assert "Veurne" in impact.text and "Poore &amp; Nemecek (2018)" in impact.text
    assert f'href="/{TENANT}/voedsel/impact/" aria-current="page"' in impact.text
    assert page(platform, f"/{TENANT}/voedsel/", tokens(TENANT, "driver")).status_code == 403
    assert page(platform, f"/{TENANT}/voedsel/impact/", tokens(TENANT, "driver")).status_code == 403


def test_a_report_made_and_published_through_the_pages(platform, coordinator, world) -> None:
    url = platform.url("foodsavers")
    form = {"_csrf": CSRF, "title": "Via de pagina", "van": world["from"].isoformat(),
            "tot": world["until"].isoformat(), "methode": "vlak"}
    made = httpx.post(f"{url}/{TENANT}/voedsel/impact/rapporten", data=form, follow_redirects=False, timeout=30,
                      headers={"Authorization": f"Bearer {coordinator}", "x-csrf-token": CSRF})
    assert made.status_code in (302, 303), made.text
    location = made.headers["location"]
    shown = page(platform, location, coordinator)
    assert shown.status_code == 200 and "Via de pagina" in shown.text and "Publiceren" in shown.text
    published = httpx.post(f"{url}{location}/publiceren", data={"_csrf": CSRF, "version": "1"},
                           follow_redirects=False, timeout=30,
                           headers={"Authorization": f"Bearer {coordinator}", "x-csrf-token": CSRF})
    assert published.status_code in (302, 303)
    again = page(platform, location, coordinator)
    assert "gepubliceerd" in again.text and "Publiceren</button>" not in again.text
    pdf = page(platform, f"{location}.pdf", coordinator)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_net_of_van_subtracts_the_closed_rescue_rounds_km(client, coordinator, world) -> None:
    """A rescue round on the period's first day, closed with 50 km in a van of 220 g CO2-eq per km: the net
    method subtracts 11 kg; the gross methods do not."""
    vehicle = register_vehicle(client, TENANT, coordinator, emission_grams_per_km=220)
    driver = ensure_driver(client, TENANT, coordinator)
    made = client.post(api_path(TENANT, "/rounds"), headers=headers(coordinator), json={
        "day": world["from"].isoformat(), "kind": "rescue", "start_time": "08:00", "driver_id": driver["id"],
        "vehicle_id": vehicle["id"], "stops": [{"kind": "pickup", "donor_id": world["donor_a"]["id"]},
                                               {"kind": "delivery", "recipient_id": world["veurne"]["id"]}]})
    assert made.status_code == 201, made.text
    closed = client.post(api_path(TENANT, f"/rounds/{made.json()['id']}/close"), headers=headers(coordinator),
                         json={"km": 50})
    assert closed.status_code == 200, closed.text
    net = figures(client, coordinator, world, method="per-categorie-netto")["totals"]
    assert net["van_co2_eq_grams"] == 11_000
    assert net["net_co2_eq_grams"] == net["co2_eq_grams"] - 11_000
    assert figures(client, coordinator, world, method="per-categorie")["totals"]["van_co2_eq_grams"] is None
