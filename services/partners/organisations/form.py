"""The organisation form of the pages: an entry as form values, and the form's values as the service's commands.
Lists (recognitions, offerings, staff figures) are numbered rows (`off_rubric_1`, …); an empty row does not
count, and the page always shows a few empty rows more to add to. A refusal about `offerings[0].rubric` lands
beside `off_rubric_1`."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from services.partners.organisations.models import Organisation
from services.partners.organisations.schemas import (
    ContactIn,
    OfferingIn,
    OrganisationChanges,
    RecognitionIn,
    RegisterOrganisation,
    StaffIn,
)
from shared.i18n import _
from shared.municipalities import name_of
from shared.portal.forms import Form, field_messages, sentence
from shared.problems import Problem

SPARE_ROWS = 2
ROWS: dict[str, tuple[str, ...]] = {
    "rec": ("kind", "from", "until", "ref"),
    "off": ("rubric", "kind", "desc"),
    "staff": ("year", "workers", "supervisors", "fte"),
}
_API_LIST = {"recognitions": "rec", "offerings": "off", "staff": "staff"}
_API_COLUMN = {
    "rec": {"kind": "kind", "valid_from": "from", "valid_until": "until", "reference": "ref"},
    "off": {"rubric": "rubric", "kind": "kind", "description": "desc"},
    "staff": {"year": "year", "target_group_workers": "workers", "supervising_staff": "supervisors", "fte": "fte"},
}
_ROW_FIELD = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")
CONTACT = ("street", "postcode", "email", "phone", "website")


def form_field(api_name: str) -> str:
    """The form's name of a field the service names: `staff[1].year` → `staff_year_2`, `contact.email` → `email`."""
    if (match := _ROW_FIELD.match(api_name)) is not None:
        prefix = _API_LIST.get(match[1])
        if prefix is not None:
            return f"{prefix}_{_API_COLUMN[prefix].get(match[3], match[3])}_{int(match[2]) + 1}"
    return api_name.removeprefix("contact.")


def refuse(form: Form, problem: Problem) -> Form:
    """The service's refusal on the form: each field it names beside that field, else as the form's message."""
    return form.refuse(sentence(problem.detail), {form_field(k): v for k, v in field_messages(problem).items()})


def rows_in(form: Form, prefix: str) -> int:
    """How many rows of a list the page shows: the highest filled one, plus spare ones to add to."""
    highest = 0
    for name, value in form.values.items():
        if name.startswith(prefix + "_") and value.strip() and name.rsplit("_", 1)[-1].isdigit():
            highest = max(highest, int(name.rsplit("_", 1)[-1]))
    return highest + SPARE_ROWS


def values_of(organisation: Organisation) -> dict[str, str]:
    values = {"enterprise_number": organisation.enterprise_number, "name": organisation.name,
              "kind": organisation.kind, "municipality": name_of(organisation.municipality),
              "description": organisation.description, "version": str(organisation.version),
              **{k: getattr(organisation, k) for k in CONTACT}}
    for row, r in enumerate(organisation.recognitions, start=1):
        values |= {f"rec_kind_{row}": r.kind, f"rec_from_{row}": r.valid_from.isoformat(),
                   f"rec_until_{row}": r.valid_until.isoformat() if r.valid_until else "",
                   f"rec_ref_{row}": r.reference}
    for row, o in enumerate(organisation.offerings, start=1):
        values |= {f"off_rubric_{row}": o.rubric, f"off_kind_{row}": o.kind, f"off_desc_{row}": o.description}
    for row, s in enumerate(organisation.staff, start=1):
        values |= {f"staff_year_{row}": str(s.year), f"staff_workers_{row}": str(s.target_group_workers),
                   f"staff_supervisors_{row}": str(s.supervising_staff), f"staff_fte_{row}": f"{s.fte:.2f}"}
    return values


def _rows(form: Form, prefix: str) -> list[tuple[int, dict[str, str]]]:
    columns = ROWS[prefix]
    found = []
    for row in range(1, rows_in(form, prefix) + 1):
        cells = {c: form.values.get(f"{prefix}_{c}_{row}", "").strip() for c in columns}
        if any(cells.values()):
            found.append((row, cells))
    return found


def _whole(form: Form, name: str, text: str) -> int:
    if not re.fullmatch(r"-?\d{1,9}", text):
        form.errors[name] = _("Vul een geheel getal in, bv. 12.")
        return 0
    return int(text)


def _date(form: Form, name: str, text: str, required: bool) -> date | None:
    if not text:
        if required:
            form.errors[name] = _("Vul een datum in.")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        form.errors[name] = _("Vul een datum in als JJJJ-MM-DD, bv. 2025-01-01.")
        return None


def recognitions(form: Form) -> list[RecognitionIn]:
    found = []
    for row, cells in _rows(form, "rec"):
        valid_from = _date(form, f"rec_from_{row}", cells["from"], True)
        valid_until = _date(form, f"rec_until_{row}", cells["until"], False)
        if not cells["kind"]:
            form.errors[f"rec_kind_{row}"] = _("Kies de erkenning.")
        if valid_from is not None:
            found.append(RecognitionIn(kind=cells["kind"], valid_from=valid_from, valid_until=valid_until,
                                       reference=cells["ref"]))
    return found


def offerings(form: Form) -> list[OfferingIn]:
    return [OfferingIn(rubric=cells["rubric"], kind=cells["kind"], description=cells["desc"])
            for _row, cells in _rows(form, "off")]


def staff(form: Form) -> list[StaffIn]:
    found = []
    for row, cells in _rows(form, "staff"):
        try:
            fte = Decimal(cells["fte"].replace(",", ".") or "x")
            if not fte.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            form.errors[f"staff_fte_{row}"] = _("Vul het aantal VTE in, bv. 12,5.")
            fte = Decimal(0)
        found.append(StaffIn(year=_whole(form, f"staff_year_{row}", cells["year"]),
                             target_group_workers=_whole(form, f"staff_workers_{row}", cells["workers"]),
                             supervising_staff=_whole(form, f"staff_supervisors_{row}", cells["supervisors"]),
                             fte=fte))
    return found


def contact(form: Form) -> ContactIn:
    return ContactIn(**{k: form.text(k, max_length=300) for k in CONTACT})


def read_register(form: Form) -> RegisterOrganisation | None:
    """The registration a coordinator typed, or None (the form's errors say why)."""
    command = RegisterOrganisation(
        enterprise_number=form.text("enterprise_number", required=_("Vul het ondernemingsnummer in.")),
        name=form.text("name", required=_("Vul de naam in."), max_length=300),
        kind=form.text("kind", required=_("Kies de soort organisatie.")),
        municipality=form.text("municipality", required=_("Kies de gemeente.")),
        description=form.text("description", max_length=5000), contact=contact(form),
        recognitions=recognitions(form), offerings=offerings(form), staff=staff(form))
    return command if form.ok else None


def read_changes(form: Form, *, coordinator: bool) -> OrganisationChanges | None:
    """The whole entry as typed, as a change of every field the form holds (the service applies only what
    differs). A partner's form has no name, kind or municipality."""
    changes = OrganisationChanges(description=form.text("description", max_length=5000), contact=contact(form),
                                  recognitions=recognitions(form), offerings=offerings(form), staff=staff(form))
    if coordinator:
        changes.name = form.text("name", required=_("Vul de naam in."), max_length=300)
        changes.kind = form.text("kind", required=_("Kies de soort organisatie."))
        changes.municipality = form.text("municipality", required=_("Kies de gemeente."))
    return changes if form.ok else None
