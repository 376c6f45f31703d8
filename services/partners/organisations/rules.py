"""What an organisation is, independent of storage: its kinds, recognitions, rubrics, the checks of what a
person enters, and when it counts as social economy or as a supplier in the catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.i18n import N_, _


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
    Kind.MUNICIPALITY: N_("gemeente"),
    Kind.OCMW: N_("OCMW"),
    Kind.VDAB: N_("VDAB"),
    Kind.MAATWERKBEDRIJF: N_("maatwerkbedrijf"),
    Kind.LDE_INITIATIVE: N_("initiatief lokale diensteneconomie"),
    Kind.ARBEIDSZORG: N_("arbeidszorginitiatief"),
    Kind.COOPERATIVE: N_("coöperatie"),
    Kind.REGULAR_ENTERPRISE: N_("reguliere onderneming"),
    Kind.FOOD_AID: N_("voedselhulporganisatie"),
    Kind.WELFARE: N_("welzijnsorganisatie"),
    Kind.INTERMUNICIPAL: N_("intergemeentelijk samenwerkingsverband"),
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
    RecognitionKind.MAATWERKBEDRIJF: N_("maatwerkbedrijf"),
    RecognitionKind.MAATWERKAFDELING: N_("maatwerkafdeling"),
    RecognitionKind.LOKALE_DIENSTENECONOMIE: N_("lokale diensteneconomie (LDE)"),
    RecognitionKind.ARBEIDSZORG: N_("arbeidszorg"),
    RecognitionKind.INVOEGBEDRIJF: N_("invoegbedrijf"),
    RecognitionKind.KRINGLOOPCENTRUM: N_("erkend kringloopcentrum"),
}
"""The recognitions (erkenningen) an organisation can hold, with a validity period each."""

SOCIAL_ECONOMY_RECOGNITIONS = frozenset({
    RecognitionKind.MAATWERKBEDRIJF, RecognitionKind.MAATWERKAFDELING, RecognitionKind.LOKALE_DIENSTENECONOMIE,
    RecognitionKind.ARBEIDSZORG})
"""A recognition valid today among these makes an organisation a social-economy enterprise (as does its kind)."""


class OfferingKind(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"


OFFERING_KINDS: dict[OfferingKind, str] = {OfferingKind.PRODUCT: N_("product"), OfferingKind.SERVICE: N_("dienst")}

RUBRICS: dict[str, str] = {
    "catering": N_("catering en voeding"),
    "schoonmaak": N_("schoonmaak"),
    "groen": N_("groenaanleg en -onderhoud"),
    "openbaar-domein": N_("onderhoud openbaar domein en routes"),
    "textiel": N_("textiel, confectie en strijk"),
    "drukwerk": N_("drukwerk en grafische diensten"),
    "verpakking": N_("verpakking, assemblage en industriële onderaanneming"),
    "hout": N_("hout en meubelen"),
    "metaal": N_("metaalbewerking"),
    "logistiek": N_("logistiek, koerier en verhuis"),
    "bouw": N_("bouw, renovatie en isolatie"),
    "kringloop": N_("kringloop, recyclage en hergebruik"),
    "fietsen": N_("fietsherstel en -verhuur"),
    "administratie": N_("administratie, digitalisering en data-invoer"),
    "horeca": N_("horeca en zaalverhuur"),
    "landbouw": N_("land- en tuinbouw"),
    "geschenken": N_("geschenken en relatiegeschenken"),
    "energie": N_("energie en duurzaamheid"),
    "zorg": N_("zorg, klusjes en buurtdiensten"),
    "voedselhulp": N_("voedselhulp en voedselherverdeling"),
}
"""The supplier guide's rubrics (code → Dutch name): what the catalogue is browsed by."""


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


CHANGE_STATUSES: dict[ChangeStatus, str] = {
    ChangeStatus.PENDING: N_("wacht op goedkeuring"),
    ChangeStatus.APPROVED: N_("goedgekeurd"),
    ChangeStatus.REFUSED: N_("geweigerd"),
}


PENDING_FIELDS = ("kind", "recognitions")
"""What a partner's edit of its own entry cannot change by itself: its recognitions, and its kind (both decide
whether it counts as a social-economy enterprise, e.g. for grants' eligibility). Such an edit waits for a
coordinator as one change; the rest of the same edit applies at once."""

CONSTRAINT_REASONS: dict[str, str] = {
    "uq_organisations_tenant_number": N_("een organisatie met dit ondernemingsnummer is al geregistreerd"),
    "uq_staff_figures_year": N_("er zijn al personeelscijfers voor dit jaar"),
    "uq_organisation_changes_pending": N_("er wacht al een wijziging van deze organisatie op goedkeuring"),
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
            problems.append((f"recognitions[{index}].kind", _("onbekende erkenning %(kind)s; geldig zijn: %(valid)s")
                             % {"kind": repr(r.kind), "valid": ", ".join(sorted(RECOGNITIONS))}))
        if r.valid_until is not None and r.valid_until < r.valid_from:
            problems.append((f"recognitions[{index}].valid_until",
                             _("de erkenning eindigt (%(end)s) vóór ze begint (%(start)s)")
                             % {"end": r.valid_until.isoformat(), "start": r.valid_from.isoformat()}))
    return problems


def offering_problems(offerings: Sequence[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(field, Dutch reason) for each (rubric, kind, description) that cannot be."""
    problems = []
    for index, (rubric, kind, description) in enumerate(offerings):
        if rubric not in RUBRICS:
            problems.append((f"offerings[{index}].rubric",
                             _("onbekende rubriek %(rubric)s; geldig zijn: %(valid)s")
                             % {"rubric": repr(rubric), "valid": ", ".join(sorted(RUBRICS))}))
        if kind not in OFFERING_KINDS:
            problems.append((f"offerings[{index}].kind",
                             _("onbekende soort %(kind)s; geldig zijn: product, service") % {"kind": repr(kind)}))
        if not description.strip():
            problems.append((f"offerings[{index}].description", _("beschrijf het product of de dienst")))
        elif len(description) > 500:
            problems.append((f"offerings[{index}].description", _("de beschrijving is langer dan 500 tekens")))
    return problems


def staff_problems(staff: Sequence[StaffTerms], this_year: int) -> list[tuple[str, str]]:
    """(field, Dutch reason) for negative figures, a year twice, a year far out of range."""
    problems = []
    seen: set[int] = set()
    for index, s in enumerate(staff):
        if s.year in seen:
            problems.append((f"staff[{index}].year", _("het jaar %(year)s staat er twee keer in") % {"year": s.year}))
        seen.add(s.year)
        if not 1990 <= s.year <= this_year + 1:
            problems.append((f"staff[{index}].year", _("het jaar %(year)s ligt niet tussen 1990 en %(last)s")
                             % {"year": s.year, "last": this_year + 1}))
        for name, value in (("target_group_workers", s.target_group_workers),
                            ("supervising_staff", s.supervising_staff), ("fte", s.fte)):
            if value < 0:
                problems.append((f"staff[{index}].{name}", _("een personeelscijfer kan niet negatief zijn")))
        if abs(s.fte) >= Decimal("10000000"):
            problems.append((f"staff[{index}].fte", _("het aantal VTE is te groot")))
    return problems


def search_document(name: str, description: str, municipality_name: str,
                    offerings: Iterable[tuple[str, str]]) -> str:
    """What the catalogue's full-text search reads: the name, description, municipality, rubric names and
    offering descriptions ((rubric, description) pairs), one per line."""
    offerings = list(offerings)
    rubrics = sorted({RUBRICS.get(rubric, rubric) for rubric, _description in offerings})
    return "\n".join([name, description, municipality_name, *rubrics, *(d for _rubric, d in offerings)])


def label_of(labels: Mapping[Any, str], key: str) -> str:
    """The Dutch label of a stored value (kinds, recognitions, rubrics, …); the value itself if unknown."""
    return labels.get(key, key)
