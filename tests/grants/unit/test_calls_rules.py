from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.grants.calls import rules
from shared.portal import formats
from shared.problems import Conflict

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
PDF = "application/pdf"


def terms(**changes) -> rules.CallTerms:
    values = dict(
        title="Innovatie via samenwerking", total_budget_cents=25_000_000, max_per_project_cents=5_000_000,
        cofinancing_rate_bp=8_000, opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=30),
        appeal_days=30, partial_funding_min_bp=5_000, jurors_per_application=3,
        tie_break=["criterion:1", "submitted_at:asc"], min_coapplicants=1,
        rules_text="Reglement projectsubsidies sociale economie.", legal_basis="Provincieraadsbesluit van 25 mei 2016",
        aim="Een hefboom in ondernemerschap.",
        criteria=[rules.CriterionTerms(1, "Innovatie", Decimal("60"), 10, Decimal("5")),
                  rules.CriterionTerms(2, "Samenwerking", Decimal("40"), 10)],
        attachments=[rules.AttachmentTerms("begroting", "Begroting", (PDF,))])
    values.update(changes)
    return rules.CallTerms(**values)


def test_a_complete_call_can_be_published() -> None:
    assert rules.publication_problems(terms(), NOW, {PDF}) == []


@pytest.mark.parametrize(("changes", "reason"), [
    ({"total_budget_cents": 0}, "totale budget moet groter dan 0"),
    ({"max_per_project_cents": 30_000_000}, "kan niet groter zijn dan het totale budget"),
    ({"cofinancing_rate_bp": 0}, "cofinancieringsgraad moet groter dan 0"),
    ({"cofinancing_rate_bp": 10_001}, "tussen 0 en 100 %"),
    ({"opens_at": NOW + timedelta(days=40)}, "openen vóór ze sluit"),
    ({"closes_at": NOW - timedelta(seconds=1), "opens_at": NOW - timedelta(days=2)}, "in het verleden"),
    ({"closes_at": None}, "sluitingsdatum zijn verplicht"),
    ({"closes_at": datetime(2027, 4, 1, 12, 0)}, "tijdzone"),
    ({"criteria": []}, "minstens één beoordelingscriterium"),
    ({"criteria": [rules.CriterionTerms(1, "Innovatie", Decimal("0"), 10)]}, "gewicht moet groter dan 0"),
    ({"criteria": [rules.CriterionTerms(1, "Innovatie", Decimal("1"), 10, Decimal("11"))]}, "drempel"),
    ({"tie_break": []}, "tie_break"),
    ({"tie_break": ["criterion:3"]}, "criterium 3, dat niet bestaat"),
    ({"tie_break": ["lottery"]}, "onbekende sleutel"),
    ({"tie_break": ["submitted_at:asc", "submitted_at:asc"]}, "twee keer"),
    ({"legal_basis": ""}, "rechtsgrond"),
    ({"rules_text": "  "}, "reglement"),
    ({"aim": "\n"}, "doelstelling"),
    ({"attachments": [rules.AttachmentTerms("Begroting!", "Begroting", (PDF,))]}, "kleine letters"),
    ({"attachments": [rules.AttachmentTerms("begroting", "Begroting", ("application/x-msdownload",))]},
     "niet ondersteund"),
])
def test_publication_names_what_is_missing_or_wrong(changes, reason) -> None:
    problems = rules.publication_problems(terms(**changes), NOW, {PDF})
    assert any(reason in p for p in problems), problems


def test_a_draft_may_be_incomplete_but_not_contradictory() -> None:
    incomplete = terms(total_budget_cents=0, criteria=[], tie_break=[], closes_at=None, legal_basis="", aim="")
    assert rules.draft_problems(incomplete, {PDF}) == []
    assert rules.draft_problems(terms(total_budget_cents=-1), {PDF}) == ["het totale budget kan niet negatief zijn"]


@pytest.mark.parametrize(("current", "target", "allowed"), [
    ("draft", "published", True), ("published", "closed", True), ("closed", "in-review", True),
    ("in-review", "decided", True), ("decided", "archived", True),
    ("draft", "closed", False), ("published", "in-review", False), ("archived", "draft", False),
    ("decided", "published", False),
])
def test_the_lifecycle_moves_one_step_forward_only(current, target, allowed) -> None:
    assert rules.can_move(current, target) is allowed


def test_an_illegal_move_is_a_conflict_naming_the_current_state_in_dutch() -> None:
    with pytest.raises(Conflict) as refused:
        rules.check_transition("closed", "archived")
    assert refused.value.detail == "de oproep is afgesloten en kan niet naar 'gearchiveerd'"


def test_dates_read_in_brussels_time_in_dutch_across_daylight_saving() -> None:
    assert formats.deadline(datetime(2027, 3, 31, 10, 0, tzinfo=UTC)) == "woensdag 31 maart 2027 om 12:00"
    assert formats.deadline(datetime(2027, 1, 15, 22, 59, 59, tzinfo=UTC)) == \
        "vrijdag 15 januari 2027 om 23:59:59"
    assert formats.brussels(datetime(2027, 1, 15, 12, tzinfo=UTC)).isoformat() == "2027-01-15T13:00:00+01:00"


def test_money_and_rates_read_the_belgian_way() -> None:
    assert formats.euros(25_000_000) == "€ 250.000,00"
    assert formats.euros(1_234_567) == "€ 12.345,67"
    assert formats.percentage(8_000) == "80 %"
    assert formats.percentage(6_250) == "62,5 %"


def test_the_tie_break_chain_reads_as_a_numbered_rule() -> None:
    criteria = [rules.CriterionTerms(1, "Innovatie", Decimal("60"), 10)]
    assert rules.tie_break_text(["criterion:1", "requested_amount:asc"], criteria) == [
        "1. de hoogste score op criterium 1 (Innovatie)", "2. het laagste gevraagde bedrag"]
