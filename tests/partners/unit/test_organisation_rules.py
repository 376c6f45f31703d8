"""The organisation rules without I/O: who counts as social economy and as a supplier, the checks of what a person
enters, the search text, the form's field names, and the catalogue's text query built from anything typed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql

from services.partners.catalogue.repository import text_query
from services.partners.catalogue.service import BriefCache, cursor_of, offset_of
from services.partners.organisations import rules
from services.partners.organisations.form import form_field
from services.partners.organisations.rules import RecognitionTerms, StaffTerms
from shared.problems import BadRequest

TODAY = date(2026, 12, 2)


def recognition(kind: str, start: str, until: str | None = None) -> RecognitionTerms:
    return RecognitionTerms(kind=kind, valid_from=date.fromisoformat(start),
                            valid_until=date.fromisoformat(until) if until else None)


@pytest.mark.parametrize(("kind", "recognitions", "expected"), [
    ("maatwerkbedrijf", [], True),
    ("cooperative", [], False),
    ("cooperative", [recognition("arbeidszorg", "2020-01-01")], True),
    ("cooperative", [recognition("arbeidszorg", "2020-01-01", "2026-12-01")], False),  # ended yesterday
    ("cooperative", [recognition("arbeidszorg", "2020-01-01", "2026-12-02")], True),  # valid through today
    ("cooperative", [recognition("arbeidszorg", "2026-12-03")], False),  # starts tomorrow
    ("cooperative", [recognition("kringloopcentrum", "2020-01-01")], False),  # not a social-economy recognition
])
def test_social_economy_is_a_kind_or_a_recognition_valid_today(kind, recognitions, expected) -> None:
    assert rules.is_social_economy(kind, recognitions, TODAY) is expected


def test_a_supplier_offers_something_or_is_social_economy() -> None:
    assert rules.is_supplier("cooperative", [], 1, TODAY)
    assert rules.is_supplier("lde-initiative", [], 0, TODAY)
    assert not rules.is_supplier("regular-enterprise", [], 0, TODAY)


def test_recognition_problems_name_the_field_and_say_why() -> None:
    problems = rules.recognition_problems([recognition("michelinster", "2020-01-01"),
                                           recognition("arbeidszorg", "2020-01-02", "2020-01-01")])
    assert [field for field, _ in problems] == ["recognitions[0].kind", "recognitions[1].valid_until"]
    assert "vóór ze begint" in problems[1][1]
    assert rules.recognition_problems([recognition("arbeidszorg", "2020-01-01", "2020-01-01")]) == []


def test_staff_problems_refuse_negative_figures_a_year_twice_and_a_far_year() -> None:
    figures = [StaffTerms(2024, 1, 1, Decimal("1")), StaffTerms(2024, 2, -1, Decimal("-0.5")),
               StaffTerms(1890, 1, 1, Decimal("1"))]
    assert [field for field, _ in rules.staff_problems(figures, 2026)] == [
        "staff[1].year", "staff[1].supervising_staff", "staff[1].fte", "staff[2].year"]


def test_offering_problems() -> None:
    assert [f for f, _ in rules.offering_problems([("groen", "dienst", " "), ("x", "product", "ok")])] == [
        "offerings[0].kind", "offerings[0].description", "offerings[1].rubric"]


def test_the_search_document_holds_name_description_municipality_rubric_names_and_offerings() -> None:
    document = rules.search_document("Apart", "Maatwerkbedrijf", "Gent", [("groen", "Tuinen"), ("groen", "Parken")])
    assert document.splitlines() == ["Apart", "Maatwerkbedrijf", "Gent", "groenaanleg en -onderhoud", "Tuinen",
                                     "Parken"]


@pytest.mark.parametrize(("api", "form"), [
    ("offerings[0].rubric", "off_rubric_1"), ("staff[2].target_group_workers", "staff_workers_3"),
    ("recognitions[1].valid_until", "rec_until_2"), ("contact.email", "email"), ("name", "name"),
])
def test_a_refusal_about_a_field_lands_beside_the_forms_field(api: str, form: str) -> None:
    assert form_field(api) == form


def sql(q: str) -> str:
    query = text_query(q)
    assert query is not None
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_the_last_word_is_also_a_prefix_and_only_letters_and_digits_reach_the_tsquery() -> None:
    assert "to_tsquery('regie_dutch'::regconfig, 'herst:*')" in sql("fiets herst")
    assert "websearch_to_tsquery('regie_dutch'::regconfig, 'fiets')" in sql("fiets herst")
    assert ":*" not in sql('"groen onderhoud"')  # a phrase: no prefix
    assert ":*" not in sql("catering -")
    assert ":*" not in sql("soep or brood")  # "or" keeps its meaning: no prefix that would make it "and"
    # operators typed stay in the websearch part; only the word reaches to_tsquery
    assert "to_tsquery('regie_dutch'::regconfig, 'brood:*')" in sql("a:* | brood")
    assert "websearch_to_tsquery('regie_dutch'::regconfig, 'a:* |')" in sql("a:* | brood")
    assert " to_tsquery" not in sql("a:* | !brood")  # a word glued to an operator is no word being typed
    assert text_query("   ") is None


def test_the_cursor_is_opaque_and_refuses_nonsense() -> None:
    assert offset_of(cursor_of(40)) == 40 and offset_of(None) == 0
    # "ºr": not ASCII (the fuzzing found it was a 500); "_w": decodes to bytes that are not UTF-8
    for bad in ("!!", cursor_of(40)[:-1] + "$", "bzEwMDAwMDAw", "ºr", "_w"):
        with pytest.raises(BadRequest):
            offset_of(bad)


async def test_the_brief_cache_forgets_after_its_ttl_and_keeps_its_size() -> None:
    now = [0.0]
    cache = BriefCache(clock=lambda: now[0])
    calls = []

    async def count() -> int:
        calls.append(1)
        return len(calls)

    assert await cache.get(("a",), count) == 1
    assert await cache.get(("a",), count) == 1
    now[0] = cache.TTL + 0.1
    assert await cache.get(("a",), count) == 2
    for i in range(cache.SIZE + 5):
        cache.put(("k", i), i)
    assert len(cache.kept) == cache.SIZE and cache.peek(("k", 0)) is None
