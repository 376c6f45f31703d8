"""How the portal reads and writes amounts, dates and enterprise numbers the Belgian-Dutch way.

Parsing is forgiving about what people type ("12.500,00", "€ 12 500", "0123.456.749", "BE 0123456749") and
strict about what it lets through: every parser either returns the API's value or raises FormatError with a
Dutch message that can stand next to the field. Pure: no I/O."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
MAX_EUROS = Decimal("1000000000")
"""A billion euro: far above any grant, low enough that a stray paste of digits is caught."""


class FormatError(ValueError):
    """What the person typed cannot be read; the message says how to write it."""


def parse_euros(text: str, *, field: str = "het bedrag") -> int:
    """'12.500,00' → 1250000 (cents). A comma is the decimal mark; dots and spaces group thousands. Without
    a comma, a dot followed by exactly three digits groups thousands ('12.500' is twelve thousand five
    hundred); any other single dot is read as a decimal mark ('12.5')."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]|EUR", "", text.strip(), flags=re.IGNORECASE)
    if not cleaned:
        raise FormatError(f"Vul {field} in.")
    if "," in cleaned:
        whole, _, cents = cleaned.rpartition(",")
        if "," in whole or "." in cents:
            raise FormatError(f"Schrijf {field} als 12.500,00.")
        whole = _without_thousands(whole, field)
        number = f"{whole or '0'}.{cents}"
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):
        number = cleaned.replace(".", "")
    else:
        number = cleaned
    if not re.fullmatch(r"\d+(\.\d{0,2})?", number):
        raise FormatError(f"Schrijf {field} in euro, met hoogstens twee cijfers na de komma, bv. 12.500,00.")
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already excludes it
        raise FormatError(f"Schrijf {field} als 12.500,00.") from exc
    if value > MAX_EUROS:
        raise FormatError(f"{field[0].upper()}{field[1:]} is onwaarschijnlijk groot; kijk het na.")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _without_thousands(whole: str, field: str) -> str:
    if "." not in whole:
        return whole
    if not re.fullmatch(r"\d{1,3}(\.\d{3})+", whole):
        raise FormatError(f"Schrijf {field} als 12.500,00: een punt scheidt de duizendtallen.")
    return whole.replace(".", "")


def euros(cents: int | None, *, symbol: bool = True) -> str:
    """1250000 → '€ 12.500,00' (nl-BE); None → '—'."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    grouped = f"{whole:,}".replace(",", ".")
    text = f"{sign}{grouped},{rest:02d}"
    return f"€ {text}" if symbol else text


def euros_input(cents: int | None) -> str:
    """The value to put back in an amount field: '12.500,00' (no symbol), '' when empty."""
    return "" if cents is None else euros(cents, symbol=False)


def percentage(basis_points: int | None) -> str:
    """8000 → '80 %'; 7550 → '75,5 %'."""
    if basis_points is None:
        return "—"
    value = (Decimal(basis_points) / 100).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text} %"


def number(value: object) -> str:
    """A decimal as people read it here: '12.5' → '12,5'; '20.00' → '20'."""
    try:
        decimal = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if decimal == decimal.to_integral():
        return f"{decimal.to_integral():f}"
    return f"{decimal.normalize():f}".replace(".", ",")


def parse_enterprise_number(text: str) -> str:
    """'0123.456.749', 'BE 0123 456 749' or the old nine digits → '0123456749', checked with mod 97 as
    the KBO/BCE does: the last two digits are 97 minus the first eight modulo 97."""
    digits = re.sub(r"[\s.\-/]", "", text.strip().upper().removeprefix("BE"))
    if not digits:
        raise FormatError("Vul het ondernemingsnummer in.")
    if not digits.isdigit() or len(digits) not in (9, 10):
        raise FormatError("Een ondernemingsnummer heeft 10 cijfers, bv. 0123.456.749.")
    digits = digits.zfill(10)
    if digits[0] not in "01":
        raise FormatError("Een ondernemingsnummer begint met 0 of 1.")
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise FormatError("Dit ondernemingsnummer bestaat niet: de controlecijfers kloppen niet. Kijk het na.")
    return digits


def enterprise_number(digits: str | None) -> str:
    """'0123456749' → '0123.456.749' (how the KBO writes it)."""
    if not digits or len(digits) != 10:
        return digits or "—"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def parse_whole_number(text: str, *, field: str, low: int, high: int) -> int:
    cleaned = text.strip()
    if not cleaned:
        raise FormatError(f"Vul {field} in.")
    if not re.fullmatch(r"\d+", cleaned):
        raise FormatError(f"Vul {field} in als een geheel getal.")
    value = int(cleaned)
    if not low <= value <= high:
        raise FormatError(f"{field[0].upper()}{field[1:]} ligt tussen {low} en {high}.")
    return value


def as_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def brussels_moment(value: str | datetime | None, *, seconds: bool = False) -> str:
    """UTC → 'dinsdag 30 september 2026 om 17:00' in Europe/Brussels (summer and winter time alike)."""
    moment = as_datetime(value)
    if moment is None:
        return "—"
    local = moment.astimezone(BRUSSELS)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year} om {clock}"


def brussels_date(value: str | datetime | None) -> str:
    moment = as_datetime(value)
    if moment is None:
        return "—"
    local = moment.astimezone(BRUSSELS)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def file_size(size: int | None) -> str:
    """1536 → '1,5 kB'; bytes, kB and MB in decimal units, as file managers show them."""
    if size is None:
        return "—"
    if size < 1000:
        return f"{size} bytes" if size != 1 else "1 byte"
    for unit, factor in (("kB", 1000), ("MB", 1000**2), ("GB", 1000**3)):
        if size < factor * 1000 or unit == "GB":
            return f"{number(round(Decimal(size) / factor, 1))} {unit}"
    return f"{size} bytes"  # pragma: no cover
