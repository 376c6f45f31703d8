"""The call manager's call form: from what was typed to the DraftCall / CallChanges command the call API takes,
and from a stored call back into the form.

Pure (no I/O), so every rule of the form is unit-tested. A draft may be incomplete (the service checks
completeness at publication, in Dutch); what is typed must still be readable, and the form refuses what is
contradictory before the service sees it: a call that closes before it opens, a tie-break key twice, a
tie-break on a criterion row left empty. Empty criterion and attachment rows are ignored. The tie-break
vocabulary and its Dutch labels are the calls rules' own."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from services.grants.calls import rules
from services.grants.calls.schemas import CallChanges, CallOut, DraftCall
from shared.i18n import N_, _
from shared.portal.formats import (
    BRUSSELS,
    FormatError,
    as_datetime,
    capitalised,
    decimal,
    euros_input,
    parse_euros,
    parse_whole_number,
)
from shared.portal.forms import Form, command
from shared.storage import CSV, DOCX, JPEG, ODS, ODT, PDF, PNG, XLSX

T = TypeVar("T")

CRITERION_ROWS = 6
"""At least this many criterion rows; one more empty row than the call holds when it holds more."""
ATTACHMENT_ROWS = 4
TIE_BREAK_SLOTS = 4
FILE_TYPES: dict[str, tuple[str, str]] = {
    "pdf": (PDF, "PDF"), "docx": (DOCX, "Word"), "xlsx": (XLSX, "Excel"), "odt": (ODT, N_("OpenDocument-tekst")),
    "ods": (ODS, N_("OpenDocument-rekenblad")), "csv": (CSV, "CSV"), "png": (PNG, "PNG"), "jpeg": (JPEG, "JPEG"),
}
"""What an attachment may be (a subset of what the service sniffs): form key → (content type, label)."""
DEFAULTS = {"cofinancing": "100", "appeal_days": "30", "partial_min": "50", "spread_limit": "15",
            "jurors_per_application": "3", "min_coapplicants": "0", "tie_1": "total:desc",
            "tie_2": "submitted_at:asc", "att_type_1_pdf": "ja"}
CALL_FIELDS = {"title": "title", "rules_text": "rules_text", "legal_basis": "legal_basis", "aim": "aim",
               "total_budget_cents": "total_budget", "max_per_project_cents": "max_per_project",
               "cofinancing_rate_bp": "cofinancing", "opens_at": "opens_date", "closes_at": "closes_date",
               "appeal_days": "appeal_days", "partial_funding_min_bp": "partial_min", "spread_limit": "spread_limit",
               "jurors_per_application": "jurors_per_application", "tie_break": "tie_1"}
"""The command's field names → the call form's (where a refusal about that field goes)."""


def criterion_rows(call: CallOut | None = None, form: Form | None = None) -> int:
    filled = len(call.criteria) if call else 0
    if form is not None:
        filled = max([filled, *(int(m[1]) for k, v in form.values.items()
                                if v.strip() and (m := re.match(r"crit_\w+?_(\d+)$", k)))])
    return max(CRITERION_ROWS, filled + 1)


def tie_break_options(rows: int) -> list[tuple[str, str]]:
    """What each tie-break slot offers: the calls rules' keys, then each criterion row's highest score (a
    form row becomes the criterion's position once empty rows are left out)."""
    return rules.tie_break_options(range(1, rows + 1))


# ---- reading the typed values --------------------------------------------------------------------------

def parse_percentage(text: str, *, field: str) -> int:
    """'80' or '62,5 %' → basis points (8000, 6250); 0 … 100 %, at most two decimals."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    if not cleaned:
        raise FormatError(_("Vul %(field)s in.") % {"field": field})
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise FormatError(_("Vul %(field)s in als een percentage, bv. 80 of 62,5.") % {"field": field}) from exc
    if not value.is_finite() or not 0 <= value <= 100:
        raise FormatError(_("%(field)s ligt tussen 0 en 100 %%.") % {"field": capitalised(field)})
    basis_points = value * 100
    if basis_points != basis_points.to_integral():
        raise FormatError(_("Geef %(field)s met hoogstens twee cijfers na de komma.") % {"field": field})
    return int(basis_points)


def parse_decimal(text: str, *, field: str, low: Decimal = Decimal(0), high: Decimal | None = None) -> str:
    """'7,5' → '7.5' (the API's decimal string), within [low, high], at most two decimals."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        raise FormatError(_("Vul %(field)s in.") % {"field": field})
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise FormatError(_("Vul %(field)s in als een getal, bv. 7 of 7,5.") % {"field": field}) from exc
    if not value.is_finite() or value < low or (high is not None and value > high):
        if high is not None:
            raise FormatError(_("%(field)s ligt tussen %(low)s en %(high)s.")
                              % {"field": capitalised(field), "low": decimal(low), "high": decimal(high)})
        raise FormatError(_("%(field)s is minstens %(low)s.") % {"field": capitalised(field), "low": decimal(low)})
    exponent = value.as_tuple().exponent  # an int: a finite Decimal's exponent is never 'n', 'N' or 'F'
    if isinstance(exponent, int) and -exponent > 2:
        raise FormatError(_("Geef %(field)s met hoogstens twee cijfers na de komma.") % {"field": field})
    return f"{value.normalize():f}" if value == value.to_integral() else str(value)


def parse_date(text: str) -> date:
    """'2027-03-31' (a date field) or '31/03/2027', '31-3-2027' (typed)."""
    cleaned = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            return date.fromisoformat(cleaned)
        if match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", cleaned):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError as exc:
        raise FormatError(_("Deze datum bestaat niet; kijk dag en maand na.")) from exc
    raise FormatError(_("Schrijf de datum als 31/03/2027."))


def parse_time(text: str) -> time:
    """'17:00' or '17:00:30' (seconds when the deadline must be that exact)."""
    match = re.fullmatch(r"(\d{1,2})[:.u](\d{2})(?::(\d{2}))?", text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
        raise FormatError(_("Schrijf het uur als 17:00."))
    return time(int(match[1]), int(match[2]), int(match[3] or 0))


def brussels_instant(day: date, clock: time) -> datetime:
    """A wall-clock moment in Brussels. The hour skipped when summer time begins does not exist and is refused;
    the hour that repeats when it ends is read as the first (summer time) one."""
    local = datetime.combine(day, clock, tzinfo=BRUSSELS)
    if local.astimezone(UTC).astimezone(BRUSSELS).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise FormatError(_("Dit uur bestaat niet in Brussel: de klok springt dan een uur vooruit. "
                            "Kies een ander uur."))
    return local


def read_moment(form: Form, prefix: str, label: str) -> datetime | None:
    """`<prefix>_date` + `<prefix>_time` → an aware Brussels datetime; both empty → None (allowed in a draft)."""
    day_text, clock_text = form.values.get(f"{prefix}_date", "").strip(), form.values.get(f"{prefix}_time", "").strip()
    if not day_text and not clock_text:
        return None
    day = form.parsed(f"{prefix}_date", parse_date) if day_text else None
    if not day_text:
        form.errors[f"{prefix}_date"] = _("Vul ook de datum van %(label)s in.") % {"label": label}
    clock = form.parsed(f"{prefix}_time", parse_time) if clock_text else None
    if not clock_text:
        form.errors[f"{prefix}_time"] = _("Vul ook het uur van %(label)s in.") % {"label": label}
    if day is None or clock is None:
        return None
    return form.parsed(f"{prefix}_time", lambda _: brussels_instant(day, clock))


def optional(form: Form, name: str, parse: Callable[[str], T], default: T) -> T:
    """An empty field is the default (a draft may be incomplete); a filled one must be readable."""
    if not form.values.get(name, "").strip():
        return default
    value = form.parsed(name, parse)
    return default if value is None else value


def checked(form: Form, name: str) -> bool:
    return form.values.get(name) == "ja"


@dataclass
class CriterionRow:
    row: int
    values: dict[str, Any]
    """The criterion as the command takes it (name, weight, max_score, description, min_threshold)."""


def read_criteria(form: Form) -> list[CriterionRow]:
    found: list[CriterionRow] = []
    for row in range(1, criterion_rows(form=form) + 1):
        keys = {part: f"crit_{part}_{row}" for part in ("name", "description", "weight", "max", "threshold")}
        if not any(form.values.get(key, "").strip() for key in keys.values()):
            continue
        name = form.text(keys["name"], required=_("Geef dit criterium een naam."), max_length=300)
        description = form.text(keys["description"], max_length=2000)
        weight = form.parsed(keys["weight"], lambda v: parse_decimal(v, field=_("het gewicht"),
                                                                     low=Decimal("0.01"), high=Decimal(1000)))
        maximum = form.parsed(keys["max"], lambda v: parse_whole_number(v, field=_("de maximumscore"), low=1,
                                                                        high=1000))
        threshold = None
        if form.values.get(keys["threshold"], "").strip():
            ceiling = Decimal(maximum) if maximum is not None else None

            def within(typed: str, high: Decimal | None = ceiling) -> str:
                return parse_decimal(typed, field=_("de drempel"), high=high)

            threshold = form.parsed(keys["threshold"], within)
        if weight is not None and maximum is not None:
            found.append(CriterionRow(row, {"name": name, "weight": weight, "max_score": maximum,
                                            "description": description, "min_threshold": threshold}))
    return found


def read_attachments(form: Form) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for row in range(1, ATTACHMENT_ROWS + 1):
        code_key, label_key = f"att_code_{row}", f"att_label_{row}"
        if not form.values.get(code_key, "").strip() and not form.values.get(label_key, "").strip():
            continue
        code = form.text(code_key, required=_("Geef een korte code, bv. begroting."), max_length=60).lower()
        if code and not rules.ATTACHMENT_CODE.fullmatch(code):
            form.errors[code_key] = _("Gebruik kleine letters, cijfers, - of _ (bv. begroting).")
        label = form.text(label_key, required=_("Omschrijf de bijlage, bv. ‘Gedetailleerde begroting’."),
                          max_length=300)
        types = [mime for key, (mime, _label) in FILE_TYPES.items() if checked(form, f"att_type_{row}_{key}")]
        if not types:
            form.errors[f"att_types_{row}"] = _("Kies minstens één aanvaard bestandstype.")
        found.append({"code": code, "label": label, "types": types})
    return found


def read_tie_break(form: Form, criteria: list[CriterionRow]) -> list[str]:
    """The chosen keys in slot order; a criterion key names a form row and becomes that criterion's position."""
    positions = {c.row: position for position, c in enumerate(criteria, start=1)}
    chain: list[str] = []
    seen: set[str] = set()
    for slot in range(1, TIE_BREAK_SLOTS + 1):
        name = f"tie_{slot}"
        key = form.values.get(name, "").strip()
        if not key:
            continue
        if key in seen:
            form.errors[name] = _("Deze regel staat al hoger in de volgorde; kies een andere of laat leeg.")
            continue
        seen.add(key)
        if match := rules.CRITERION_TIE_BREAK.match(key):
            row = int(match["position"])
            position = positions.get(row)
            if position is None:
                form.errors[name] = _("Criterium %(row)s is niet ingevuld; kies een andere regel.") % {"row": row}
                continue
            chain.append(rules.criterion_tie_break(position))
        elif key in rules.TIE_BREAKS:
            chain.append(key)
        else:
            form.errors[name] = _("Kies een regel uit de lijst.")
    return chain


def call_values(form: Form) -> dict[str, Any] | None:
    """Every field of the call as the command takes it, or None with Dutch messages beside the fields."""
    title = form.text("title", required=_("Geef de oproep een titel."), max_length=300)
    rules_text = form.text("rules_text", max_length=50_000)
    legal_basis = form.text("legal_basis", max_length=1000)
    aim = form.text("aim", max_length=5000)
    budget = optional(form, "total_budget", lambda v: parse_euros(v, field=_("het totale budget")), 0)
    maximum = optional(form, "max_per_project", lambda v: parse_euros(v, field=_("het maximum per project")), 0)
    if budget and maximum and maximum > budget:
        form.errors["max_per_project"] = _("Het maximum per project kan niet hoger zijn dan het totale budget.")
    cofinancing = optional(form, "cofinancing", lambda v: parse_percentage(v, field=_("de cofinancieringsgraad")),
                           10_000)
    opens = read_moment(form, "opens", _("de opening"))
    closes = read_moment(form, "closes", _("de sluiting"))
    if opens is not None and closes is not None and closes <= opens:
        form.errors["closes_date"] = _("De oproep moet sluiten na ze opent: kies een latere sluitingsdatum.")
    appeal_days = optional(form, "appeal_days", lambda v: parse_whole_number(v, field=_("de beroepstermijn"), low=0,
                                                                             high=365), 30)
    partial_min = optional(form, "partial_min", lambda v: parse_percentage(v, field=_("het minimumaandeel")), 5000)
    spread = optional(form, "spread_limit", lambda v: parse_decimal(v, field=_("de spreidingsgrens"),
                                                                    high=Decimal(100)), "15")
    jurors = optional(form, "jurors_per_application", lambda v: parse_whole_number(
        v, field=_("het aantal juryleden per aanvraag"), low=1, high=50), 3)
    min_coapplicants = optional(form, "min_coapplicants", lambda v: parse_whole_number(
        v, field=_("het minimum aantal mede-aanvragers"), low=0, high=50), 0)
    extra_rules = [line.strip() for line in form.text("eligibility_rules", max_length=10_000).splitlines()
                   if line.strip()]
    criteria = read_criteria(form)
    attachments = read_attachments(form)
    tie_break = read_tie_break(form, criteria)
    if not form.ok:
        return None
    return {
        "title": title, "rules_text": rules_text, "legal_basis": legal_basis, "aim": aim,
        "total_budget_cents": budget, "max_per_project_cents": maximum, "cofinancing_rate_bp": cofinancing,
        "opens_at": opens, "closes_at": closes, "appeal_days": appeal_days,
        "partial_funding": checked(form, "partial_funding"), "partial_funding_min_bp": partial_min,
        "spread_limit": spread, "jurors_per_application": jurors, "tie_break": tie_break,
        "eligibility": {"social_economy_coapplicant": checked(form, "social_economy"),
                        "min_coapplicants": min_coapplicants, "rules": extra_rules},
        "required_attachments": attachments, "criteria": [c.values for c in criteria],
    }


def read_call(form: Form) -> DraftCall | None:
    """A new call's command, or None with Dutch messages beside the fields."""
    values = call_values(form)
    return None if values is None else command(DraftCall, values)


def read_changes(form: Form) -> CallChanges | None:
    """A draft's changes: the form holds the whole call, so every field is given (and replaces the stored)."""
    values = call_values(form)
    return None if values is None else command(CallChanges, values)


# ---- a stored call back into the form --------------------------------------------------------------------

def local_parts(moment: datetime | str | None) -> tuple[str, str]:
    """UTC → ('2027-03-31', '17:00') in Brussels; seconds only when they are not zero."""
    value = as_datetime(moment)
    if value is None:
        return "", ""
    local = value.astimezone(BRUSSELS)
    return local.date().isoformat(), local.strftime("%H:%M:%S" if local.second else "%H:%M")


def percent_input(basis_points: int) -> str:
    return decimal(Decimal(basis_points) / 100)


def form_of(call: CallOut) -> Form:
    values = {
        "title": call.title, "rules_text": call.rules_text, "legal_basis": call.legal_basis, "aim": call.aim,
        "total_budget": euros_input(call.total_budget_cents) if call.total_budget_cents else "",
        "max_per_project": euros_input(call.max_per_project_cents) if call.max_per_project_cents else "",
        "cofinancing": percent_input(call.cofinancing_rate_bp), "appeal_days": str(call.appeal_days),
        "partial_min": percent_input(call.partial_funding_min_bp), "spread_limit": decimal(call.spread_limit),
        "jurors_per_application": str(call.jurors_per_application),
        "min_coapplicants": str(call.eligibility.min_coapplicants),
        "eligibility_rules": "\n".join(call.eligibility.rules), "version": str(call.version),
    }
    if call.partial_funding:
        values["partial_funding"] = "ja"
    if call.eligibility.social_economy_coapplicant:
        values["social_economy"] = "ja"
    values["opens_date"], values["opens_time"] = local_parts(call.opens_at)
    values["closes_date"], values["closes_time"] = local_parts(call.closes_at)
    for slot, key in enumerate(call.tie_break[:TIE_BREAK_SLOTS], start=1):
        values[f"tie_{slot}"] = key  # criterion:<position> and the form's rows coincide for a stored call
    for row, criterion in enumerate(sorted(call.criteria, key=lambda c: c.position), start=1):
        values |= {f"crit_name_{row}": criterion.name, f"crit_description_{row}": criterion.description,
                   f"crit_weight_{row}": decimal(criterion.weight), f"crit_max_{row}": str(criterion.max_score),
                   f"crit_threshold_{row}": "" if criterion.min_threshold is None
                   else decimal(criterion.min_threshold)}
    by_type = {mime: key for key, (mime, _label) in FILE_TYPES.items()}
    for row, attachment in enumerate(call.required_attachments[:ATTACHMENT_ROWS], start=1):
        values |= {f"att_code_{row}": attachment.code, f"att_label_{row}": attachment.label}
        values |= {f"att_type_{row}_{by_type[t]}": "ja" for t in attachment.types if t in by_type}
    return Form(values=values)
