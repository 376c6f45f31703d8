"""The FEAD transfer form laid out as PDF by reportlab (transfer_form.py gathers it). Apart, so that reportlab is
imported only when a form is first asked for."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.foodsavers.planning.transfer_form import BLANK, Receipt, TransferForm
from shared.portal import formats

MARGIN = 16 * mm
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=colors.HexColor("#555555"))
HEAD = ParagraphStyle("head", parent=BODY, fontName="Helvetica-Bold", fontSize=11, leading=14,
                      spaceBefore=6, spaceAfter=2)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=16, leading=20,
                       textColor=colors.HexColor("#1f4e79"))
CELL = ParagraphStyle("cell", parent=BODY, fontSize=9, leading=11)
HEAD_CELL = ParagraphStyle("head-cell", parent=CELL, fontName="Helvetica-Bold", textColor=colors.white)
BLUE = colors.HexColor("#1f4e79")


def p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def goods_table(receipt: Receipt, width: float) -> Table:
    rows = [[p("Categorie", HEAD_CELL), p("Gewicht", HEAD_CELL)]]
    rows += [[p(label, CELL), p(formats.kilograms(grams), CELL)] for label, grams in receipt.lines]
    if not receipt.lines:
        rows.append([p("(nog niet geleverd: in te vullen bij levering)", CELL), p("________ kg", CELL)])
    else:
        rows.append([p("Totaal", HEAD_CELL.clone("total", textColor=colors.black)),
                     p(formats.kilograms(receipt.grams), CELL)])
    table = Table(rows, colWidths=[width * 0.7, width * 0.3], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), BLUE), ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 1), (1, -1), "RIGHT")]))
    return table


def signature(receipt: Receipt) -> list[Paragraph]:
    if receipt.delivered_at is not None and receipt.confirmed_by:
        return [p(f"Ontvangen en ondertekend door: {receipt.confirmed_by}"),
                p(f"Op: {formats.moment(receipt.delivered_at)}")]
    return [p(f"Naam ontvanger: {BLANK}"), Spacer(1, 3 * mm), p(f"Handtekening: {BLANK}"), Spacer(1, 3 * mm),
            p(f"Datum en uur: {BLANK}")]


def render(form: TransferForm) -> bytes:
    buffer = io.BytesIO()
    title = "Overdrachtsdocument FEAD"
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=f"{title} {form.day.isoformat()}", author="Regie",
                                 subject="FEAD-voedselhulp", invariant=1, lang="nl-BE")
    width = A4[0] - 2 * MARGIN
    story: list[object] = [
        p(title, TITLE),
        p("Europese voedselhulp (FEAD): overdracht van de voedselbank aan het lokaal bestuur", SMALL),
        Spacer(1, 4 * mm),
        p(f"Rit van {formats.day(form.day, weekday=True)} · chauffeur {form.driver or '—'} · voertuig "
          f"{form.vehicle or '—'}"),
        p(f"Referentie: {form.round_id}", SMALL),
        p("Afgifte door de voedselbank", HEAD),
    ]
    for name, address, favv in form.food_banks or [("(geen voedselbank in deze rit)", "", "")]:
        story.append(p(" · ".join(part for part in (name, address, f"FAVV {favv}" if favv else "") if part)))
    story.append(p("Ontvangst door het lokaal bestuur", HEAD))
    for number, receipt in enumerate(form.receipts, start=1):
        story.append(KeepTogether([
            p(f"{number}. {receipt.name}", HEAD.clone("receipt", fontSize=10, spaceBefore=8)),
            p(receipt.address or "—", SMALL), Spacer(1, 2 * mm), goods_table(receipt, width), Spacer(1, 3 * mm),
            *signature(receipt)]))
    if not form.receipts:
        story.append(p("(geen lokaal bestuur in deze rit)"))
    document.build(story)
    return buffer.getvalue()
