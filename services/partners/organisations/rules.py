"""What an organisation is, independent of storage: its kinds, recognitions, rubrics, the checks of what a
person enters, and when it counts as social economy or as a supplier in the catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


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


PENDING_FIELDS = ("kind", "recognitions")
"""What a partner's edit of its own entry cannot change by itself: its recognitions, and its kind (both decide
whether it counts as a social-economy enterprise, e.g. for grants' eligibility). Such an edit waits for a
coordinator as one change; the rest of the same edit applies at once."""

CONSTRAINT_REASONS: dict[str, str] = {
    "uq_organisations_tenant_number": "een organisatie met dit ondernemingsnummer is al geregistreerd",
    "uq_staff_figures_year": "er zijn al personeelscijfers voor dit jaar",
    "uq_organisation_changes_pending": "er wacht al een wijziging van deze organisatie op goedkeuring",
}
"""The Dutch reason of each unique constraint, for the loser of a race (409)."""


@dataclass(frozen=True)
class RecognitionTerms:
    kind: str
    valid_from: date
    valid_until: date | None
    reference: str = ""

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class StaffTerms:
    year: int
    target_group_workers: int
    supervising_staff: int
    fte: Decimal


def valid_on(recognitions: Iterable[RecognitionTerms], day: date) -> list[RecognitionTerms]:
    return [r for r in recognitions if r.valid_on(day)]


def is_social_economy(kind: str, recognitions: Iterable[RecognitionTerms], day: date) -> bool:
    """A social-economy kind, or a recognition among SOCIAL_ECONOMY_RECOGNITIONS valid on `day`."""
    return kind in SOCIAL_ECONOMY_KINDS or any(
        r.kind in SOCIAL_ECONOMY_RECOGNITIONS for r in valid_on(recognitions, day))


def is_supplier(kind: str, recognitions: Iterable[RecognitionTerms], offerings: int, day: date) -> bool:
    """Listed in the public catalogue: it offers something, or it is a social-economy enterprise."""
    return offerings > 0 or is_social_economy(kind, recognitions, day)


def recognition_problems(recognitions: Sequence[RecognitionTerms]) -> list[tuple[str, str]]:
    """(field, Dutch reason) for each recognition that cannot be: an unknown kind, an end before the start."""
    problems = []
    for index, r in enumerate(recognitions):
        if r.kind not in RECOGNITIONS:
            problems.append((f"recognitions[{index}].kind", f"onbekende erkenning {r.kind!r}; geldig zijn: "
                             + ", ".join(sorted(RECOGNITIONS))))
        if r.valid_until is not None and r.valid_until < r.valid_from:
            problems.append((f"recognitions[{index}].valid_until",
                             f"de erkenning eindigt ({r.valid_until.isoformat()}) vóór ze begint "
                             f"({r.valid_from.isoformat()})"))
    return problems


def offering_problems(offerings: Sequence[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(field, Dutch reason) for each (rubric, kind, description) that cannot be."""
    problems = []
    for index, (rubric, kind, description) in enumerate(offerings):
        if rubric not in RUBRICS:
            problems.append((f"offerings[{index}].rubric",
                             f"onbekende rubriek {rubric!r}; geldig zijn: " + ", ".join(sorted(RUBRICS))))
        if kind not in OFFERING_KINDS:
            problems.append((f"offerings[{index}].kind", f"onbekende soort {kind!r}; geldig zijn: product, service"))
        if not description.strip():
            problems.append((f"offerings[{index}].description", "beschrijf het product of de dienst"))
        elif len(description) > 500:
            problems.append((f"offerings[{index}].description", "de beschrijving is langer dan 500 tekens"))
    return problems


def staff_problems(staff: Sequence[StaffTerms], this_year: int) -> list[tuple[str, str]]:
    """(field, Dutch reason) for negative figures, a year twice, a year far out of range."""
    problems = []
    seen: set[int] = set()
    for index, s in enumerate(staff):
        if s.year in seen:
            problems.append((f"staff[{index}].year", f"het jaar {s.year} staat er twee keer in"))
        seen.add(s.year)
        if not 1990 <= s.year <= this_year + 1:
            problems.append((f"staff[{index}].year", f"het jaar {s.year} ligt niet tussen 1990 en {this_year + 1}"))
        for name, value in (("target_group_workers", s.target_group_workers),
                            ("supervising_staff", s.supervising_staff), ("fte", s.fte)):
            if value < 0:
                problems.append((f"staff[{index}].{name}", "een personeelscijfer kan niet negatief zijn"))
        if abs(s.fte) >= Decimal("10000000"):
            problems.append((f"staff[{index}].fte", "het aantal VTE is te groot"))
    return problems


def search_document(name: str, description: str, municipality_name: str,
                    offerings: Iterable[tuple[str, str]]) -> str:
    """What the catalogue's full-text search reads: the name, description, municipality, rubric names and
    offering descriptions ((rubric, description) pairs), one per line."""
    offerings = list(offerings)
    rubrics = sorted({RUBRICS.get(rubric, rubric) for rubric, _ in offerings})
    return "\n".join([name, description, municipality_name, *rubrics, *(d for _, d in offerings)])


def label_of(labels: Mapping[Any, str], key: str) -> str:
    """The Dutch label of a stored value (kinds, recognitions, rubrics, …); the value itself if unknown."""
    return labels.get(key, key)
