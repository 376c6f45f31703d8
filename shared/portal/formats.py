"""Formatting per language, the one module for it: what people read (amounts in cents, weights in grams, moments in
Europe/Brussels, percentages, decimals, enterprise numbers, file sizes) and what they type (parsed forgivingly,
checked strictly).

Portal pages use it through the kit's Jinja filters; letters, explanations and refusal texts of the services
call it directly, so a page and a letter write an amount the same way. Dutch keeps the house style written
out below ('€ 12.500,00', 'dinsdag 30 september 2026 om 17:00'); French and English follow their CLDR locale
through Babel (shared.i18n.LOCALES). Pure: no I/O."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel import dates as cldr_dates
from babel import numbers as cldr_numbers

from shared import enterprise_number as kbo
from shared import i18n
from shared.i18n import N_, _

BRUSSELS = ZoneInfo("Europe/Brussels")
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
MAX_EUROS = Decimal("1000000000")
"""A billion euro: far above any grant, low enough that a stray paste of digits is caught."""
MAX_KILOGRAMS = Decimal("100000")
"""A hundred tonnes: more than any van carries."""
FILE_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
              "text/csv": "CSV"}


class FormatError(ValueError):
    """What the person typed cannot be read; the message says how to write it."""


MOMENT_PATTERNS = {"fr": ("EEEE d MMMM y 'à' HH:mm", "EEEE d MMMM y 'à' HH:mm:ss"),
                   "en": ("EEEE d MMMM y 'at' HH:mm", "EEEE d MMMM y 'at' HH:mm:ss")}


def foreign() -> str | None:
    """The CLDR locale of a reader who does not read Dutch; None for Dutch (the house style below)."""
    lang = i18n.language()
    return None if lang == i18n.DEFAULT else i18n.LOCALES[lang]


# ---- showing -------------------------------------------------------------------------------------------

def euros(cents: int | None, *, symbol: bool = True) -> str:
    """1250000 → '€ 12.500,00'; -500 → '-€ 5,00'; None → '—'."""
    if cents is None:
        return "—"
    if (loc := foreign()) is not None:
        amount = Decimal(int(cents)) / 100
        if symbol:
            return cldr_numbers.format_currency(amount, "EUR", locale=loc)
        return cldr_numbers.format_decimal(amount, format="#,##0.00", locale=loc)
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    text = f"{whole:,}".replace(",", ".") + f",{rest:02d}"
    return f"{sign}€ {text}" if symbol else f"{sign}{text}"


def euros_input(cents: int | None) -> str:
    """The value to put back in an amount field: '12.500,00' (no symbol), '' when empty."""
    return "" if cents is None else euros(cents, symbol=False)


def percentage(basis_points: int | None) -> str:
    """8000 → '80 %'; 7550 → '75,5 %'."""
    if basis_points is None:
        return "—"
    return f"{decimal(Decimal(basis_points) / 100)} %"


def decimal(value: object) -> str:
    """A decimal as people read it here, without trailing zeros: '12.5' → '12,5'; '20.00' → '20'."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if (loc := foreign()) is not None:
        return cldr_numbers.format_decimal(number.normalize(), format="0.######", locale=loc)
    if number == number.to_integral():
        return f"{number.to_integral():f}"
    return f"{number.normalize():f}".replace(".", ",")


def count(value: object) -> str:
    """A count of people, meals or things as people read it here: whole, thousands grouped with a point
    ('1300' → '1.300', '11400.4' → '11.400'); never for years or codes."""
    try:
        number = Decimal(str(value)).to_integral_value()
    except InvalidOperation:
        return str(value)
    if (loc := foreign()) is not None:
        return cldr_numbers.format_decimal(int(number), format="#,##0", locale=loc)
    return f"{int(number):,}".replace(",", ".")


def fixed(value: Decimal | int, places: int = 2) -> str:
    """A score or total with a fixed number of decimals, half up: 72.345 → '72,35'."""
    shown = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if (loc := foreign()) is not None:
        return cldr_numbers.format_decimal(shown, format="0." + "0" * places if places else "0", locale=loc)
    return f"{shown:f}".replace(".", ",")


def unequal(a: Decimal | int, b: Decimal | int) -> tuple[str, str]:
    """Two different values printed with enough decimals (2 to 4) to look different: 4,995 next to a
    threshold of 5 must not read '5,00 < 5,00'."""
    for places in (2, 3, 4):
        shown = fixed(a, places), fixed(b, places)
        if shown[0] != shown[1]:
            break
    return shown


def kilograms(grams: int | None) -> str:
    """12500 → '12,5 kg'; 1234500 → '1.234,5 kg' (to the gram, without trailing zeros)."""
    if grams is None:
        return "—"
    value = Decimal(int(grams)) / 1000
    if (loc := foreign()) is not None:
        return f"{cldr_numbers.format_decimal(value, format='#,##0.###', locale=loc)} kg"
    sign = "-" if value < 0 else ""
    whole, _, rest = f"{abs(value):f}".partition(".")
    rest = rest.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped}{',' + rest if rest else ''} kg"


def tonnes(grams: int | None, places: int = 2) -> str:
    """5700000 → '5,70 t'."""
    if grams is None:
        return "—"
    return f"{fixed(Decimal(int(grams)) / 1_000_000, places)} t"


def as_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def brussels(moment: datetime) -> datetime:
    return moment.astimezone(BRUSSELS)


def moment(value: str | datetime | None, *, seconds: bool | None = False) -> str:
    """UTC → 'dinsdag 30 september 2026 om 17:00' in Europe/Brussels (summer and winter time alike).
    seconds: True always, False never, None only when they are not zero (a deadline of 23:59:59)."""
    found = as_datetime(value)
    if found is None:
        return "—"
    local = brussels(found)
    with_seconds = bool(local.second) if seconds is None else seconds
    if (loc := foreign()) is not None:
        pattern = MOMENT_PATTERNS[i18n.language()][1 if with_seconds else 0]
        return cldr_dates.format_datetime(local, pattern, locale=loc)
    clock = local.strftime("%H:%M:%S" if with_seconds else "%H:%M")
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year} om {clock}"


def deadline(value: str | datetime | None) -> str:
    """A deadline or an opening: with its seconds when it has them ('… om 23:59:59'), else to the minute."""
    return moment(value, seconds=None)


def moment_numeric(value: datetime) -> str:
    """UTC → '21/11/2026 14:03:07' in Europe/Brussels: to the second, where an order of moments is explained."""
    return brussels(value).strftime("%d/%m/%Y %H:%M:%S")


def day(value: str | date | datetime | None, *, weekday: bool = False) -> str:
    """date(2026, 11, 22) → '22 november 2026' ('zondag 22 november 2026' with its weekday, as a deadline or the
    last day of a period reads); a moment is taken in Brussels first."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else as_datetime(value)
    if isinstance(value, datetime):
        value = brussels(value).date()
    assert isinstance(value, date)
    if (loc := foreign()) is not None:
        return cldr_dates.format_date(value, "EEEE d MMMM y" if weekday else "d MMMM y", locale=loc)
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{WEEKDAYS[value.weekday()]} {text}" if weekday else text


def enterprise_number(digits: str | None) -> str:
    """'0123456749' → '0123.456.749' (how the KBO writes it)."""
    if not digits or len(digits) != 10:
        return digits or "—"
    return kbo.formatted(digits)


def file_size(size: int | None) -> str:
    """1536 → '1,5 kB'; bytes, kB and MB in decimal units, as file managers show them."""
    if size is None:
        return "—"
    if size < 1000:
        return f"{size} bytes" if size != 1 else "1 byte"
    for unit, factor in (("kB", 1000), ("MB", 1000**2)):
        if size < factor * 1000:
            return f"{decimal(round(Decimal(size) / factor, 1))} {unit}"
    return f"{decimal(round(Decimal(size) / 1000**3, 1))} GB"


def file_types(types: list[str]) -> str:
    return ", ".join(FILE_TYPES.get(t, t) for t in types)


# ---- reading what people type -----------------------------------------------------------------------------

def capitalised(text: str) -> str:
    """A field's name at the start of a sentence: 'het bedrag' → 'Het bedrag'."""
    return text[:1].upper() + text[1:]


def _decimal_typed(text: str, field: str, example: str, places: int) -> Decimal:
    """'12.500,00' → Decimal('12500.00'). A comma is the decimal mark; dots and spaces group thousands. Without
    a comma, a dot followed by exactly three digits groups thousands ('12.500'); any other single dot is read
    as a decimal mark ('12.5')."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]|EUR|kg", "", text.strip(), flags=re.IGNORECASE)
    if not cleaned:
        raise FormatError(_("Vul %(field)s in.") % {"field": field})
    if "," in cleaned:
        whole, _comma, fraction = cleaned.rpartition(",")
        if "," in whole or "." in fraction:
            raise FormatError(_("Schrijf %(field)s als %(example)s.") % {"field": field, "example": example})
        if "." in whole:
            if not re.fullmatch(r"\d{1,3}(\.\d{3})+", whole):
                raise FormatError(_("Schrijf %(field)s als %(example)s: een punt scheidt de duizendtallen.")
                                  % {"field": field, "example": example})
            whole = whole.replace(".", "")
        number = f"{whole or '0'}.{fraction}"
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):
        number = cleaned.replace(".", "")
    else:
        number = cleaned
    if not re.fullmatch(rf"\d+(\.\d{{0,{places}}})?", number):
        raise FormatError(_("Schrijf %(field)s met hoogstens %(places)s cijfers na de komma, bv. %(example)s.")
                          % {"field": field, "places": places, "example": example})
    return Decimal(number)


def parse_euros(text: str, *, field: str | None = None) -> int:
    """'12.500,00' → 1250000 (cents). `field` names the field in the reader's language ('het bedrag')."""
    field = field or _("het bedrag")
    value = _decimal_typed(text, field, "12.500,00", 2)
    if value > MAX_EUROS:
        raise FormatError(_("%(field)s is onwaarschijnlijk groot; kijk het na.") % {"field": capitalised(field)})
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_kilograms(text: str, *, field: str | None = None) -> int:
    """'12,5' (kg) → 12500 (grams)."""
    field = field or _("het gewicht")
    value = _decimal_typed(text, field, "12,5", 3)
    if value > MAX_KILOGRAMS:
        raise FormatError(_("%(field)s is onwaarschijnlijk groot; kijk het na.") % {"field": capitalised(field)})
    return int(value * 1000)


ENTERPRISE_NUMBER_MESSAGES: dict[kbo.Reason, str] = {
    kbo.Reason.EMPTY: N_("Vul het ondernemingsnummer in."),
    kbo.Reason.LENGTH: N_("Een ondernemingsnummer heeft 10 cijfers, bv. 0123.456.749."),
    kbo.Reason.FIRST_DIGIT: N_("Een ondernemingsnummer begint met 0 of 1."),
    kbo.Reason.CHECK_DIGITS: N_("Dit ondernemingsnummer bestaat niet: de controlecijfers kloppen niet. Kijk het na."),
}


def parse_enterprise_number(text: str) -> str:
    """'0123.456.749', 'BE 0123 456 749' or the old nine digits → '0123456749' (shared.enterprise_number's
    check, said as a sentence beside the field)."""
    try:
        return kbo.normalise(text)
    except kbo.InvalidEnterpriseNumber as exc:
        raise FormatError(_(ENTERPRISE_NUMBER_MESSAGES[exc.reason])) from exc


def parse_whole_number(text: str, *, field: str, low: int, high: int) -> int:
    cleaned = text.strip()
    if not cleaned:
        raise FormatError(_("Vul %(field)s in.") % {"field": field})
    if not re.fullmatch(r"\d+", cleaned):
        raise FormatError(_("Vul %(field)s in als een geheel getal.") % {"field": field})
    value = int(cleaned)
    if not low <= value <= high:
        raise FormatError(_("%(field)s ligt tussen %(low)s en %(high)s.")
                          % {"field": capitalised(field), "low": low, "high": high})
    return value
