"""How scores and dates read in Dutch (nl-BE), beside calls.rules' dutch_money and dutch_percent: what
explanations and letters print."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.grants.calls.rules import MONTHS


def number(value: Decimal | int, places: int = 2) -> str:
    """A score or total with a decimal comma, half up: 72.345 → "72,35"."""
    shown = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{shown:f}".replace(".", ",")


def unequal(a: Decimal | int, b: Decimal | int) -> tuple[str, str]:
    """Two different values printed with enough decimals (2 to 4) to look different: 4,995 next to a
    threshold of 5 must not read "5,00 < 5,00"."""
    for places in (2, 3, 4):
        shown = number(a, places), number(b, places)
        if shown[0] != shown[1]:
            break
    return shown


def day(value: date) -> str:
    """date(2026, 11, 22) → "22 november 2026"."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
