"""The Belgian enterprise number (ondernemingsnummer, KBO/BCE): ten digits, the last two a mod-97 check of
the first eight. Written 0123.456.789 or BE0123456789; stored as the ten digits."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-/]")


def normalise(raw: str) -> str:
    """The ten digits, or ValueError with a reason a person can act on."""
    digits = _SEPARATORS.sub("", raw.strip().upper())
    if digits.startswith("BE"):
        digits = digits[2:]
    if len(digits) == 9 and digits.isdigit():  # older numbers were written without the leading 0
        digits = "0" + digits
    if len(digits) != 10 or not digits.isdigit():
        raise ValueError(f"{raw!r} is geen ondernemingsnummer: verwacht 10 cijfers, bv. 0123.456.749")
    if digits[0] not in "01":
        raise ValueError(f"{raw!r} is geen ondernemingsnummer: het eerste cijfer is 0 of 1")
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise ValueError(f"{raw!r} is geen geldig ondernemingsnummer: het controlegetal klopt niet")
    return digits


def is_valid(raw: str) -> bool:
    try:
        normalise(raw)
    except ValueError:
        return False
    return True


def formatted(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
