"""The coordination report as a spreadsheet (openpyxl): the sheet "Rapport" in the five-column layout, and the
sheet "Indicatoren" with real cells to calculate with: numbers as numbers, and progress as a formula
(realisation / target) with a percentage format, so a coordinator who corrects a figure sees the progress
follow. Only lays out a builder.Report. CPU-bound: callers run it in a thread."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.partners.reports.builder import COLUMNS, STANDINGS, Report
from shared.portal import formats

HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
WRAP = Alignment(wrap_text=True, vertical="top")
NUMBER_FORMAT = "#,##0.###"
PERCENT_FORMAT = "0.0%"

REPORT_WIDTHS = (45, 30, 38, 45, 55)
INDICATOR_COLUMNS = ("Actie", "Indicator", "Eenheid", "Basiswaarde", "Doel", "Realisatie", "Voortgang", "Status",
                     "Toelichting")
INDICATOR_WIDTHS = (10, 50, 14, 13, 13, 13, 12, 26, 60)


def number(value: Decimal | None) -> int | float | None:
    """A decimal as the cell's number: whole numbers as int, others as float (a spreadsheet knows no decimal)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral() else float(value)


def cell_text(value: object) -> object:
    """Text without the control characters a spreadsheet cannot hold (a narrative pasted from elsewhere may
    carry one); anything else as it is."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def render(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Rapport"
    _report_sheet(sheet, report)
    _indicator_sheet(book.create_sheet("Indicatoren"), report)
    book.properties.title = f"Rapport {report.year}: {report.title}"
    book.properties.creator = "Regie"
    book.properties.language = "nl-BE"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _head(sheet: Worksheet, row: int, names: tuple[str, ...], widths: tuple[int, ...]) -> None:
    for column, (name, width) in enumerate(zip(names, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=column, value=name)
        cell.font, cell.fill, cell.alignment = HEAD_FONT, HEAD_FILL, WRAP
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
    sheet.auto_filter.ref = f"A{row}:{get_column_letter(len(names))}{row}"


def _report_sheet(sheet: Worksheet, report: Report) -> None:
    sheet.append([cell_text(f"Rapport {report.year}: {report.title}")])
    sheet["A1"].font = Font(bold=True, size=14, color="1F4E79")
    sheet.append([f"{report.kind.capitalize()} · {report.status} · looptijd {report.period}"])
    sheet.append([cell_text(f"Partijen: {', '.join(report.parties) or '—'}")])
    sheet.append([f"Rapportagejaar {report.year} · gemaakt op {formats.moment(report.generated_at)}"])
    _head(sheet, 6, COLUMNS, REPORT_WIDTHS)
    for at, row in enumerate(report.rows(), start=7):
        for column, text in enumerate(row.cells(), start=1):
            sheet.cell(row=at, column=column, value=cell_text(text)).alignment = WRAP


def _indicator_sheet(sheet: Worksheet, report: Report) -> None:
    _head(sheet, 1, INDICATOR_COLUMNS, INDICATOR_WIDTHS)
    sheet.cell(row=1, column=5, value=f"Doel {report.year}")
    sheet.cell(row=1, column=6, value=f"Realisatie {report.year}")
    row = 1
    for objective in report.objectives:
        for action in objective.actions:
            for line in action.indicators:
                row += 1
                values = (action.code, line.name, line.unit, number(line.baseline), number(line.target),
                          number(line.value), f'=IF(OR(E{row}="",E{row}=0,F{row}=""),"",F{row}/E{row})',
                          STANDINGS[line.standing], line.narrative)
                for column, value in enumerate(values, start=1):
                    sheet.cell(row=row, column=column, value=cell_text(value))
                for column in (4, 5, 6):
                    sheet.cell(row=row, column=column).number_format = NUMBER_FORMAT
                sheet.cell(row=row, column=7).number_format = PERCENT_FORMAT
                for column in (2, 9):
                    sheet.cell(row=row, column=column).alignment = WRAP
