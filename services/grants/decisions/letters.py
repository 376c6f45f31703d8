"""The decision letter as a PDF (reportlab): the province's letterhead, reference and date, the decision, the
formal reasons criterion by criterion, rank and total, the amount, the legal basis and how to appeal. The
text comes from rules.LetterContent; this module only lays it out. CPU-bound: callers run it in a thread."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.grants.decisions.rules import LetterContent
from shared.portal.formats import day
from shared.portal.formats import euros as euro
from shared.portal.formats import fixed as number

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontName="Helvetica", fontSize=10, leading=13)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=11)
HEAD = ParagraphStyle("head", parent=BODY, fontName="Helvetica-Bold", fontSize=15, leading=18,
                      textColor=colors.HexColor("#1f4e79"))
H2 = ParagraphStyle("h2", parent=BODY, fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=8)


def p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def render(letter: LetterContent) -> bytes:
    buffer = io.BytesIO()
    # Uncompressed page streams: the letter stays searchable as plain bytes (and it is small anyway).
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=letter.subject(), author=letter.province,
                                 subject=letter.reference, keywords=[letter.reference, letter.application_id],
                                 pageCompression=0, invariant=1, lang="nl-BE")
    story = [
        p(letter.province, HEAD),
        p("Dienst Sociale Economie: projectsubsidies", SMALL),
        Spacer(1, 8 * mm),
        p(f"Aan: {letter.applicant_name} (ondernemingsnummer {letter.applicant_enterprise_number})"),
        p(f"Referentie: {letter.reference}"),
        p(f"Datum van de beslissing: {day(letter.decided_on)}"),
        p(f"Datum van kennisgeving (van deze brief): {day(letter.notified_on)}"),
        p(f"Dossiernummer: {letter.application_id}"),
        p(f"Oproep: {letter.call_title}"),
        Spacer(1, 6 * mm),
        p(letter.subject(), H2),
        p(letter.decision_paragraph()),
        p("Beslissing en bedrag", H2),
        p(letter.ranking_paragraph()),
        p(f"Toegekend bedrag: {euro(letter.amount_cents)} (gevraagd: {euro(letter.requested_cents)})"),
    ]
    if letter.criteria and not letter.ineligible:
        story += [p("Motivering per criterium", H2), _criteria_table(letter)]
    story += [p("Hoe de rangschikking en de selectie tot stand kwamen" if not letter.ineligible
                else "Redenen", H2)]
    story += [p(f"• {step}") for step in letter.steps]
    if not letter.ineligible:
        story += [p("De selectieregel van de oproep", H2), p(letter.funding_rule)]
    if letter.deviations and not letter.ineligible:
        story += [p("Afwijking van de regels van de oproep", H2)]
        story += [p(f"• {deviation}") for deviation in letter.deviations]
        story += [p(f"Motivering van de afwijking: {letter.deviation_reasons}")]
    story += [
        p("Rechtsgrond", H2),
        p(letter.legal_basis or "Het reglement van de oproep."),
        p("Beroep", H2),
        p(letter.appeal_paragraph()),
        Spacer(1, 8 * mm),
        p(f"Namens de deputatie van de {letter.province}", SMALL),
    ]
    document.build(story)
    return buffer.getvalue()


def _criteria_table(letter: LetterContent) -> Table:
    rows = [[p("Criterium", SMALL), p("Score", SMALL), p("Gewicht", SMALL), p("Drempel", SMALL),
             p("Motivering van de jury", SMALL)]]
    for c in letter.criteria:
        rows.append([
            p(f"{c.position}. {c.name}", SMALL),
            p("-" if c.score is None else f"{number(c.score)} / {c.max_score}", SMALL),
            p(number(c.weight, 0) if c.weight == c.weight.to_integral_value() else number(c.weight), SMALL),
            p("geen" if c.threshold is None else number(c.threshold), SMALL),
            p(c.justification or "-", SMALL),
        ])
    table = Table(rows, colWidths=[40 * mm, 20 * mm, 16 * mm, 16 * mm, 74 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table
