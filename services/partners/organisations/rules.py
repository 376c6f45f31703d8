"""What an organisation is, independent of storage."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    MUNICIPALITY = "municipality"
    OCMW = "ocmw"
    VDAB = "vdab"
    MAATWERKBEDRIJF = "maatwerkbedrijf"
    LDE_INITIATIVE = "lde-initiative"
    ARBEIDSZORG = "arbeidszorg"
    COOPERATIVE = "cooperative"
    REGULAR_ENTERPRISE = "regular-enterprise"
    FOOD_AID = "food-aid"
    WELFARE = "welfare"
    INTERMUNICIPAL = "intermunicipal"


KINDS: dict[Kind, str] = {
    Kind.MUNICIPALITY: "gemeente",
    Kind.OCMW: "OCMW",
    Kind.VDAB: "VDAB",
    Kind.MAATWERKBEDRIJF: "maatwerkbedrijf",
    Kind.LDE_INITIATIVE: "initiatief lokale diensteneconomie",
    Kind.ARBEIDSZORG: "arbeidszorginitiatief",
    Kind.COOPERATIVE: "coöperatie",
    Kind.REGULAR_ENTERPRISE: "reguliere onderneming",
    Kind.FOOD_AID: "voedselhulporganisatie",
    Kind.WELFARE: "welzijnsorganisatie",
    Kind.INTERMUNICIPAL: "intergemeentelijk samenwerkingsverband",
}
"""The Dutch name of each kind, as people read it."""

SOCIAL_ECONOMY_KINDS = frozenset({Kind.MAATWERKBEDRIJF, Kind.LDE_INITIATIVE, Kind.ARBEIDSZORG})
