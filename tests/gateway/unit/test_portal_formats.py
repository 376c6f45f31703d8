"""How the portal reads what people type and shows amounts, moments and enterprise numbers (nl-BE)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from services.gateway.portal.formats import (
    FormatError, brussels_moment, enterprise_number, euros, file_size, parse_enterprise_number, parse_euros,
    percentage,
)
from services.gateway.portal.forms import Form
from services.gateway.portal.grants_client import problem_of


@pytest.mark.parametrize(("typed", "cents"), [
    ("12.500,00", 1_250_000), ("12500", 1_250_000), ("€ 12 500,5", 1_250_050), ("12.500", 1_250_000),
    ("12.5", 1_250), ("0,99", 99), ("1.234.567,89", 123_456_789),
])
def test_amounts_typed_the_belgian_way_become_cents(typed: str, cents: int) -> None:
    assert parse_euros(typed) == cents


@pytest.mark.parametrize("typed", ["", "12,500,00", "12.50.0,00", "twaalf", "1,234", "-5"])
def test_amounts_that_cannot_be_read_get_a_dutch_message(typed: str) -> None:
    with pytest.raises(FormatError, match="bedrag|Vul"):
        parse_euros(typed)


def test_cents_are_shown_with_a_comma_and_thousands_dots() -> None:
    assert euros(1_250_000) == "€ 12.500,00"
    assert euros(5) == "€ 0,05"
    assert percentage(8000) == "80 %" and percentage(7550) == "75,5 %"


def test_an_enterprise_number_is_normalised_and_its_check_digits_verified() -> None:
    assert parse_enterprise_number("0123.456.749") == "0123456749"
    assert parse_enterprise_number("BE 0123 456 749") == "0123456749"
    assert parse_enterprise_number("123456749") == "0123456749"
    assert enterprise_number("0123456749") == "0123.456.749"
    with pytest.raises(FormatError, match="controlecijfers"):
        parse_enterprise_number("0123.456.748")
    with pytest.raises(FormatError, match="10 cijfers"):
        parse_enterprise_number("12345")


def test_a_deadline_reads_in_brussels_time_in_summer_and_in_winter() -> None:
    assert brussels_moment(datetime(2026, 9, 29, 15, 0, tzinfo=UTC)) == "dinsdag 29 september 2026 om 17:00"
    assert brussels_moment("2026-12-01T16:00:00Z") == "dinsdag 1 december 2026 om 17:00"
    assert brussels_moment(None) == "—"


def test_file_sizes_read_as_a_file_manager_shows_them() -> None:
    assert file_size(77) == "77 bytes"
    assert file_size(1536) == "1,5 kB"
    assert file_size(2_000_000) == "2 MB"


def test_a_form_keeps_what_was_typed_and_puts_messages_beside_the_fields() -> None:
    form = Form.posted({"_csrf": "x", "requested": "12,500,00", "title": "  Fietsherstel "})
    assert "_csrf" not in form.values
    assert form.text("title", required="Geef een titel.") == "Fietsherstel"
    assert form.parsed("requested", parse_euros) is None
    assert "12.500,00" in form.errors["requested"] and form.values["requested"] == "12,500,00"
    assert not form.ok


def test_a_service_refusal_about_a_field_lands_beside_that_field() -> None:
    form = Form.posted({"organisation": ""})
    form.refuse("Uw organisatie is niet gekend.", {"name": "Uw organisatie is niet gekend."}, {"name": "organisation"})
    assert form.errors == {"organisation": "Uw organisatie is niet gekend."} and form.message is None
    other = Form.posted({"title": "x"}).refuse("De oproep is gesloten.", {"members[0]": "…"})
    assert other.message == "De oproep is gesloten."


def test_problem_json_becomes_a_dutch_sentence_and_a_server_error_never_shows_its_details() -> None:
    refused = problem_of(httpx.Response(409, headers={"content-type": "application/problem+json"}, json={
        "type": "urn:regie:problem:conflict", "title": "Conflict met de huidige toestand", "status": 409,
        "detail": "de indieningstermijn is verstreken", "field": "closes_at"}))
    assert refused.status == 409 and refused.kind == "conflict"
    assert refused.message == "De indieningstermijn is verstreken."
    assert refused.fields == {"closes_at": "De indieningstermijn is verstreken."}
    crashed = problem_of(httpx.Response(500, text="Traceback (most recent call last): …"))
    assert "Traceback" not in crashed.message and "niet bereikbaar" in crashed.message
