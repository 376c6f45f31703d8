"""The checks of a synced line, pure: each refusal names its field and a Dutch reason."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.foodsavers.logbook.rules import (
    PickupLine,
    Refusal,
    a_moment,
    brussels_day,
    check_delivery_line,
    check_pickup_line,
    grams_of,
)
from services.foodsavers.logbook.schemas import DeliveryLineIn, LineIn
from services.foodsavers.registry.categories import Category
from services.foodsavers.safety.rules import DateKind

CAPACITY = 1_000_000
NOW = datetime(2020, 6, 15, 10, 0, tzinfo=UTC)


def line(**fields: object) -> LineIn:
    return LineIn(id=str(uuid.uuid4()), **{"category": "dry", "grams": 12_500, **fields})  # type: ignore[arg-type]


def checked(**fields: object) -> PickupLine | Refusal:
    return check_pickup_line(line(**fields), uuid.uuid4(), CAPACITY)


def test_a_good_line_is_parsed() -> None:
    found = checked(category="dairy", grams=8000, refused_grams=500, refused_reason="kapotte verpakking",
                    date_kind="use-by", best_date="2020-06-17", celsius="4,5")
    assert isinstance(found, PickupLine)
    assert (found.category, found.grams, found.refused_grams, found.date_kind, found.best_date, found.celsius) == (
        Category.DAIRY, 8000, 500, DateKind.USE_BY, date(2020, 6, 17), Decimal("4.5"))


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"grams": -5}, "grams", "negatief"),
    ({"grams": 1_000_001}, "grams", "meer dan de bestelwagen kan laden"),
    ({"grams": 12.5}, "grams", "geheel aantal gram"),
    ({"grams": "veel"}, "grams", "geheel aantal gram"),
    ({"refused_grams": -1}, "refused_grams", "negatief"),
    ({"refused_grams": 100}, "refused_reason", "reden"),
    ({"category": "snoep"}, "category", "onbekende categorie"),
    ({"date_kind": "soms"}, "date_kind", "onbekend soort datum"),
    ({"date_kind": "use-by"}, "best_date", "te gebruiken tot-datum"),
    ({"date_kind": "use-by", "best_date": "17/06/2020"}, "best_date", "geen geldige datum"),
    ({"category": "dairy"}, "celsius", "meet de temperatuur"),
    ({"category": "frozen", "celsius": "koud"}, "celsius", "geen temperatuur"),
    ({"category": "frozen", "celsius": "-180"}, "celsius", "kan niet"),
])
def test_a_bad_line_is_refused_with_its_field_and_reason(fields: dict[str, object], field: str, words: str) -> None:
    found = checked(**fields)
    assert isinstance(found, Refusal), found
    assert found.field == field and words in found.reason


def test_a_delivery_line_needs_a_known_category_and_sensible_grams() -> None:
    ok = check_delivery_line(DeliveryLineIn(id="x", category="bread", grams=3000), uuid.uuid4(), CAPACITY)
    assert not isinstance(ok, Refusal) and ok.grams == 3000
    bad = check_delivery_line(DeliveryLineIn(id="x", category="bread", grams=-3), uuid.uuid4(), CAPACITY)
    assert isinstance(bad, Refusal) and bad.field == "grams"
    unknown = check_delivery_line(DeliveryLineIn(id="x", category="?", grams=3), uuid.uuid4(), CAPACITY)
    assert isinstance(unknown, Refusal) and unknown.field == "category"


def test_a_time_more_than_five_minutes_ahead_is_in_the_future() -> None:
    assert a_moment("2020-06-15T10:04:00Z", "t", NOW, "de ophaling") == NOW + timedelta(minutes=4)
    future = a_moment("2020-06-15T10:06:00Z", "t", NOW, "de ophaling")
    assert isinstance(future, Refusal) and "toekomst" in future.reason
    assert isinstance(a_moment("2020-06-15T10:00:00", "t", NOW, "x"), Refusal)  # no zone
    assert isinstance(a_moment("gisteren", "t", NOW, "x"), Refusal)


def test_grams_and_days() -> None:
    assert grams_of(0, "grams", CAPACITY) == 0
    assert isinstance(grams_of(True, "grams", CAPACITY), Refusal)
    assert brussels_day(datetime(2020, 6, 14, 22, 30, tzinfo=UTC)) == date(2020, 6, 15)
