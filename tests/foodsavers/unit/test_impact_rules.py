"""Impact's pure rules: the standard methods reproduce the region's figures for the demo's mix (5,7 t, 52 %
fresh, 14,25 t CO2-eq by the flat factor, about 50.000 euro), per-category differs from flat, FEAD counts no
value or CO2-eq, non-food is no food, people are counted once per recipient, a new method's factors are
checked, and the files carry the figures."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import openpyxl
import pypdf
import pytest

from services.foodsavers.impact import report_files, rules
from services.foodsavers.impact.chart import weeks_svg
from services.foodsavers.impact.rules import FEAD, RESCUE, STANDARD, Dimension, TotalRow
from shared.problems import Invalid

DEMO_MIX_KG = {"fresh-produce": 2964, "bread": 855, "dairy": 456, "dry": 570, "meat-fish": 285,
               "prepared-meals": 342, "frozen": 228}
"""The west-vlaanderen half year's rescued food as the demo seeds it (5.700 kg, 52 % fresh)."""

WEEK = date(2020, 6, 15)


def method(name: str) -> rules.Method:
    spec = STANDARD[name]
    return rules.Method(str(spec.co2_basis), spec.flat_co2_grams_per_kg, spec.factors)


def row(flow: str, category: str, grams: int, *, kind: str = RESCUE, donor: str = "d1", recipient: str = "r1",
        municipality: str = "38008", week: date = WEEK) -> TotalRow:
    return TotalRow(flow=flow, round_kind=kind, category=category,
                    donor_id=donor if flow != "delivered" else "0", recipient_id=recipient if flow == "delivered"
                    else "0", municipality=municipality, week=week, grams=grams)


def test_the_flat_method_reproduces_the_regions_half_year() -> None:
    found = rules.impact_of(method(rules.FLAT), {c: kg * 1000 for c, kg in DEMO_MIX_KG.items()})
    assert found["grams"] == 5_700_000
    assert found["fresh_share_bp"] == 5200
    assert found["co2_eq_grams"] == 14_250_000
    assert 4_900_000 <= found["value_cents"] <= 5_100_000  # about 50.000 euro
    assert found["meals"] == 11_400


def test_per_category_co2_differs_from_flat_but_value_and_meals_do_not() -> None:
    grams = {c: kg * 1000 for c, kg in DEMO_MIX_KG.items()}
    flat = rules.impact_of(method(rules.FLAT), grams)
    per = rules.impact_of(method(rules.PER_CATEGORY), grams)
    expected = sum(kg * rules.CO2_GRAMS_PER_KG[c] for c, kg in DEMO_MIX_KG.items())  # type: ignore[index]
    assert per["co2_eq_grams"] == expected != flat["co2_eq_grams"]
    assert per["value_cents"] == flat["value_cents"] and per["meals"] == flat["meals"]


def test_non_food_is_carried_but_no_food() -> None:
    found = rules.impact_of(method(rules.FLAT), {"non-food": 10_000, "bread": 10_000})
    assert found["grams"] == 10_000 and found["non_food_grams"] == 10_000
    assert found["co2_eq_grams"] == 25_000  # only the bread
    assert found["meals"] == 20


def test_fead_is_reported_apart_and_counts_nothing() -> None:
    rows = [row("delivered", "dry", 100_000, kind=FEAD, recipient="gemeente"),
            row("delivered", "fresh-produce", 10_000)]
    found = rules.compute(method(rules.FLAT), rows, {"r1": 40, "gemeente": 5000}, {}, str, None)
    totals = found["totals"]
    assert totals["grams"] == 10_000 and totals["fead_grams"] == 100_000
    assert totals["co2_eq_grams"] == 25_000
    assert totals["people"] == 40  # the local government of a FEAD delivery is not counted as reached


def test_people_count_each_recipient_once_and_groups_split_correctly() -> None:
    week2 = WEEK + timedelta(days=7)
    rows = [row("delivered", "fresh-produce", 6_000, recipient="r1"),
            row("delivered", "bread", 4_000, recipient="r1"),
            row("delivered", "fresh-produce", 5_000, recipient="r1", week=week2),
            row("delivered", "dairy", 5_000, recipient="r2", municipality="38014", week=week2),
            row("picked-up", "fresh-produce", 12_000, donor="d1"),
            row("refused", "fresh-produce", 1_000, donor="d1"),
            row("picked-up", "dairy", 8_000, donor="d2", week=week2)]
    people = {"r1": 100, "r2": 30}
    found = rules.compute(method(rules.FLAT), rows, people, {"d1": "Colruyt Diksmuide", "r1": "Sint-Vincentius"},
                          lambda code: {"38008": "Diksmuide", "38014": "Koksijde"}[code], 5_000)
    totals = found["totals"]
    assert totals["grams"] == 20_000 and totals["fresh_grams"] == 11_000 and totals["fresh_share_bp"] == 5500
    assert totals["people"] == 130 and totals["recipients"] == 2
    assert totals["picked_up_grams"] == 20_000 and totals["refused_grams"] == 1_000
    assert totals["net_co2_eq_grams"] == totals["co2_eq_grams"] - 5_000
    by = found["by"]
    donors = {r["label"]: r for r in by["donor"]}
    assert donors["Colruyt Diksmuide"]["grams"] == 12_000 and donors["Colruyt Diksmuide"]["refused_grams"] == 1_000
    assert donors["Colruyt Diksmuide"]["people"] is None and donors["onbekend"]["grams"] == 8_000
    recipients = {r["key"]: r for r in by["recipient"]}
    assert recipients["r1"]["grams"] == 15_000 and recipients["r1"]["people"] == 100
    municipalities = {r["label"]: r for r in by["municipality"]}
    assert municipalities["Koksijde"]["grams"] == 5_000 and municipalities["Diksmuide"]["people"] == 100
    assert [r["key"] for r in by["category"]] == ["fresh-produce", "bread", "dairy"]
    weeks = by["week"]
    assert [w["key"] for w in weeks] == [WEEK.isoformat(), week2.isoformat()]
    assert weeks[1]["people"] == 130 and weeks[1]["categories"] == {"dairy": 5_000, "fresh-produce": 5_000}
    assert set(by) == {str(d) for d in Dimension}


def test_a_new_methods_factors_are_checked() -> None:
    base = rules.standard_factors()
    changed = rules.checked_factors({"bread": {"co2_grams_per_kg": 1200}}, base)
    assert changed["bread"]["co2_grams_per_kg"] == 1200 and changed["bread"]["value_cents_per_kg"] == 850
    for bad in ({"cake": {"co2_grams_per_kg": 1}}, {"bread": {"co2_grams_per_kg": -1}},
                {"bread": {"value_cents_per_kg": "veel"}}, {"bread": {"meals_per_kg": "twee"}},
                {"bread": {"calories": 3}}):
        with pytest.raises(Invalid):
            rules.checked_factors(bad, base)
    with pytest.raises(Invalid):
        rules.checked_name("Mijn Methode!")
    with pytest.raises(Invalid):
        rules.checked_flat(rules.Co2Basis.FLAT, None)


def test_every_standard_method_states_its_sources() -> None:
    for spec in STANDARD.values():
        assert "Foodsavers Westhoek" in spec.source or "Poore & Nemecek (2018)" in spec.source
        assert "WRAP" in spec.source and "supermarkten" in spec.source


def test_half_year_and_period_checks() -> None:
    assert rules.half_year_of(date(2020, 6, 30)) == (date(2020, 1, 1), date(2020, 6, 30))
    assert rules.half_year_of(date(2020, 7, 1)) == (date(2020, 7, 1), date(2020, 12, 31))
    with pytest.raises(Invalid):
        rules.checked_period(date(2020, 2, 1), date(2020, 1, 1))


def demo_figures() -> dict[str, Any]:
    rows = [row("delivered", c, kg * 1000) for c, kg in DEMO_MIX_KG.items()]
    rows.append(row("delivered", "dry", 2_000_000, kind=FEAD, recipient="gemeente"))
    computed = rules.compute(method(rules.FLAT), rows, {"r1": 1300}, {"r1": "Sociale kruidenier Veurne"},
                             lambda code: "Diksmuide", None)
    spec = STANDARD[rules.FLAT]
    return {"period_from": "2020-06-15", "period_until": "2020-12-31", "moved": "delivered",
            "method": {"name": spec.name, "version": 1, "title": spec.title, "co2_basis": str(spec.co2_basis),
                       "flat_co2_grams_per_kg": 2500, "net_of_van": False, "factors": spec.factors,
                       "source": spec.source, "valid_from": "2020-01-01"}, **computed}


def test_the_pdf_and_spreadsheet_carry_the_figures_and_the_method() -> None:
    figures = demo_figures()
    pdf = report_files.render("Foodsavers Westhoek 2020", "gepubliceerd", figures, report_files.FileFormat.PDF)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("5,70 t", "52 %", "1300", "€ 49.903,50", "14,25 t CO2-eq", "'vlak' versie 1",
                     "Foodsavers Westhoek", "FEAD-voeding vervoerd", "2,00 t", "Sociale kruidenier Veurne",
                     "Diksmuide", "verse groenten en fruit"):
        assert expected in text, expected
    book = openpyxl.load_workbook(io.BytesIO(report_files.render(
        "Foodsavers Westhoek 2020", "gepubliceerd", figures, report_files.FileFormat.XLSX)))
    summary = book["Samenvatting"]
    assert summary["B7"].value == 5.7 and summary["B8"].value == 2.964
    assert summary["B9"].value == '=IF(B7=0,"",B8/B7)'
    assert summary["B10"].value == 1300 and summary["B11"].value == 49903.5 and summary["B12"].value == 14.25
    assert "'vlak' versie 1" in str(summary["A3"].value)
    recipients = book["Per ontvanger"]
    assert recipients["A2"].value == "Sociale kruidenier Veurne" and recipients["B2"].value == 5700
    assert recipients["A3"].value == "onbekend" and recipients["K3"].value == 2000  # the FEAD delivery
    assert recipients["B4"].value == "=SUM(B2:B3)"
    assert book["Factoren"]["B2"].value == 1000


def test_the_week_chart_names_its_numbers() -> None:
    svg = str(weeks_svg(demo_figures()["by"]["week"]))
    assert 'role="img"' in svg and "5700 kg" in svg and 'data-category="fresh-produce"' in svg
