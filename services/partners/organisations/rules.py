"""What an organisation is, independent of storage."""

from __future__ import annotations

KINDS: dict[str, str] = {
    "municipality": "gemeente",
    "ocmw": "OCMW",
    "vdab": "VDAB",
    "maatwerkbedrijf": "maatwerkbedrijf",
    "lde-initiative": "initiatief lokale diensteneconomie",
    "arbeidszorg": "arbeidszorginitiatief",
    "cooperative": "coöperatie",
    "regular-enterprise": "reguliere onderneming",
    "food-aid": "voedselhulporganisatie",
    "welfare": "welzijnsorganisatie",
    "intermunicipal": "intergemeentelijk samenwerkingsverband",
}

SOCIAL_ECONOMY_KINDS = frozenset({"maatwerkbedrijf", "lde-initiative", "arbeidszorg"})
