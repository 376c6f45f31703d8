"""The coordination report as a PDF (reportlab): A4 landscape, a header with the plan's title, parties, period,
report year and generation date, the five-column table (its head repeated on every page) and page numbers.
Every cell is a Paragraph of real text, so the values and narratives can be searched and extracted. Only lays
out a builder.Report. CPU-bound: callers run it in a thread."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.partners.reports.builder import COLUMNS, Report
from shared.portal import formats

PAGE = landscape(A4)
MARGIN = 14 * mm
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontName="Helvetica", fontSize=8.5, leading=10.5)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8, leading=9.8, spaceBefore=0, spaceAfter=0)
HEAD_CELL = ParagraphStyle("head-cell", parent=CELL, fontName="Helvetica-Bold", textColor=colors.white)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=15, leading=18,
                       textColor=colors.HexColor("#1f4e79"))
WIDTHS = (0.22, 0.14, 0.18, 0.22, 0.24)
"""Each column's share of the page width: objectives and realisations carry the most text."""
BLUE = colors.HexColor("#1f4e79")


def p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """Text as a paragraph: escaped, its line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class NumberedCanvas(Canvas):
    """Holds every page until the end, so each can say 'pagina 3 van 7'."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self.footer = ""

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 7.5)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"pagina {self._pageNumber} van {total}")
            self.drawString(MARGIN, 8 * mm, self.footer)
            super().showPage()
        super().save()


def render(report: Report) -> bytes:
    buffer = io.BytesIO()
    title = f"Rapport {report.year}: {report.title}"
    document = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=16 * mm, title=title, author="Regie", subject=report.kind,
                                 invariant=1, lang="nl-BE")
    width = PAGE[0] - 2 * MARGIN
    head = [
        p(title, TITLE),
        Spacer(1, 2 * mm),
        p(f"{report.kind.capitalize()} · {report.status} · looptijd {report.period}"),
        p(f"Partijen: {', '.join(report.parties) or '—'}"),
        p(f"Rapportagejaar {report.year} · gemaakt op {formats.moment(report.generated_at)}"),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Paragraph]] = [[p(column, HEAD_CELL) for column in COLUMNS]]
    objective_starts: list[int] = []
    for row in report.rows():
        if row.objective:
            objective_starts.append(len(rows))
        rows.append([p(cell, CELL) for cell in row.cells()])
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), BLUE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b7c3")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    # A heavier line where an objective begins, as the hand-made report separates them.
    style += [("LINEABOVE", (0, start), (-1, start), 1, BLUE) for start in objective_starts if start > 1]
    table = Table(rows, colWidths=[width * share for share in WIDTHS], repeatRows=1, style=TableStyle(style))
    footer = f"{report.title} · rapport {report.year}"

    def canvas(*args: Any, **kwargs: Any) -> NumberedCanvas:
        made = NumberedCanvas(*args, **kwargs)
        made.footer = footer[:150]
        return made

    document.build([*head, table], canvasmaker=canvas)
    return buffer.getvalue()
