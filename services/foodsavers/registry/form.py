"""The registry's forms in the coordinator portal: what each kind of entry asks (one description per kind, which
the form template walks), an entry as form values, and the form's values as the service's commands. Windows are
numbered rows (`win_day_1`, `win_from_1`, `win_until_1`; an empty row does not count, a few spare rows are shown).
A refusal about `pickup_windows[0].until` lands beside `win_until_1`, one about `capacity_grams` beside
`capacity_kg`."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.registry import rules, service
from services.foodsavers.registry.models import Donor, Driver, Recipient, Vehicle
from services.foodsavers.registry.schemas import (
    DonorChanges,
    DonorIn,
    DriverChanges,
    DriverIn,
    RecipientChanges,
    RecipientIn,
    VehicleChanges,
    VehicleIn,
)
from shared.auth import Principal
from shared.i18n import N_, _
from shared.municipalities import of_province
from shared.portal.forms import Form, command, field_messages, sentence
from shared.problems import Problem

SPARE_WINDOWS = 2
YES_NO = [("ja", N_("ja")), ("nee", N_("nee"))]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    widget: str = "text"
    """text, textarea, select (options from `choices`), whole (a whole number), yesno"""
    required: bool = False
    hint: str | None = None
    options: str = ""
    width: str | None = None


@dataclass(frozen=True)
class Kind:
    """One kind of entry as the portal shows it."""

    slug: str
    """Its part of the path: /<tenant>/voedsel/register/<slug>/…"""
    model: type[Any]
    one: str
    many: str
    fields: tuple[Field, ...]
    create: type[msgspec.Struct]
    changes: type[msgspec.Struct]
    created: Callable[[AsyncSession, Principal, Any], Awaitable[Any]]
    updated: Callable[[AsyncSession, Principal, Any, Any, int | None], Awaitable[Any]]
    windows: str | None = None
    """The API name of its windows (pickup or delivery), when it has them."""
    the: str = ""
    """The form's legend: "De schenker"."""
    add_title: str = ""
    edit_title: str = ""


PLACE = (
    Field("street", N_("Straat en nummer"), width="wide"),
    Field("postcode", N_("Postcode"), width="short"),
    Field("municipality", N_("Gemeente"), "select", required=True, options="municipalities"),
)
CONTACT = (
    Field("contact_name", N_("Contactpersoon"), width="wide"),
    Field("contact_phone", N_("Telefoon"), width="medium"),
    Field("contact_email", N_("E-mail"), width="wide"),
)
ACTIVE = Field("active", N_("Actief"), "yesno",
               hint=N_("Een niet-actieve fiche blijft bewaard, maar wordt niet meer ingepland."))

DONORS = Kind(
    "schenkers", Donor, N_("schenker"), N_("schenkers"),
    (Field("name", N_("Naam"), required=True, width="wide"),
     Field("kind", N_("Soort"), "select", required=True, options="donor_kinds"),
     Field("chain", N_("Keten"), hint=N_("Bv. Colruyt, Delhaize; leeg voor een zelfstandige schenker."),
           width="medium"),
     *PLACE,
     Field("opening_hours", N_("Openingsuren"), "textarea"),
     *CONTACT,
     Field("instructions", N_("Instructies bij aankomst"), "textarea",
           hint=N_("Wat de chauffeur leest bij aankomst: laadkade, deur, bij wie aanmelden.")),
     Field("favv_number", N_("FAVV-nummer"), hint=N_("Alleen cijfers."), width="medium"), ACTIVE),
    DonorIn, DonorChanges, service.create_donor, service.update_donor, windows="pickup_windows",
    the=N_("De schenker"), add_title=N_("Schenker toevoegen"), edit_title=N_("Schenker bewerken"))
RECIPIENTS = Kind(
    "ontvangers", Recipient, N_("ontvanger"), N_("ontvangers"),
    (Field("name", N_("Naam"), required=True, width="wide"),
     Field("kind", N_("Soort"), "select", required=True, options="recipient_kinds"),
     Field("enterprise_number", N_("Ondernemingsnummer"), hint=N_("Bv. 0123.456.749"), width="medium"),
     *PLACE,
     Field("households", N_("Aantal gezinnen"), "whole", width="short"),
     Field("people_served", N_("Aantal personen"), "whole", width="short"),
     Field("cold_storage_litres", N_("Koelruimte (liter)"), "whole", width="short"),
     Field("freezer_litres", N_("Vriesruimte (liter)"), "whole", width="short"),
     Field("favv_number", N_("FAVV-nummer"), hint=N_("Alleen cijfers."), width="medium"),
     *CONTACT,
     Field("instructions", N_("Instructies bij levering"), "textarea"), ACTIVE),
    RecipientIn, RecipientChanges, service.create_recipient, service.update_recipient, windows="delivery_windows",
    the=N_("De ontvanger"), add_title=N_("Ontvanger toevoegen"), edit_title=N_("Ontvanger bewerken"))
VEHICLES = Kind(
    "voertuigen", Vehicle, N_("voertuig"), N_("voertuigen"),
    (Field("name", N_("Naam"), required=True, width="wide"),
     Field("plate", N_("Nummerplaat"), width="medium"),
     Field("refrigerated", N_("Gekoeld"), "yesno", required=True),
     Field("capacity_kg", N_("Laadcapaciteit (kg)"), "whole", required=True, width="short"),
     Field("emission_grams_per_km", N_("Uitstoot (g CO2-eq per km)"), "whole", required=True, width="short"),
     ACTIVE),
    VehicleIn, VehicleChanges, service.create_vehicle, service.update_vehicle,
    the=N_("Het voertuig"), add_title=N_("Voertuig toevoegen"), edit_title=N_("Voertuig bewerken"))
DRIVERS = Kind(
    "chauffeurs", Driver, N_("chauffeur"), N_("chauffeurs"),
    (Field("name", N_("Naam"), required=True, width="wide"),
     Field("username", N_("Login"), required=True, hint=N_("De gebruikersnaam waarmee de chauffeur aanmeldt."),
           width="medium"),
     Field("phone", N_("Telefoon"), width="medium"), ACTIVE),
    DriverIn, DriverChanges, service.create_driver, service.update_driver,
    the=N_("De chauffeur"), add_title=N_("Chauffeur toevoegen"), edit_title=N_("Chauffeur bewerken"))
KINDS: dict[str, Kind] = {k.slug: k for k in (DONORS, RECIPIENTS, VEHICLES, DRIVERS)}

_WINDOW = re.compile(r"^(\w+)\[(\d+)\]\.(weekday|from|until)$")
_WINDOW_CELL = {"weekday": "day", "from": "from", "until": "until"}


def choices(tenant: str) -> dict[str, list[tuple[str, str]]]:
    return {
        "donor_kinds": [(str(k), _(label)) for k, label in rules.DONOR_KINDS.items()],
        "recipient_kinds": [(str(k), _(label)) for k, label in rules.RECIPIENT_KINDS.items()],
        "municipalities": [(m.code, m.name) for m in of_province(tenant)],
        "weekdays": [(str(day), _(name)) for day, name in rules.WEEKDAYS.items()],
        "yesno": [(value, _(label)) for value, label in YES_NO],
    }


def form_field(api_name: str) -> str:
    """The form's name of a field the service names."""
    if (match := _WINDOW.match(api_name)) is not None:
        return f"win_{_WINDOW_CELL[match[3]]}_{int(match[2]) + 1}"
    return "capacity_kg" if api_name == "capacity_grams" else api_name


def refuse(form: Form, problem: Problem) -> Form:
    return form.refuse(sentence(problem.detail), {form_field(k): v for k, v in field_messages(problem).items()})


def window_rows(form: Form) -> int:
    highest = 0
    for name, value in form.values.items():
        if name.startswith("win_") and value.strip() and name.rsplit("_", 1)[-1].isdigit():
            highest = max(highest, int(name.rsplit("_", 1)[-1]))
    return highest + SPARE_WINDOWS


def values_of(kind: Kind, entry: Any) -> dict[str, str]:
    """An entry as the form shows it."""
    values: dict[str, str] = {"version": str(entry.version)}
    for field in kind.fields:
        if field.name == "capacity_kg":
            values[field.name] = f"{entry.capacity_grams // 1000}"
        elif field.widget == "yesno":
            values[field.name] = "ja" if getattr(entry, field.name) else "nee"
        else:
            value = getattr(entry, field.name)
            values[field.name] = "" if value is None else str(value)
    if kind.windows:
        for row, window in enumerate(getattr(entry, kind.windows), start=1):
            values |= {f"win_day_{row}": str(window["weekday"]), f"win_from_{row}": window["from"],
                       f"win_until_{row}": window["until"]}
    return values


def _windows(form: Form) -> list[dict[str, Any]]:
    found = []
    for row in range(1, window_rows(form) + 1):
        cells = {c: form.values.get(f"win_{c}_{row}", "").strip() for c in ("day", "from", "until")}
        if any(cells.values()):
            if not cells["day"]:
                form.errors[f"win_day_{row}"] = _("Kies de weekdag.")
            found.append({"weekday": int(cells["day"]) if cells["day"].isdigit() else 0, "from": cells["from"],
                          "until": cells["until"]})
    return found


def read(form: Form, kind: Kind, *, new: bool) -> msgspec.Struct | None:
    """The command the form holds (a registration, or the whole entry as a change), or None (the form's errors
    say why). A refusal of the service's checks comes later, as a Problem."""
    body: dict[str, Any] = {}
    for field in kind.fields:
        if new and field.name == "active":
            continue
        required = _("Vul %(label)s in.") % {"label": _(field.label).lower()} if field.required else None
        text = form.text(field.name, required=required, max_length=5000)
        if field.widget == "yesno":
            body[field.name] = text == "ja"
        elif field.widget == "whole":
            if not re.fullmatch(r"-?\d{1,9}", text or "0"):
                form.errors[field.name] = _("Vul een geheel getal in, bv. 12.")
                continue
            number = int(text or "0")
            if field.name == "capacity_kg":
                body["capacity_grams"] = number * 1000
            else:
                body[field.name] = number
        elif field.name == "enterprise_number":
            body[field.name] = text or None
        else:
            body[field.name] = text
    if kind.windows:
        body[kind.windows] = _windows(form)
    if not form.ok:
        return None
    return command(kind.create if new else kind.changes, body)
