"""The impact report laid out as PDF (reportlab) and spreadsheet (openpyxl) from its words (report_files.py). Apart,
so that those libraries are imported only when a report file is first asked for."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.foodsavers.impact.chart import COLOURS, nice_top
from services.foodsavers.impact.report_files import (
    COLUMNS,
    SECTIONS,
    kg,
    method_text,
    period_text,
    share,
    summary,
)
from services.foodsavers.registry.categories import LABELS, Category
from shared.portal import formats

# --- PDF ----------------------------------------------------------------------------------------------------

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontName="Helvetica", fontSize=9, leading=11.5)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7.5, leading=9)
HEAD = ParagraphStyle("head", parent=CELL, fontName="Helvetica-Bold", textColor=colors.white)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=15, leading=18,
                       textColor=colors.HexColor("#1f4e79"))
H2 = ParagraphStyle("h2", parent=BODY, fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=8,
                    textColor=colors.HexColor("#1f4e79"))
BLUE = colors.HexColor("#1f4e79")
GRID = [("BACKGROUND", (0, 0), (-1, 0), BLUE), ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b7c3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2)]


def p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def row_cells(row: Mapping[str, Any]) -> list[str]:
    return [str(row["label"]), formats.decimal(kg(row["grams"])), formats.decimal(kg(row["fresh_grams"])),
            share(row["fresh_share_bp"]), "—" if row["people"] is None else formats.decimal(row["people"]),
            formats.euros(row["value_cents"], symbol=False), formats.decimal(row["meals"]),
            formats.decimal(kg(row["co2_eq_grams"])), formats.decimal(kg(row["picked_up_grams"])),
            formats.decimal(kg(row["refused_grams"])), formats.decimal(kg(row["fead_grams"]))]


def week_drawing(weeks: Sequence[Mapping[str, Any]], width: float) -> Drawing:
    height = 150.0
    left, bottom, top_pad = 40.0, 18.0, 6.0
    drawing = Drawing(width, height)
    totals = [sum(w.get("categories", {}).values()) for w in weeks]
    top = nice_top((Decimal(max(totals, default=0)) / 1000).quantize(Decimal("0.1")))
    plot_w, plot_h = width - left - 4, height - bottom - top_pad
    slot = plot_w / max(len(weeks), 1)
    bar = max(min(slot * 0.75, 16.0), 0.5)
    for tick in (Decimal(0), top / 2, top):
        at = bottom + float(tick / top) * plot_h
        drawing.add(Line(left, at, width - 4, at, strokeColor=colors.HexColor("#dddddd"), strokeWidth=0.4))
        drawing.add(String(left - 3, at - 3, f"{formats.decimal(tick)} kg", fontSize=6, textAnchor="end"))
    for index, week in enumerate(weeks):
        x = left + slot * index + (slot - bar) / 2
        base = 0.0
        for category in Category:
            grams = int(week.get("categories", {}).get(str(category), 0))
            if grams <= 0:
                continue
            h = float(Decimal(grams) / 1000 / top) * plot_h
            drawing.add(Rect(x, bottom + base, bar, h, fillColor=colors.HexColor(COLOURS[category]),
                             strokeColor=None))
            base += h
        if index % max(1, round(len(weeks) / 13)) == 0:
            key = str(week["key"])
            drawing.add(String(x + bar / 2, 6, f"{key[8:10]}/{key[5:7]}", fontSize=6, textAnchor="middle"))
    return drawing


def render_pdf(title: str, status: str, figures: Mapping[str, Any]) -> bytes:
    buffer = io.BytesIO()
    margin = 14 * mm
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                                 bottomMargin=margin, title=title, author="Regie", subject="Impactrapport",
                                 invariant=1, lang="nl-BE")
    width = A4[0] - 2 * margin
    story: list[Any] = [p(title, TITLE), Spacer(1, 2 * mm),
                        p(f"Impactrapport · {status} · periode {period_text(figures)}"),
                        p(method_text(figures)), p(f"Bron van de factoren: {figures['method']['source']}", CELL),
                        p("Gered voedsel = wat in reddingsritten aan de voedselhulporganisaties geleverd werd; "
                          "mensen bereikt = som van de mensen die de belevere organisaties bedienen; FEAD-voeding "
                          "(EU-voedselhulp) wordt apart vermeld en telt geen waarde of CO2-eq.", CELL),
                        Spacer(1, 3 * mm)]
    story.append(Table([[p(k, CELL), p(v, CELL)] for k, v in summary(figures)], colWidths=[width * 0.5, width * 0.3],
                       style=TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b7c3")),
                                         ("FONTNAME", (0, 0), (-1, -1), "Helvetica")])))
    weeks = figures["by"].get("week", [])
    story += [p("Geleverd per week en categorie", H2), week_drawing(weeks, width),
              p("  ".join(f"■ {LABELS[c]}" for c in Category), CELL)]
    shares = (0.22, 0.08, 0.07, 0.07, 0.06, 0.1, 0.07, 0.08, 0.08, 0.08, 0.09)
    for key, heading in SECTIONS:
        rows = figures["by"].get(key, [])
        story.append(p(heading, H2))
        if not rows:
            story.append(p("Geen gegevens in deze periode.", CELL))
            continue
        data = [[p(c, HEAD) for c in COLUMNS]] + [[p(c, CELL) for c in row_cells(r)] for r in rows]
        story.append(Table(data, colWidths=[width * s for s in shares], repeatRows=1, style=TableStyle(GRID)))
    document.build(story)
    return buffer.getvalue()


# --- spreadsheet ----------------------------------------------------------------------------------------------

HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
WRAP = Alignment(wrap_text=True, vertical="top")
KG_FORMAT = "#,##0.000"
EUR_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"


def cell_text(value: object) -> object:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral() else float(value)


def _head(sheet: Worksheet, row: int, names: Sequence[str]) -> None:
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(row=row, column=column, value=name)
        cell.font, cell.fill, cell.alignment = HEAD_FONT, HEAD_FILL, WRAP
        sheet.column_dimensions[get_column_letter(column)].width = 34 if column == 1 else 14


def _summary_sheet(sheet: Worksheet, title: str, status: str, figures: Mapping[str, Any]) -> None:
    t = figures["totals"]
    sheet.append([cell_text(title)])
    sheet["A1"].font = Font(bold=True, size=14, color="1F4E79")
    sheet.append([f"Impactrapport · {status} · periode {period_text(figures)}"])
    sheet.append([cell_text(method_text(figures))])
    sheet.append([cell_text(f"Bron van de factoren: {figures['method']['source']}")])
    _head(sheet, 6, ("Cijfer", "Waarde", "Eenheid"))
    values: list[tuple[str, object, str, str | None]] = [
        ("Gered voedsel geleverd", number(kg(t["grams"]) / 1000), "ton", "#,##0.00"),  # B7
        ("Verse groenten en fruit", number(kg(t["fresh_grams"]) / 1000), "ton", "#,##0.00"),  # B8
        ("Aandeel verse groenten en fruit", "=IF(B7=0,\"\",B8/B7)", "", PERCENT_FORMAT),  # B9
        ("Mensen bereikt", t["people"] or 0, "mensen", "#,##0"),  # B10
        ("Waarde", number(Decimal(t["value_cents"]) / 100), "EUR", EUR_FORMAT),  # B11
        ("CO2-eq vermeden", number(kg(t["co2_eq_grams"]) / 1000), "ton CO2-eq", "#,##0.00"),  # B12
        ("Maaltijden", t["meals"], "maaltijden", "#,##0"),  # B13
        ("Opgehaald en aanvaard", number(kg(t["picked_up_grams"]) / 1000), "ton", "#,##0.00"),
        ("Geweigerd bij ophaling", number(kg(t["refused_grams"])), "kg", KG_FORMAT),
        ("Non-food geleverd", number(kg(t["non_food_grams"])), "kg", KG_FORMAT),
        ("FEAD-voeding vervoerd (niet meegeteld)", number(kg(t["fead_grams"]) / 1000), "ton", "#,##0.00"),
    ]
    if t.get("net_co2_eq_grams") is not None:
        values += [("Uitstoot bestelwagens", number(kg(t["van_co2_eq_grams"]) / 1000), "ton CO2-eq", "#,##0.00"),
                   ("CO2-eq vermeden, netto", f"=B12-B{7 + len(values)}", "ton CO2-eq", "#,##0.00")]
    for at, (name, value, unit, fmt) in enumerate(values, start=7):
        sheet.cell(row=at, column=1, value=name)
        cell = sheet.cell(row=at, column=2, value=value)
        if fmt:
            cell.number_format = fmt
        sheet.cell(row=at, column=3, value=unit)
    sheet.column_dimensions["A"].width = 42


def _dimension_sheet(sheet: Worksheet, rows: Sequence[Mapping[str, Any]]) -> None:
    _head(sheet, 1, COLUMNS)
    sheet.cell(row=1, column=1, value="Naam")
    for at, row in enumerate(rows, start=2):
        values: list[object] = [
            cell_text(str(row["label"])), number(kg(row["grams"])), number(kg(row["fresh_grams"])),
            f'=IF(B{at}=0,"",C{at}/B{at})', row["people"], number(Decimal(row["value_cents"]) / 100), row["meals"],
            number(kg(row["co2_eq_grams"])), number(kg(row["picked_up_grams"])), number(kg(row["refused_grams"])),
            number(kg(row["fead_grams"]))]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=at, column=column, value=value)
            if column in (2, 3, 8, 9, 10, 11):
                cell.number_format = KG_FORMAT
        sheet.cell(row=at, column=4).number_format = PERCENT_FORMAT
        sheet.cell(row=at, column=6).number_format = EUR_FORMAT
    if rows:
        last = len(rows) + 1
        total = last + 1
        sheet.cell(row=total, column=1, value="Totaal").font = Font(bold=True)
        for column in (2, 3, 6, 7, 8, 9, 10, 11):
            letter = get_column_letter(column)
            cell = sheet.cell(row=total, column=column, value=f"=SUM({letter}2:{letter}{last})")
            cell.font = Font(bold=True)
            cell.number_format = EUR_FORMAT if column == 6 else KG_FORMAT
        sheet.cell(row=total, column=4, value=f'=IF(B{total}=0,"",C{total}/B{total})').number_format = PERCENT_FORMAT
    sheet.freeze_panes = "B2"


def render_xlsx(title: str, status: str, figures: Mapping[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Samenvatting"
    _summary_sheet(sheet, title, status, figures)
    for key, heading in SECTIONS:
        _dimension_sheet(book.create_sheet(heading.split(" (")[0].replace("Per ", "Per ")[:31]),
                         figures["by"].get(key, []))
    factors = book.create_sheet("Factoren")
    _head(factors, 1, ("Categorie", "g CO2-eq per kg", "Waarde (cent per kg)", "Maaltijden per kg"))
    for at, category in enumerate(Category, start=2):
        f = figures["method"]["factors"].get(str(category), {})
        factors.append([LABELS[category], f.get("co2_grams_per_kg"), f.get("value_cents_per_kg"),
                        float(Decimal(str(f.get("meals_per_kg", "0"))))])
        assert factors.max_row == at
    book.properties.title = str(cell_text(title))
    book.properties.creator = "Regie"
    book.properties.language = "nl-BE"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


