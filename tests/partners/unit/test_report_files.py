"""The report as PDF and as spreadsheet, read back: the PDF's text (pypdf) holds the header, the five columns,
the approved value and its narrative, page numbers; the spreadsheet holds numbers as numbers and progress as a
formula with a percentage format."""

from __future__ import annotations

import io

import openpyxl
import pypdf

from services.partners.realisations.rules import RealisationStatus
from services.partners.reports import pdf, xlsx
from services.partners.reports.builder import COLUMNS, Report, build
from tests.partners.report_world import GENERATED, World, plan


def report_of(world: World, year: int = 2020) -> Report:
    return build(world, world.realisations, {}, year, GENERATED)


def small() -> World:
    world = plan()
    one = world.objective("1", "Acties die de netwerking op het grondgebied bevorderen",
                          remarks="Corona: minder events")
    network = world.action(one, "1.1", "Samenwerking en netwerking")
    events = world.indicator(network, "aantal netwerkevents", "events", baseline="0", targets={2020: "4"})
    workers = world.indicator(network, "gemiddeld aantal wijk-werkers per maand", "wijk-werkers",
                              targets={2020: "200"})
    pending = world.indicator(network, "aantal gebruikers", "gebruikers", targets={2020: "600"})
    world.indicator(network, "gepresteerde uren", "uur")  # no target
    world.realise(events, 2020, "1", "trefmoment VDAB, VVSG en lokale besturen op 2/03/2020 met 25 deelnemers")
    world.realise(workers, 2020, "219.5", "174 uit PWA, 45 nieuwe instromers")
    world.realise(pending, 2020, "582", status=RealisationStatus.SUBMITTED)
    return world


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_holds_the_header_columns_and_the_approved_value_as_text() -> None:
    content = pdf.render(report_of(small()))
    assert content.startswith(b"%PDF")
    pages, text = pdf_text(content)
    flat = " ".join(text.split())
    assert "Rapport 2020: Regierol sociale economie Westhoek" in flat
    assert "Provincie West-Vlaanderen (provincie), VDAB, Stad Ieper" in flat
    assert "1 januari 2020 – 31 december 2022" in flat and "Rapportagejaar 2020" in flat
    assert all(column in flat for column in COLUMNS)
    assert "219,5 wijk-werkers (109,8 % van het doel)" in flat
    assert "174 uit PWA, 45 nieuwe instromers" in flat
    assert "nog niet goedgekeurd" in flat and "582" not in flat
    assert f"pagina 1 van {pages}" in flat


def test_a_long_report_runs_over_pages_each_numbered_with_the_total() -> None:
    world = plan()
    for o in range(1, 6):
        objective = world.objective(str(o), f"Doelstelling {o}")
        for a in range(1, 6):
            action = world.action(objective, f"{o}.{a}", f"Actie {o}.{a}")
            for n in range(4):
                indicator = world.indicator(action, f"indicator {o}.{a}.{n}", targets={2020: "10"})
                world.realise(indicator, 2020, "7", "een toelichting van enkele woorden " * 4)
    pages, text = pdf_text(pdf.render(report_of(world)))
    assert pages > 2
    assert f"pagina {pages} van {pages}" in text and "pagina 2 van" in text
    assert text.count("Beleidsdoelstellingen") == pages  # the table head repeats on every page


def test_the_spreadsheet_has_the_report_sheet_and_real_numbers_with_a_progress_formula() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx.render(report_of(small()))))
    assert book.sheetnames == ["Rapport", "Indicatoren"]
    sheet = book["Rapport"]
    assert sheet["A1"].value == "Rapport 2020: Regierol sociale economie Westhoek"
    assert [c.value for c in sheet[6]] == list(COLUMNS)
    assert sheet.freeze_panes == "A7"
    assert sheet["A7"].value == "1 Acties die de netwerking op het grondgebied bevorderen"
    assert sheet["E8"].value.startswith("219,5 wijk-werkers")

    indicators = book["Indicatoren"]
    assert indicators.freeze_panes == "A2"
    assert [c.value for c in indicators[1]][:7] == ["Actie", "Indicator", "Eenheid", "Basiswaarde", "Doel 2020",
                                                    "Realisatie 2020", "Voortgang"]
    events, workers, pending, hours = (list(indicators.iter_rows(min_row=r, max_row=r))[0] for r in range(2, 6))
    assert events[3].value == 0 and events[4].value == 4 and events[5].value == 1
    assert workers[5].value == 219.5 and isinstance(workers[4].value, int)
    assert workers[6].value == '=IF(OR(E3="",E3=0,F3=""),"",F3/E3)'
    assert workers[6].number_format == "0.0%"
    assert pending[5].value is None and pending[7].value == "nog niet goedgekeurd"
    assert hours[4].value is None
    assert workers[8].value == "174 uit PWA, 45 nieuwe instromers"
    assert indicators.column_dimensions["B"].width == 50


def test_a_control_character_in_a_narrative_is_left_out_of_the_spreadsheet_not_refused() -> None:
    world = small()
    world.realisations[0].narrative = "geplakt\x0buit een ander document"
    book = openpyxl.load_workbook(io.BytesIO(xlsx.render(report_of(world))))
    assert book["Indicatoren"]["I2"].value == "geplaktuit een ander document"
    assert "geplakt" in pdf_text(pdf.render(report_of(world)))[1]
