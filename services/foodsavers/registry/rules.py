"""What the registry's entries are, independent of storage: the kinds of donors and recipients, and the checks of
what a coordinator enters (windows, municipality of the province, enterprise and FAVV numbers, a van's capacity
and emissions, the counts of people served). Each check takes the fields given (API names, as decoded) and gives
the columns to store, or every problem at once (one 422 naming all, nothing stored)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from shared import enterprise_number
from shared.municipalities import find, name_of
from shared.problems import Invalid


class DonorKind(StrEnum):
    SUPERMARKET = "supermarket"
    AUCTION = "auction"
    PRODUCER = "producer"
    WHOLESALER = "wholesaler"
    FOOD_BANK = "food-bank"


DONOR_KINDS: dict[DonorKind, str] = {
    DonorKind.SUPERMARKET: "supermarkt",
    DonorKind.AUCTION: "veiling",
    DonorKind.PRODUCER: "producent",
    DonorKind.WHOLESALER: "groothandel",
    DonorKind.FOOD_BANK: "voedselbank (FEAD)",
}
"""The regional food bank is where FEAD rounds start."""


class RecipientKind(StrEnum):
    SINT_VINCENTIUS = "sint-vincentius"
    SOCIAL_GROCERY = "social-grocery"
    SOCIAL_RESTAURANT = "social-restaurant"
    LOCAL_GOVERNMENT = "local-government"
    OTHER = "other"


RECIPIENT_KINDS: dict[RecipientKind, str] = {
    RecipientKind.SINT_VINCENTIUS: "Vincentiusvereniging",
    RecipientKind.SOCIAL_GROCERY: "sociale kruidenier",
    RecipientKind.SOCIAL_RESTAURANT: "sociaal restaurant",
    RecipientKind.LOCAL_GOVERNMENT: "lokaal bestuur (OCMW/gemeente, FEAD)",
    RecipientKind.OTHER: "andere voedselhulporganisatie",
}
"""Local governments receive FEAD food aid."""

WEEKDAYS = {1: "maandag", 2: "dinsdag", 3: "woensdag", 4: "donderdag", 5: "vrijdag", 6: "zaterdag", 7: "zondag"}
MAX_CAPACITY_GRAMS = 40_000_000
"""40,000 kg: a road train's payload; anything more is a typing error."""
MAX_EMISSION_GRAMS_PER_KM = 5_000
MAX_COUNT = 1_000_000
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_FAVV = re.compile(r"^\d{1,20}$")
_POSTCODE = re.compile(r"^[1-9]\d{3}$")

CONSTRAINT_REASONS: dict[str, str] = {
    "uq_drivers_username": "er is al een chauffeur met deze login in deze provincie",
    "ck_vehicles_figures": "de capaciteit moet groter dan 0 zijn en de uitstoot per km 0 of meer",
    "ck_recipients_counts": "aantallen (gezinnen, personen, koel- en vriesruimte) kunnen niet negatief zijn",
}
"""The Dutch reason of each constraint the database may refuse a registry write with (app.py gathers them)."""

Problems = list[tuple[str, str]]


def label_of(labels: Mapping[Any, str], key: str) -> str:
    return labels.get(key, key)


def refuse(problems: Problems) -> None:
    """422 naming every problem (the first field as `field`, all in `errors`), when there is any."""
    if problems:
        raise Invalid("; ".join(reason for _, reason in problems), field=problems[0][0],
                      errors=[{"key": f, "message": reason} for f, reason in problems])


def windows(name: str, given: list[Mapping[str, Any]], problems: Problems) -> list[dict[str, Any]]:
    """[{"weekday": 1..7, "from": "HH:MM", "until": "HH:MM"}], each with from before until; sorted."""
    found: list[dict[str, Any]] = []
    for index, window in enumerate(given):
        at = f"{name}[{index}]"
        weekday, start, end = window.get("weekday"), str(window.get("from", "")), str(window.get("until", ""))
        if not isinstance(weekday, int) or isinstance(weekday, bool) or weekday not in WEEKDAYS:
            problems.append((f"{at}.weekday", f"venster {index + 1}: de weekdag is een getal van 1 (maandag) tot "
                                              "7 (zondag)"))
            continue
        if not _TIME.match(start) or not _TIME.match(end):
            problems.append((f"{at}.from", f"venster {index + 1} ({WEEKDAYS[weekday]}): geef de uren als UU:MM, "
                                           "bv. 08:30"))
            continue
        if start >= end:
            problems.append((f"{at}.until", f"venster {index + 1} ({WEEKDAYS[weekday]}): het venster begint om "
                                            f"{start} en moet later eindigen, niet om {end}"))
            continue
        found.append({"weekday": weekday, "from": start, "until": end})
    return sorted(found, key=lambda w: (w["weekday"], w["from"], w["until"]))


def municipality(tenant: str, text: str, problems: Problems) -> str:
    """The NIS code of a municipality of the tenant's province, named by code or name."""
    found = find(text) if text.strip() else None
    if found is None:
        problems.append(("municipality", f"{text.strip()!r} is geen Vlaamse gemeente; geef de naam of de NIS-code "
                                         "(bv. Ieper of 33011)"))
        return ""
    if found.province != tenant:
        problems.append(("municipality", f"{found.name} ligt niet in deze provincie"))
        return ""
    return found.code


def text(name: str, value: str, problems: Problems, *, label: str, required: bool = False,
         max_length: int = 300) -> str:
    value = value.strip()
    if required and not value:
        problems.append((name, f"{label} is verplicht"))
    elif len(value) > max_length:
        problems.append((name, f"{label} is langer dan {max_length} tekens"))
    return value


def count(name: str, value: int, problems: Problems, *, label: str, maximum: int = MAX_COUNT) -> int:
    if value < 0:
        problems.append((name, f"{label} kan niet negatief zijn ({value})"))
    elif value > maximum:
        problems.append((name, f"{label} ({value}) is onwaarschijnlijk groot; hoogstens {maximum}"))
    return value


def favv_number(value: str, problems: Problems) -> str:
    """Free to leave empty; when given, digits only (spaces and dots dropped), at most 20."""
    digits = re.sub(r"[\s.]", "", value)
    if digits and not _FAVV.match(digits):
        problems.append(("favv_number", f"{value.strip()!r} is geen FAVV-nummer: alleen cijfers, hoogstens 20"))
    return digits


def postcode(value: str, problems: Problems) -> str:
    value = value.strip()
    if value and not _POSTCODE.match(value):
        problems.append(("postcode", f"{value!r} is geen Belgische postcode (vier cijfers, bv. 8900)"))
    return value


def optional_enterprise_number(value: str | None, problems: Problems) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return enterprise_number.normalise(value)
    except enterprise_number.InvalidEnterpriseNumber as exc:
        problems.append(("enterprise_number", str(exc)))
        return None


def kind(name: str, value: str, labels: Mapping[Any, str], problems: Problems, *, what: str) -> str:
    if value not in labels:
        problems.append((name, f"onbekende soort {what} {value!r}; geldig zijn: " + ", ".join(map(str, labels))))
    return value


CONTACT = ("contact_name", "contact_phone", "contact_email")
_CONTACT_LENGTHS = {"contact_name": 200, "contact_phone": 40, "contact_email": 200}
_CONTACT_LABELS = {"contact_name": "de contactpersoon", "contact_phone": "het telefoonnummer",
                   "contact_email": "het e-mailadres"}


def _place_and_contact(tenant: str, given: Mapping[str, Any], values: dict[str, Any], problems: Problems) -> None:
    """What donors and recipients share: municipality, street, postcode, contact, instructions, FAVV number."""
    if "municipality" in given:
        values["municipality"] = municipality(tenant, given["municipality"], problems)
    if "street" in given:
        values["street"] = text("street", given["street"], problems, label="de straat", max_length=200)
    if "postcode" in given:
        values["postcode"] = postcode(given["postcode"], problems)
    for field in CONTACT:
        if field in given:
            values[field] = text(field, given[field], problems, label=_CONTACT_LABELS[field],
                                 max_length=_CONTACT_LENGTHS[field])
    if "contact_email" in values and values["contact_email"] and "@" not in values["contact_email"]:
        problems.append(("contact_email", f"{values['contact_email']!r} is geen e-mailadres"))
    if "instructions" in given:
        values["instructions"] = text("instructions", given["instructions"], problems, label="de instructies",
                                      max_length=5000)
    if "favv_number" in given:
        values["favv_number"] = favv_number(given["favv_number"], problems)
    if "active" in given:
        values["active"] = bool(given["active"])


def check_donor(tenant: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """The donor's columns from the fields given (all of them on create, some on PATCH)."""
    problems: Problems = []
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = text("name", given["name"], problems, label="de naam", required=True)
    if "kind" in given:
        values["kind"] = kind("kind", given["kind"], DONOR_KINDS, problems, what="schenker")
    if "chain" in given:
        values["chain"] = text("chain", given["chain"], problems, label="de keten", max_length=120)
    if "opening_hours" in given:
        values["opening_hours"] = text("opening_hours", given["opening_hours"], problems,
                                       label="de openingsuren", max_length=2000)
    if "pickup_windows" in given:
        values["pickup_windows"] = windows("pickup_windows", given["pickup_windows"], problems)
    _place_and_contact(tenant, given, values, problems)
    refuse(problems)
    return values


def address(street: str, postcode: str, municipality_code: str) -> str:
    """The donor's address as one line: "Markt 1, 8900 Ieper"."""
    place = " ".join(part for part in (postcode, name_of(municipality_code) if municipality_code else "") if part)
    return ", ".join(part for part in (street, place) if part)


def check_recipient(tenant: str, given: Mapping[str, Any]) -> dict[str, Any]:
    problems: Problems = []
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = text("name", given["name"], problems, label="de naam", required=True)
    if "kind" in given:
        values["kind"] = kind("kind", given["kind"], RECIPIENT_KINDS, problems, what="ontvanger")
    if "enterprise_number" in given:
        values["enterprise_number"] = optional_enterprise_number(given["enterprise_number"], problems)
    if "delivery_windows" in given:
        values["delivery_windows"] = windows("delivery_windows", given["delivery_windows"], problems)
    for field, label in (("cold_storage_litres", "de koelruimte"), ("freezer_litres", "de vriesruimte"),
                         ("households", "het aantal gezinnen"), ("people_served", "het aantal personen")):
        if field in given:
            values[field] = count(field, given[field], problems, label=label)
    _place_and_contact(tenant, given, values, problems)
    refuse(problems)
    return values


def check_vehicle(given: Mapping[str, Any]) -> dict[str, Any]:
    problems: Problems = []
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = text("name", given["name"], problems, label="de naam", required=True, max_length=120)
    if "plate" in given:
        values["plate"] = text("plate", given["plate"], problems, label="de nummerplaat", max_length=20).upper()
    if "refrigerated" in given:
        values["refrigerated"] = bool(given["refrigerated"])
    if "capacity_grams" in given:
        grams = given["capacity_grams"]
        if grams <= 0 or grams > MAX_CAPACITY_GRAMS:
            problems.append(("capacity_grams", f"de laadcapaciteit ({grams / 1000:g} kg) moet groter dan 0 kg en "
                                               "hoogstens 40.000 kg zijn"))
        values["capacity_grams"] = grams
    if "emission_grams_per_km" in given:
        values["emission_grams_per_km"] = count(
            "emission_grams_per_km", given["emission_grams_per_km"], problems,
            label="de uitstoot per km (g CO2-eq)", maximum=MAX_EMISSION_GRAMS_PER_KM)
    if "active" in given:
        values["active"] = bool(given["active"])
    refuse(problems)
    return values


_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,119}$")


def check_driver(given: Mapping[str, Any]) -> dict[str, Any]:
    problems: Problems = []
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = text("name", given["name"], problems, label="de naam", required=True, max_length=200)
    if "username" in given:
        username = given["username"].strip().lower()
        if not _USERNAME.match(username):
            problems.append(("username", f"{given['username']!r} is geen login: kleine letters, cijfers en . _ @ -, "
                                         "hoogstens 120 tekens"))
        values["username"] = username
    if "phone" in given:
        values["phone"] = text("phone", given["phone"], problems, label="het telefoonnummer", max_length=40)
    if "active" in given:
        values["active"] = bool(given["active"])
    refuse(problems)
    return values
