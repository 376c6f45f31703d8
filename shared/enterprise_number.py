"""The Belgian enterprise number (ondernemingsnummer, KBO/BCE): ten digits, the last two a mod-97 check of
the first eight. Written 0123.456.789 or BE0123456789; stored as the ten digits.

The one check of the platform: the API's validation and the portal's form parsing both call `normalise`, and
say the reason (`InvalidEnterpriseNumber.reason`) in their own words."""

from __future__ import annotations

import re
from enum import StrEnum

_SEPARATORS = re.compile(r"[\s.\-/]")


class Reason(StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    FIRST_DIGIT = "first-digit"
    CHECK_DIGITS = "check-digits"


REASONS: dict[Reason, str] = {
    Reason.EMPTY: "er is geen ondernemingsnummer ingevuld",
    Reason.LENGTH: "verwacht 10 cijfers, bv. 0123.456.749",
    Reason.FIRST_DIGIT: "het eerste cijfer is 0 of 1",
    Reason.CHECK_DIGITS: "het controlegetal klopt niet",
}


class InvalidEnterpriseNumber(ValueError):
    def __init__(self, raw: str, reason: Reason) -> None:
        what = "geen geldig ondernemingsnummer" if reason is Reason.CHECK_DIGITS else "geen ondernemingsnummer"
        super().__init__(f"{raw!r} is {what}: {REASONS[reason]}")
        self.raw = raw
        self.reason = reason


def normalise(raw: str) -> str:
    """The ten digits, or InvalidEnterpriseNumber with the reason a person can act on."""
    digits = _SEPARATORS.sub("", raw.strip().upper())
    if digits.startswith("BE"):
        digits = digits[2:]
    if not digits:
        raise InvalidEnterpriseNumber(raw, Reason.EMPTY)
    if len(digits) == 9 and digits.isdigit():  # older numbers were written without the leading 0
        digits = "0" + digits
    if len(digits) != 10 or not digits.isdigit():
        raise InvalidEnterpriseNumber(raw, Reason.LENGTH)
    if digits[0] not in "01":
        raise InvalidEnterpriseNumber(raw, Reason.FIRST_DIGIT)
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise InvalidEnterpriseNumber(raw, Reason.CHECK_DIGITS)
    return digits


def is_valid(raw: str) -> bool:
    try:
        normalise(raw)
    except ValueError:
        return False
    return True


def formatted(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
