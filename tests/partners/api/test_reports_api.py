"""The yearly coordination report through the API and the portal pages, from a plan built through the plans
API and realisations entered and approved through the realisations API: the PDF's extracted text and the
spreadsheet's cells hold the approved value and narrative (and never an unapproved one), the page shows a chart
per indicator with its numbers, and only the plan's parties and the coordinators get it."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl
import pypdf
import pytest

from tests.conftest import Tokens
from tests.partners.plans_world import PlansApi

TENANT = "west-vlaanderen"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def api(partners_url: str, tokens: Tokens) -> PlansApi:
    return PlansApi(partners_url, tokens, TENANT)


@pytest.fixture(scope="module")
def westhoek(api: PlansApi) -> dict[str, Any]:
    """The Westhoek regional coordination 2020–2022: two objectives of the facts file, the partner a party; the
    partner's 2020 realisation of the network events approved, its count of wijk-werkers only submitted."""
    partner = api.organisation_of("partner", "Sociaal Economisch Netwerk Westhoek")
    plan = api.new_plan(title="Regierol sociale economie Westhoek", starts_on="2020-01-01", ends_on="2022-12-31",
                        parties=[{"name": "Provincie West-Vlaanderen", "role": "provincie"},
                                 {"organisation_id": partner, "role": "regisseur"}])
    events = add(api, plan, "1", "Acties die de netwerking op het grondgebied bevorderen",
                 "Door corona minder fysieke ontmoetingen", "1.1",
                 "Samenwerking en netwerking tussen sociale economie, reguliere economie en lokale besturen",
                 {"name": "aantal netwerkevents", "unit": "events", "baseline": "0"}, {2020: "4", 2021: "4"})
    objective = api.fresh(plan)["objectives"][0]["id"]
    workers = indicator(api, action(api, objective, "1.5", "Wijk-werken"),
                        {"name": "gemiddeld aantal wijk-werkers per maand", "unit": "wijk-werkers"}, {2020: "200"})
    add(api, plan, "3", "Maatschappelijk verantwoord ondernemen", "", "3.3",
        "Voedselherverdeling en circulaire economie",
        {"name": "ton voedsel geleverd", "unit": "ton", "feed": "counted", "rule": "food.tonnes-delivered"},
        {2020: "50"})
    plan = api.signed(api.fresh(plan))
    entered = api.post(f"/indicators/{events}/realisations", {
        "year": 2020, "value": "1",
        "narrative": "trefmoment VDAB, VVSG en lokale besturen op 2/03/2020 met 25 deelnemers"}, user="partner")
    assert entered.status_code == 201, entered.text
    approved = api.post(f"/realisations/{entered.json()['id']}/approve", {},
                        **{"If-Match": entered.headers["etag"]})
    assert approved.status_code == 200, approved.text
    pending = api.post(f"/indicators/{workers}/realisations", {"year": 2020, "value": "219",
                                                               "narrative": "174 uit PWA"}, user="partner")
    assert pending.status_code == 201, pending.text
    return plan


def action(api: PlansApi, objective: str, code: str, title: str) -> str:
    made = api.post(f"/objectives/{objective}/actions", {"code": code, "title": title})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def indicator(api: PlansApi, action_id: str, fields: dict[str, Any], targets: dict[int, str]) -> str:
    made = api.post(f"/actions/{action_id}/indicators", fields)
    assert made.status_code == 201, made.text
    etag = made.headers["etag"]
    for year, value in targets.items():
        set_ = api.put(f"/indicators/{made.json()['id']}/targets/{year}", {"value": value}, **{"If-Match": etag})
        assert set_.status_code == 200, set_.text
        etag = set_.headers["etag"]
    return str(made.json()["id"])


def add(api: PlansApi, plan: dict[str, Any], code: str, title: str, remarks: str, action_code: str,
        action_title: str, fields: dict[str, Any], targets: dict[int, str]) -> str:
    """An objective with one action and one indicator with its targets, one request each."""
    objective = api.post(f"/plans/{plan['id']}/objectives", {"code": code, "title": title, "remarks": remarks})
    assert objective.status_code == 201, objective.text
    return indicator(api, action(api, objective.json()["id"], action_code, action_title), fields, targets)


def report(api: PlansApi, plan: dict[str, Any], user: str = "coordinator", **params: Any) -> httpx.Response:
    return api.get(f"/plans/{plan['id']}/report", user, **params)


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages).split())


def test_the_pdf_report_holds_the_approved_value_and_narrative_as_text(api: PlansApi,
                                                                      westhoek: dict[str, Any]) -> None:
    response = report(api, westhoek, year=2020, format="pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'attachment; filename="rapport-2020-regierol-sociale-economie-westhoek.pdf"')
    text = pdf_text(response.content)
    assert "Rapport 2020: Regierol sociale economie Westhoek" in text
    # the party named by its organisation (whichever name the partner's organisation was registered under first)
    regisseur = next(p["name"] for p in api.fresh(westhoek)["parties"] if p["role"] == "regisseur")
    assert f"{regisseur} (regisseur)" in text
    assert "Beleidsdoelstellingen Opmerkingen Acties Indicatoren Realisaties" in text
    assert "1 events (25 % van het doel)" in text
    assert "trefmoment VDAB, VVSG en lokale besturen op 2/03/2020 met 25 deelnemers" in text
    assert "nog niet goedgekeurd" in text and "174 uit PWA" not in text
    assert "0 ton (0 % van het doel); geteld uit 0 gebeurtenissen" in text
    assert "pagina 1 van" in text


def test_the_spreadsheet_holds_the_value_as_a_number_and_progress_as_a_formula(api: PlansApi,
                                                                               westhoek: dict[str, Any]) -> None:
    response = report(api, westhoek, "partner", year=2020, format="xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Rapport", "Indicatoren"]
    rows = list(book["Indicatoren"].iter_rows(min_row=2, values_only=True))
    assert [r[:6] for r in rows] == [("1.1", "aantal netwerkevents", "events", 0, 4, 1),
                                     ("1.5", "gemiddeld aantal wijk-werkers per maand", "wijk-werkers", None, 200,
                                      None),
                                     ("3.3", "ton voedsel geleverd", "ton", None, 50, 0)]
    assert rows[0][6] == '=IF(OR(E2="",E2=0,F2=""),"",F2/E2)'
    assert book["Indicatoren"]["G2"].number_format == "0.0%"
    assert rows[0][8] == "trefmoment VDAB, VVSG en lokale besturen op 2/03/2020 met 25 deelnemers"
    cells = [c for row in book["Rapport"].iter_rows(values_only=True) for c in row if c]
    assert "1.1 Samenwerking en netwerking tussen sociale economie, reguliere economie en lokale besturen" in cells


def test_the_next_year_shows_no_realisation_yet(api: PlansApi, westhoek: dict[str, Any]) -> None:
    text = pdf_text(report(api, westhoek, year=2021).content)
    assert "geen realisatie" in text and "trefmoment" not in text


def test_a_year_outside_the_period_or_an_unknown_format_is_refused(api: PlansApi,
                                                                   westhoek: dict[str, Any]) -> None:
    outside = report(api, westhoek, year=2019)
    assert outside.status_code == 422
    assert outside.headers["content-type"].startswith("application/problem+json")
    assert outside.json()["detail"].startswith("2019 valt buiten de looptijd van dit plan (2020–2022)")
    assert report(api, westhoek, year=2020, format="docx").status_code == 400
    assert report(api, westhoek).status_code == 400  # the year is required


def test_only_coordinators_and_the_plans_partners_get_the_report(api: PlansApi, westhoek: dict[str, Any],
                                                                 gateway_url: str) -> None:
    assert report(api, westhoek, "province-admin", year=2020).status_code == 200
    through_gateway = httpx.get(f"{gateway_url}/{TENANT}/api/partners/plans/{westhoek['id']}/report",
                                params={"year": 2020, "format": "xlsx"}, headers=api.as_("coordinator"), timeout=30)
    assert through_gateway.status_code == 200 and through_gateway.content.startswith(b"PK")
    assert through_gateway.headers["content-disposition"].endswith('westhoek.xlsx"')
    api.organisation_of("partner2")
    other = report(api, westhoek, "partner2", year=2020)
    assert other.status_code == 404 and other.headers["content-type"].startswith("application/problem+json")
    assert report(api, westhoek, "applicant", year=2020).status_code == 403
    assert httpx.get(api.url(f"/plans/{westhoek['id']}/report"), params={"year": 2020}).status_code == 401


def test_a_multi_year_plans_report_shows_each_operational_objective_under_its_strategic_one(api: PlansApi) -> None:
    plan = api.new_plan(kind="multi-year-plan", title="Meerjarenplan Turnhout 2020-2025", starts_on="2020-01-01",
                        ends_on="2025-12-31", municipalities=["Turnhout"],
                        parties=[{"name": "Stad Turnhout", "role": "gemeente"}])
    strategic = api.post(f"/plans/{plan['id']}/objectives", {"code": "SD1", "title": "Turnhout is een warme stad",
                                                             "level": "strategic"})
    assert strategic.status_code == 201, strategic.text
    operational = api.post(f"/plans/{plan['id']}/objectives", {
        "code": "OD1.1", "title": "Meer Turnhoutenaars aan het werk", "level": "operational",
        "parent_id": strategic.json()["id"]})
    assert operational.status_code == 201, operational.text
    action(api, operational.json()["id"], "AP1.1.1", "Wijk-werken uitbouwen met de buurgemeenten")
    text = pdf_text(report(api, plan, year=2021).content)
    assert "Meerjarenplan · ontwerp" in text
    assert "SD1 Turnhout is een warme stad › OD1.1 Meer Turnhoutenaars aan het werk" in text
    assert "AP1.1.1 Wijk-werken uitbouwen met de buurgemeenten" in text


def page(api: PlansApi, path: str, user: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{api.base}/{TENANT}{path}", headers=api.as_(user), params=params, timeout=30)


def test_the_report_page_shows_the_table_a_chart_per_indicator_and_the_downloads(
        api: PlansApi, westhoek: dict[str, Any]) -> None:
    base = f"/samenwerking/plannen/{westhoek['id']}"
    response = page(api, f"{base}/rapport", "coordinator", jaar=2020)
    assert response.status_code == 200, response.text
    html = response.text
    assert "<h1>Rapport 2020: Regierol sociale economie Westhoek</h1>" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert 'role="img"' in html and "<title id=\"grafiek-1-titel\">aantal netwerkevents</title>" in html
    assert "Doel en realisatie per jaar (events). 2020: doel 4, realisatie 1; 2021: doel 4, geen realisatie" in html
    assert f'href="/{TENANT}{base}/rapport.pdf?jaar=2020"' in html
    assert f'href="/{TENANT}{base}/rapport.xlsx?jaar=2020"' in html
    assert '<th scope="col">Realisaties</th>' in html and "25 %" in html
    assert "174 uit PWA" not in html

    download = page(api, f"{base}/rapport.pdf", "coordinator", jaar=2020)
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert "met 25 deelnemers" in pdf_text(download.content)
    sheet = page(api, f"{base}/rapport.xlsx", "coordinator", jaar=2020)
    assert sheet.status_code == 200 and sheet.headers["content-type"] == XLSX


def test_the_partner_sees_its_own_plans_report_page_and_no_other(api: PlansApi, westhoek: dict[str, Any]) -> None:
    mine = page(api, f"/partner/plannen/{westhoek['id']}/rapport", "partner", jaar=2020)
    assert mine.status_code == 200, mine.text
    assert "trefmoment VDAB" in mine.text
    assert page(api, f"/partner/plannen/{westhoek['id']}/rapport", "partner2", jaar=2020).status_code == 404
    assert page(api, f"/samenwerking/plannen/{westhoek['id']}/rapport", "partner", jaar=2020).status_code == 403
