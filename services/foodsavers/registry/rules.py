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
from shared.i18n import N_, _
from shared.municipalities import find, name_of
from shared.problems import Invalid


class DonorKind(StrEnum):
    SUPERMARKET = "supermarket"
    AUCTION = "auction"
    PRODUCER = "producer"
    WHOLESALER = "wholesaler"
    FOOD_BANK = "food-bank"


DONOR_KINDS: dict[DonorKind, str] = {
    DonorKind.SUPERMARKET: N_("supermarkt"),
    DonorKind.AUCTION: N_("veiling"),
    DonorKind.PRODUCER: N_("producent"),
    DonorKind.WHOLESALER: N_("groothandel"),
    DonorKind.FOOD_BANK: N_("voedselbank (FEAD)"),
}
"""The regional food bank is where FEAD rounds start."""


class RecipientKind(StrEnum):
    SINT_VINCENTIUS = "sint-vincentius"
    SOCIAL_GROCERY = "social-grocery"
    SOCIAL_RESTAURANT = "social-restaurant"
    LOCAL_GOVERNMENT = "local-government"
    OTHER = "other"


RECIPIENT_KINDS: dict[RecipientKind, str] = {
    RecipientKind.SINT_VINCENTIUS: N_("Vincentiusvereniging"),
    RecipientKind.SOCIAL_GROCERY: N_("sociale kruidenier"),
    RecipientKind.SOCIAL_RESTAURANT: N_("sociaal restaurant"),
    RecipientKind.LOCAL_GOVERNMENT: N_("lokaal bestuur (OCMW/gemeente, FEAD)"),
    RecipientKind.OTHER: N_("andere voedselhulporganisatie"),
}
"""Local governments receive FEAD food aid."""

WEEKDAYS = {1: N_("maandag"), 2: N_("dinsdag"), 3: N_("woensdag"), 4: N_("donderdag"), 5: N_("vrijdag"),
            6: N_("zaterdag"), 7: N_("zondag")}
MAX_CAPACITY_GRAMS = 40_000_000
"""40,000 kg: a road train's payload; anything more is a typing error."""
MAX_EMISSION_GRAMS_PER_KM = 5_000
MAX_COUNT = 1_000_000
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_FAVV = re.compile(r"^\d{1,20}$")
_POSTCODE = re.compile(r"^[1-9]\d{3}$")

CONSTRAINT_REASONS: dict[str, str] = {
    "uq_drivers_username": N_("er is al een chauffeur met deze login in deze provincie"),
    "ck_vehicles_figures": N_("de capaciteit moet groter dan 0 zijn en de uitstoot per km 0 of meer"),
    "ck_recipients_counts": N_("aantallen (gezinnen, personen, koel- en vriesruimte) kunnen niet negatief zijn"),
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
            problems.append((f"{at}.weekday", _("venster %(number)s: de weekdag is een getal van 1 (maandag) tot "
                                                "7 (zondag)") % {"number": index + 1}))
            continue
        if not _TIME.match(start) or not _TIME.match(end):
            problems.append((f"{at}.from", _("venster %(number)s (%(weekday)s): geef de uren als UU:MM, bv. 08:30")
                             % {"number": index + 1, "weekday": _(WEEKDAYS[weekday])}))
            continue
        if start >= end:
            problems.append((f"{at}.until", _("venster %(number)s (%(weekday)s): het venster begint om %(start)s "
                                              "en moet later eindigen, niet om %(end)s")
                             % {"number": index + 1, "weekday": _(WEEKDAYS[weekday]), "start": start, "end": end}))
            continue
        found.append({"weekday": weekday, "from": start, "until": end})
    return sorted(found, key=lambda w: (w["weekday"], w["from"], w["until"]))


def municipality(tenant: str, text: str, problems: Problems) -> str:
    """The NIS code of a municipality of the tenant's province, named by code or name."""
    found = find(text) if text.strip() else None
    if found is None:
        problems.append(("municipality", _("%(text)s is geen Vlaamse gemeente; geef de naam of de NIS-code "
                                           "(bv. Ieper of 33011)") % {"text": repr(text.strip())}))
        return ""
    if found.province != tenant:
        problems.append(("municipality", _("%(name)s ligt niet in deze provincie") % {"name": found.name}))
        return ""
    return found.code


def text(name: str, value: str, problems: Problems, *, label: str, required: bool = False,
         max_length: int = 300) -> str:
    value = value.strip()
    if required and not value:
        problems.append((name, _("%(label)s is verplicht") % {"label": _(label)}))
    elif len(value) > max_length:
        problems.append((name, _("%(label)s is langer dan %(max)s tekens") % {"label": _(label), "max": max_length}))
    return value


def count(name: str, value: int, problems: Problems, *, label: str, maximum: int = MAX_COUNT) -> int:
    if value < 0:
        problems.append((name, _("%(label)s kan niet negatief zijn (%(value)s)") % {"label": _(label), "value": value}))
    elif value > maximum:
        problems.append((name, _("%(label)s (%(value)s) is onwaarschijnlijk groot; hoogstens %(max)s")
                         % {"label": _(label), "value": value, "max": maximum}))
    return value


def favv_number(value: str, problems: Problems) -> str:
    """Free to leave empty; when given, digits only (spaces and dots dropped), at most 20."""
    digits = re.sub(r"[\s.]", "", value)
    if digits and not _FAVV.match(digits):
        problems.append(("favv_number", _("%(value)s is geen FAVV-nummer: alleen cijfers, hoogstens 20")
                         % {"value": repr(value.strip())}))
    return digits


def postcode(value: str, problems: Problems) -> str:
    value = value.strip()
    if value and not _POSTCODE.match(value):
        problems.append(("postcode", _("%(value)s is geen Belgische postcode (vier cijfers, bv. 8900)")
                         % {"value": repr(value)}))
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
        problems.append((name, _("onbekende soort %(what)s %(value)s; geldig zijn: %(valid)s")
                         % {"what": _(what), "value": repr(value), "valid": ", ".join(map(str, labels))}))
    return value


CONTACT = ("contact_name", "contact_phone", "contact_email")
_CONTACT_LENGTHS = {"contact_name": 200, "contact_phone": 40, "contact_email": 200}
_CONTACT_LABELS = {"contact_name": N_("de contactpersoon"), "contact_phone": N_("het telefoonnummer"),
                   "contact_email": N_("het e-mailadres")}


def _place_and_contact(tenant: str, given: Mapping[str, Any], values: dict[str, Any], problems: Problems) -> None:
    """What donors and recipients share: municipality, street, postcode, contact, instructions, FAVV number."""
    if "municipality" in given:
        values["municipality"] = municipality(tenant, given["municipality"], problems)
    if "street" in given:
        values["street"] = text("street", given["street"], problems, label=N_("de straat"), max_length=200)
    if "postcode" in given:
        values["postcode"] = postcode(given["postcode"], problems)
    for field in CONTACT:
        if field in given:
            values[field] = text(field, given[field], problems, label=_CONTACT_LABELS[field],
                                 max_length=_CONTACT_LENGTHS[field])
    if "contact_email" in values and values["contact_email"] and "@" not in values["contact_email"]:
        problems.append(("contact_email", _("%(value)s is geen e-mailadres")
                         % {"value": repr(values["contact_email"])}))
    if "instructions" in given:
        values["instructions"] = text("instructions", given["instructions"], problems, label=N_("de instructies"),
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
        values["name"] = text("name", given["name"], problems, label=N_("de naam"), required=True)
    if "kind" in given:
        values["kind"] = kind("kind", given["kind"], DONOR_KINDS, problems, what=N_("schenker"))
    if "chain" in given:
        values["chain"] = text("chain", given["chain"], problems, label=N_("de keten"), max_length=120)
    if "opening_hours" in given:
        values["opening_hours"] = text("opening_hours", given["opening_hours"], problems,
                                       label=N_("de openingsuren"), max_length=2000)
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
        values["name"] = text("name", given["name"], problems, label=N_("de naam"), required=True)
    if "kind" in given:
        values["kind"] = kind("kind", given["kind"], RECIPIENT_KINDS, problems, what=N_("ontvanger"))
    if "enterprise_number" in given:
        values["enterprise_number"] = optional_enterprise_number(given["enterprise_number"], problems)
    if "delivery_windows" in given:
        values["delivery_windows"] = windows("delivery_windows", given["delivery_windows"], problems)
    for field, label in (("cold_storage_litres", N_("de koelruimte")), ("freezer_litres", N_("de vriesruimte")),
                         ("households", N_("het aantal gezinnen")), ("people_served", N_("het aantal personen"))):
        if field in given:
            values[field] = count(field, given[field], problems, label=label)
    _place_and_contact(tenant, given, values, problems)
    refuse(problems)
    return values


def check_vehicle(given: Mapping[str, Any]) -> dict[str, Any]:
    problems: Problems = []
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = text("name", given["name"], problems, label=N_("de naam"), required=True, max_length=120)
    if "plate" in given:
        values["plate"] = text("plate", given["plate"], problems, label=N_("de nummerplaat"), max_length=20).upper()
    if "refrigerated" in given:
        values["refrigerated"] = bool(given["refrigerated"])
    if "capacity_grams" in given:
        grams = given["capacity_grams"]
        if grams <= 0 or grams > MAX_CAPACITY_GRAMS:
            problems.append(("capacity_grams", _("de laadcapaciteit (%(kg)s kg) moet groter dan 0 kg en "
                                                 "hoogstens 40.000 kg zijn") % {"kg": f"{grams / 1000:g}"}))
        values["capacity_grams"] = grams
    if "emission_grams_per_km" in given:
        values["emission_grams_per_km"] = count(
            "emission_grams_per_km", given["emission_grams_per_km"], problems,
            label=N_("de uitstoot per km (g CO2-eq)"), maximum=MAX_EMISSION_GRAMS_PER_KM)
    if "active" in given:
        values["active"] = bool(given["active"])
    refuse(problems)
    return values


_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,119}$")


def check_driver(given: Mapping[str, Any]) -> dict[str, Any]:
    problems: Problems = []
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = text("name", given["name"], problems, label=N_("de naam"), required=True, max_length=200)
    if "username" in given:
        username = given["username"].strip().lower()
        if not _USERNAME.match(username):
            problems.append(("username", _("%(value)s is geen login: kleine letters, cijfers en . _ @ -, "
                                           "hoogstens 120 tekens") % {"value": repr(given["username"])}))
        values["username"] = username
    if "phone" in given:
        values["phone"] = text("phone", given["phone"], problems, label=N_("het telefoonnummer"), max_length=40)
    if "active" in given:
        values["active"] = bool(given["active"])
    refuse(problems)
    return values
