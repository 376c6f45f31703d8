"""Tenants are the five Flemish provinces. One realm per province in Keycloak, one `tenant` column on every
tenant-owned row, the tenant in every NATS subject and object key.

Each province's configuration (shared/data/provinces.json): its name in every language, the colour of its pages'
header and its logo (a file in the portal kit's static/provinces/). The Dutch name is the official one: letters,
open data and decisions use it (display_name); pages show the name in the reader's language (province_name)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from shared.i18n import DEFAULT, language

CONFIGURATION = Path(__file__).parent / "data" / "provinces.json"
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Province:
    slug: str
    names: dict[str, str]
    colour: str
    """The header's background; white text on it must stay readable (WCAG AA contrast, checked by the tests)."""
    logo: str
    """The logo's file name under the kit's static/provinces/."""

    @property
    def logo_url(self) -> str:
        return f"/static/provinces/{self.logo}"


def load(path: Path = CONFIGURATION) -> dict[str, Province]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    provinces = {}
    for slug, entry in raw.items():
        if not COLOUR.match(entry["colour"]) or "/" in entry["logo"] or DEFAULT not in entry["names"]:
            raise ValueError(f"provinces.json: {slug} needs a #rrggbb colour, a logo file name and a Dutch name")
        provinces[slug] = Province(slug, dict(entry["names"]), entry["colour"], entry["logo"])
    return provinces


PROVINCES: dict[str, Province] = load()
TENANTS: dict[str, str] = {slug: province.names[DEFAULT] for slug, province in PROVINCES.items()}


def is_tenant(value: str) -> bool:
    return value in TENANTS


def display_name(tenant: str) -> str:
    """The official (Dutch) name: for letters, decisions and open data."""
    return TENANTS[tenant]


def province_name(tenant: str) -> str:
    """The name in the reader's language, for pages."""
    names = PROVINCES[tenant].names
    return names.get(language(), names[DEFAULT])
