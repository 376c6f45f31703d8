"""The Flemish municipalities, kept as data (shared/data/municipalities.csv: REFNIS code, Dutch name, province tenant,
from Statbel's list of 1 January 2025, after the mergers). Stored values everywhere are NIS codes; people type a
name, so `find` accepts a code, a name or a slug, ignoring case and accents."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

DATA = Path(__file__).parent / "data" / "municipalities.csv"


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    slug: str
    province: str


def folded(text: str) -> str:
    """Lower case without accents or surrounding spaces: "Zelzate " and "zélzate" are the same municipality."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(name: str) -> str:
    """The name in a URL: "Sint-Martens-Latem" → "sint-martens-latem", "De Panne" → "de-panne"."""
    return re.sub(r"[^a-z0-9]+", "-", folded(name)).strip("-")


def load(path: Path = DATA) -> dict[str, Municipality]:
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        return {row["code"]: Municipality(code=row["code"], name=row["name"], slug=slugify(row["name"]),
                                          province=row["province"]) for row in rows}


MUNICIPALITIES: Mapping[str, Municipality] = MappingProxyType(load())
"""Every Flemish municipality, by NIS code."""

_BY_KEY: dict[str, Municipality] = {
    **{folded(m.name): m for m in MUNICIPALITIES.values()},
    **{m.slug: m for m in MUNICIPALITIES.values()},
    **MUNICIPALITIES,
}


def find(text: str) -> Municipality | None:
    """The municipality named by a NIS code, a name or a slug (case- and accent-insensitive), or None."""
    key = folded(text)
    return _BY_KEY.get(key) or _BY_KEY.get(slugify(text))


@functools.cache
def of_province(tenant: str) -> tuple[Municipality, ...]:
    """The municipalities of one province, sorted by name (worked out once: every search form lists them)."""
    return tuple(sorted((m for m in MUNICIPALITIES.values() if m.province == tenant), key=lambda m: folded(m.name)))


def name_of(code: str) -> str:
    """The Dutch name of a stored code; the code itself if it is not (or no longer) in the list."""
    municipality = MUNICIPALITIES.get(code)
    return municipality.name if municipality else code
