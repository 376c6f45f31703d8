"""The registry's rules without a database: each check refuses with a Dutch reason naming the field, and passes
the edge that is allowed; the form's field names follow the service's; the coordinator navigation matches the
portal's sections."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from services.foodsavers import portal
from services.foodsavers.registry import form, rules
from shared.problems import Invalid

TENANT = "west-vlaanderen"


def problems_of(check: Any, *args: Any) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        check(*args)
    return {e["key"]: e["message"] for e in caught.value.extensions["errors"]}


def test_windows_are_checked_and_sorted() -> None:
    found = rules.check_donor(TENANT, {"pickup_windows": [{"weekday": 5, "from": "14:00", "until": "15:00"},
                                                          {"weekday": 1, "from": "08:00", "until": "08:01"}]})
    assert [w["weekday"] for w in found["pickup_windows"]] == [1, 5]
    wrong = problems_of(rules.check_donor, TENANT, {"pickup_windows": [
        {"weekday": 0, "from": "08:00", "until": "09:00"}, {"weekday": 2, "from": "24:00", "until": "25:00"},
        {"weekday": 3, "from": "09:00", "until": "09:00"}, {"weekday": True, "from": "09:00", "until": "10:00"}]})
    assert set(wrong) == {"pickup_windows[0].weekday", "pickup_windows[1].from", "pickup_windows[2].until",
                          "pickup_windows[3].weekday"}
    assert "later eindigen" in wrong["pickup_windows[2].until"]


def test_the_municipality_is_one_of_the_province_by_code_or_name() -> None:
    assert rules.check_recipient(TENANT, {"municipality": "ieper"})["municipality"] == "33011"
    assert rules.check_recipient(TENANT, {"municipality": "33011"})["municipality"] == "33011"
    assert "niet in deze provincie" in problems_of(rules.check_recipient, TENANT, {"municipality": "Hasselt"})[
        "municipality"]
    assert "geen Vlaamse gemeente" in problems_of(rules.check_recipient, TENANT, {"municipality": ""})[
        "municipality"]


@pytest.mark.parametrize(("given", "field"), [
    ({"capacity_grams": 0}, "capacity_grams"),
    ({"capacity_grams": rules.MAX_CAPACITY_GRAMS + 1}, "capacity_grams"),
    ({"emission_grams_per_km": -1}, "emission_grams_per_km"),
    ({"name": ""}, "name"),
])
def test_a_vehicle_outside_reason_is_refused(given: dict[str, Any], field: str) -> None:
    assert field in problems_of(rules.check_vehicle, given)


def test_a_vehicle_at_the_edges_passes() -> None:
    values = rules.check_vehicle({"capacity_grams": rules.MAX_CAPACITY_GRAMS, "emission_grams_per_km": 0,
                                  "plate": " 1-abc-123 "})
    assert values == {"capacity_grams": 40_000_000, "emission_grams_per_km": 0, "plate": "1-ABC-123"}


def test_favv_and_enterprise_numbers() -> None:
    assert rules.check_recipient(TENANT, {"favv_number": "2012 345.678"})["favv_number"] == "2012345678"
    assert rules.check_recipient(TENANT, {"favv_number": ""})["favv_number"] == ""
    assert "favv_number" in problems_of(rules.check_recipient, TENANT, {"favv_number": "1" * 21})
    assert "favv_number" in problems_of(rules.check_recipient, TENANT, {"favv_number": "BE-12"})
    assert rules.check_recipient(TENANT, {"enterprise_number": None})["enterprise_number"] is None
    assert rules.check_recipient(TENANT, {"enterprise_number": "BE0403170701"})["enterprise_number"] == "0403170701"
    assert "controlegetal" in problems_of(rules.check_recipient, TENANT, {"enterprise_number": "0403170702"})[
        "enterprise_number"]


def test_counts_and_kinds() -> None:
    wrong = problems_of(rules.check_recipient, TENANT, {"households": -1, "people_served": 2_000_000,
                                                        "kind": "kerk"})
    assert set(wrong) == {"households", "people_served", "kind"}
    assert rules.check_recipient(TENANT, {"kind": "local-government", "households": 0})["households"] == 0
    assert rules.check_donor(TENANT, {"kind": "food-bank"})["kind"] == "food-bank"


def test_a_driver_login_is_lower_case_and_plain() -> None:
    assert rules.check_driver({"username": " Driver "})["username"] == "driver"
    assert "username" in problems_of(rules.check_driver, {"username": "jan peeters"})


def test_the_donor_address_is_one_line() -> None:
    assert rules.address("Markt 1", "8900", "33011") == "Markt 1, 8900 Ieper"
    assert rules.address("", "", "33011") == "Ieper"


def test_a_refusal_lands_beside_the_forms_field() -> None:
    assert form.form_field("pickup_windows[2].until") == "win_until_3"
    assert form.form_field("delivery_windows[0].weekday") == "win_day_1"
    assert form.form_field("capacity_grams") == "capacity_kg"
    assert form.form_field("name") == "name"


def test_the_navigation_lists_the_portals_sections() -> None:
    nav = (Path(portal.TEMPLATES) / "coordinator" / "nav.html").read_text(encoding="utf-8")
    listed = re.findall(r'\("([^"]*)", "([^"]*)"\)', nav)
    assert tuple(listed) == portal.SECTIONS
