"""The portal kit: how pages read what people type and show amounts, weights, moments and enterprise numbers
(nl-BE), how a form keeps its input, and how a service's refusal lands on it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import msgspec
import pytest

from shared.portal.formats import (
    FormatError,
    count,
    day,
    enterprise_number,
    euros,
    file_size,
    kilograms,
    moment,
    parse_enterprise_number,
    parse_euros,
    parse_kilograms,
    percentage,
    tonnes,
    unequal,
)
from shared.portal.forms import Form, command, reasons
from shared.portal.headers import decode_flash, encode_flash
from shared.problems import Conflict, Invalid


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
    assert moment(datetime(2026, 9, 29, 15, 0, tzinfo=UTC)) == "dinsdag 29 september 2026 om 17:00"
    assert moment("2026-12-01T16:00:00Z") == "dinsdag 1 december 2026 om 17:00"
    assert moment(None) == "—"


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


def test_a_refusal_naming_its_field_lands_beside_it_in_a_sentence() -> None:
    form = Form.posted({"closes_at": "2026-01-01"})
    form.refuse_problem(Conflict("de indieningstermijn is verstreken", field="closes_at"))
    assert form.errors == {"closes_at": "De indieningstermijn is verstreken."} and form.message is None
    other = Form.posted({"title": "x"}).refuse_problem(Conflict("de oproep is gesloten"))
    assert other.message == "De oproep is gesloten."


def test_every_reason_of_a_refusal_is_listed_as_a_sentence() -> None:
    listed = Invalid("a; b", problems=["de titel ontbreekt", "het budget ontbreekt"])
    assert reasons(listed) == ["De titel ontbreekt.", "Het budget ontbreekt."]
    assert reasons(Conflict("de oproep is gesloten; de jury is samengesteld")) == [
        "De oproep is gesloten.", "De jury is samengesteld."]


class Draft(msgspec.Struct):
    title: str
    requested_cents: Annotated[int, msgspec.Meta(ge=1)]


def test_a_command_built_from_a_form_gets_the_checks_the_api_applies() -> None:
    assert command(Draft, {"title": "x", "requested_cents": 5}) == Draft("x", 5)
    with pytest.raises(Invalid) as refused:
        command(Draft, {"title": "x", "requested_cents": 0})
    form = Form.posted({"requested": "0"}).refuse_problem(refused.value, {"requested_cents": "requested"})
    assert "requested" in form.errors and ">= 1" in form.errors["requested"]


def test_weights_in_grams_read_as_kilograms_and_tonnes() -> None:
    assert kilograms(12_500) == "12,5 kg" and kilograms(1_234_500) == "1.234,5 kg" and kilograms(0) == "0 kg"
    assert tonnes(5_700_000) == "5,70 t"
    assert parse_kilograms("12,5") == 12_500 and parse_kilograms("1.234,567") == 1_234_567
    with pytest.raises(FormatError, match="gewicht"):
        parse_kilograms("12,5678")


def test_a_negative_amount_and_close_values_read_unambiguously() -> None:
    assert euros(-500) == "-€ 5,00"
    assert unequal(Decimal("4.995"), 5) == ("4,995", "5,000")


def test_a_day_reads_in_brussels_and_a_deadline_shows_its_seconds_only_when_set() -> None:
    assert day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "1 december 2026"
    assert day("2026-11-22") == "22 november 2026"
    assert moment(datetime(2026, 9, 29, 21, 59, 59, tzinfo=UTC), seconds=None) == \
        "dinsdag 29 september 2026 om 23:59:59"
    assert moment(datetime(2026, 9, 29, 21, 59, 0, tzinfo=UTC), seconds=None) == "dinsdag 29 september 2026 om 23:59"


def test_a_flash_message_survives_the_trip_through_a_header() -> None:
    header = encode_flash("Je concept is bewaard — «Fietsherstel»", "ok")
    assert header.isascii()
    assert decode_flash(header) == {"text": "Je concept is bewaard — «Fietsherstel»", "kind": "ok"}
    assert decode_flash("not json") is None and decode_flash(None) is None


def test_the_version_a_form_carries_back_is_read_and_anything_else_counts_as_missing() -> None:
    assert Form.posted({"version": "7"}).version() == 7
    assert Form.posted({"version": "7; drop"}).version() == 0  # as stale as can be: the service answers 412
    assert Form.posted({}).version() == 0
    assert Form.posted({"version": "-1"}).version(missing=None) is None


def test_a_count_groups_its_thousands_with_a_point_and_is_whole() -> None:
    assert count(1300) == "1.300"
    assert count("11400.4") == "11.400"
    assert count(999) == "999"
    assert count(1234567) == "1.234.567"
    assert count("geen getal") == "geen getal"
