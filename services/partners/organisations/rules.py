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


class RecognitionKind(StrEnum):
    MAATWERKBEDRIJF = "maatwerkbedrijf"
    MAATWERKAFDELING = "maatwerkafdeling"
    LOKALE_DIENSTENECONOMIE = "lokale-diensteneconomie"
    ARBEIDSZORG = "arbeidszorg"
    INVOEGBEDRIJF = "invoegbedrijf"
    KRINGLOOPCENTRUM = "kringloopcentrum"


RECOGNITIONS: dict[RecognitionKind, str] = {
    RecognitionKind.MAATWERKBEDRIJF: "maatwerkbedrijf",
    RecognitionKind.MAATWERKAFDELING: "maatwerkafdeling",
    RecognitionKind.LOKALE_DIENSTENECONOMIE: "lokale diensteneconomie (LDE)",
    RecognitionKind.ARBEIDSZORG: "arbeidszorg",
    RecognitionKind.INVOEGBEDRIJF: "invoegbedrijf",
    RecognitionKind.KRINGLOOPCENTRUM: "erkend kringloopcentrum",
}
"""The recognitions (erkenningen) an organisation can hold, with a validity period each."""

SOCIAL_ECONOMY_RECOGNITIONS = frozenset({
    RecognitionKind.MAATWERKBEDRIJF, RecognitionKind.MAATWERKAFDELING, RecognitionKind.LOKALE_DIENSTENECONOMIE,
    RecognitionKind.ARBEIDSZORG})
"""A recognition valid today among these makes an organisation a social-economy enterprise (as does its kind)."""


class OfferingKind(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"


OFFERING_KINDS: dict[OfferingKind, str] = {OfferingKind.PRODUCT: "product", OfferingKind.SERVICE: "dienst"}

RUBRICS: dict[str, str] = {
    "catering": "catering en voeding",
    "schoonmaak": "schoonmaak",
    "groen": "groenaanleg en -onderhoud",
    "openbaar-domein": "onderhoud openbaar domein en routes",
    "textiel": "textiel, confectie en strijk",
    "drukwerk": "drukwerk en grafische diensten",
    "verpakking": "verpakking, assemblage en industriële onderaanneming",
    "hout": "hout en meubelen",
    "metaal": "metaalbewerking",
    "logistiek": "logistiek, koerier en verhuis",
    "bouw": "bouw, renovatie en isolatie",
    "kringloop": "kringloop, recyclage en hergebruik",
    "fietsen": "fietsherstel en -verhuur",
    "administratie": "administratie, digitalisering en data-invoer",
    "horeca": "horeca en zaalverhuur",
    "landbouw": "land- en tuinbouw",
    "geschenken": "geschenken en relatiegeschenken",
    "energie": "energie en duurzaamheid",
    "zorg": "zorg, klusjes en buurtdiensten",
    "voedselhulp": "voedselhulp en voedselherverdeling",
}
"""The supplier guide's rubrics (code → Dutch name): what the catalogue is browsed by."""


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


CHANGE_STATUSES: dict[ChangeStatus, str] = {
    ChangeStatus.PENDING: "wacht op goedkeuring",
    ChangeStatus.APPROVED: "goedgekeurd",
    ChangeStatus.REFUSED: "geweigerd",
}
