"""The decision letter: what it says (Dutch, criterion by criterion, how to appeal) and that it is a PDF."""

from __future__ import annotations

import re
import zlib
from datetime import date
from decimal import Decimal

import pytest

from services.grants.decisions.letters import render
from services.grants.decisions.rules import (
    CriterionReason,
    LetterContent,
    Outcome,
    appeal_last_day,
    check_appeal_in_time,
    check_appeal_transition,
    involvement,
    justification_of,
    screening_reasons,
)
from shared.problems import Conflict, Invalid


def content(**changes) -> LetterContent:
    base = dict(
        province="Provincie Oost-Vlaanderen", reference="DEP-2026-0042", decided_on=date(2026, 11, 20),
        notified_on=date(2026, 11, 20),
        call_title="Projectsubsidies sociale economie", legal_basis="Provincieraadsbesluiten van 25 mei 2016",
        applicant_name="Agrado VOF", applicant_enterprise_number="0123456749", application_id="0193-abc",
        application_title="Schoolvis", requested_cents=5_000_000, outcome=Outcome.AWARDED, amount_cents=4_000_000,
        rank=2, ranked_count=5, total=Decimal("81.50"), appeal_days=30, funding_rule="Het budget wordt verdeeld …",
        criteria=[CriterionReason(1, "Innovatie", Decimal(60), 10, Decimal(5), Decimal("8.5"), "Vernieuwend."),
                  CriterionReason(2, "Samenwerking", Decimal(40), 10, None, Decimal(7), "")],
        steps=["Rang 2 van 5 met een gewogen totaal van 81,50 op 100."])
    return LetterContent(**{**base, **changes})


def text_of(pdf: bytes) -> str:
    """The text operands of the (uncompressed or deflated) page streams, enough to find words in."""
    chunks = [pdf.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            pass
    return "".join("".join(re.findall(r"\((.*?)\) Tj", chunk)) + chunk for chunk in chunks)


def test_a_partial_award_says_how_much_of_what_was_asked_and_why() -> None:
    letter = content()
    assert "een subsidie toe van € 40.000,00. U vroeg € 50.000,00" in letter.decision_paragraph()
    assert letter.ranking_paragraph() == ("Uw aanvraag staat op rang 2 van 5 gerangschikte aanvragen, met een "
                                          "gewogen totaal van 81,50 op 100.")
    assert letter.subject() == "Beslissing DEP-2026-0042: toekenning van uw aanvraag «Schoolvis»"


def test_the_appeal_paragraph_names_the_period_the_last_day_to_whom_and_how() -> None:
    paragraph = content().appeal_paragraph()
    assert "binnen 30 dagen na de kennisgeving beroep aantekenen bij de deputatie van de Provincie Oost-Vlaanderen" \
        in paragraph
    assert "uiterlijk op 20 december 2026" in paragraph and "aangetekende brief" in paragraph
    assert "DEP-2026-0042" in paragraph


def test_the_appeal_period_runs_from_the_notification_not_from_a_backdated_decision_date() -> None:
    letter = content(decided_on=date(2026, 10, 1), notified_on=date(2026, 11, 20))
    assert letter.appeal_last_day == date(2026, 12, 20)
    assert "uiterlijk op 20 december 2026" in letter.appeal_paragraph()
    text = text_of(render(letter))
    assert "1 oktober 2026" in text and "20 november 2026" in text


def test_a_rejection_reads_as_one() -> None:
    letter = content(outcome=Outcome.REJECTED, amount_cents=0, rank=None, total=Decimal("44.00"))
    assert "wijst de Provincie Oost-Vlaanderen uw aanvraag «Schoolvis» (€ 50.000,00 gevraagd) af" in \
        letter.decision_paragraph()
    assert letter.ranking_paragraph() == "Uw aanvraag werd niet gerangschikt. Uw gewogen totaal bedroeg 44,00 op 100."


def test_the_pdf_carries_the_reference_the_reasons_per_criterion_and_the_legal_basis() -> None:
    pdf = render(content())
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for expected in ("DEP-2026-0042", "Provincie Oost-Vlaanderen", "Innovatie", "8,50 / 10", "Vernieuwend.",
                     "Provincieraadsbesluiten van 25 mei 2016", "Beroep", "Rang 2 van 5"):
        assert expected in text, expected


def test_the_jury_reasons_are_the_consensus_minutes_else_the_jurors_justifications_shortened() -> None:
    assert justification_of("Sterk project.", ["a", "b"]) == "Consensus van de jury: Sterk project."
    assert justification_of(None, ["Goed.", " ", "Zwak budget."]) == "Goed. / Zwak budget."
    assert len(justification_of(None, ["x" * 1000], limit=50)) == 50


def test_the_appeal_period_ends_on_the_last_day_inclusive_in_brussels_dates() -> None:
    assert appeal_last_day(date(2026, 11, 20), 30) == date(2026, 12, 20)
    check_appeal_in_time(date(2026, 12, 20), date(2026, 11, 20), 30)
    with pytest.raises(Conflict, match="was 20 december 2026"):
        check_appeal_in_time(date(2026, 12, 21), date(2026, 11, 20), 30)


def test_an_appeal_moves_received_then_under_review_then_upheld_or_dismissed_with_reasons() -> None:
    check_appeal_transition("received", "under-review", "")
    check_appeal_transition("under-review", "dismissed", "De scores zijn correct toegepast.")
    with pytest.raises(Conflict):
        check_appeal_transition("received", "upheld", "te vroeg")
    with pytest.raises(Invalid, match="motivering"):
        check_appeal_transition("under-review", "upheld", " ")
    with pytest.raises(Conflict):
        check_appeal_transition("dismissed", "under-review", "")


def test_who_may_see_a_letter() -> None:
    facts = dict(applicant_username="applicant", applicant_number="0123456749", co_applicant_numbers=["0456789044"])
    assert involvement(username="other", enterprise_number="0123456749", is_manager=False, **facts) == "applicant"
    assert involvement(username="x", enterprise_number="0456789044", is_manager=False, **facts) == "co-applicant"
    assert involvement(username="cm", enterprise_number=None, is_manager=True, **facts) == "manager"
    assert involvement(username="juror", enterprise_number="0999999936", is_manager=False, **facts) is None


def test_an_ineligible_application_is_rejected_with_the_screenings_reasons() -> None:
    assert screening_reasons([{"code": "attachments", "passed": False, "reason": "de begroting ontbreekt"},
                              {"code": "amount", "passed": True, "reason": "ok"}], "Geen sociale-economiepartner.") == [
        "Niet voldaan: de begroting ontbreekt",
        "Beoordeling van de ontvankelijkheid door de dienst: Geen sociale-economiepartner."]
