"""What the portal shows for a user's roles: the Dutch labels and the portals (tiles) each role opens."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_LABELS: dict[str, str] = {
    "applicant": "aanvrager",
    "juror": "jurylid",
    "call-manager": "oproepbeheerder",
    "partner": "partner",
    "coordinator": "regisseur sociale economie",
    "driver": "chauffeur",
    "province-admin": "provinciebeheerder",
}


@dataclass(frozen=True)
class Portal:
    slug: str
    """Path under /<tenant>/; the pages themselves come with later issues."""
    title: str
    description: str
    roles: frozenset[str]


PORTALS: tuple[Portal, ...] = (
    # Partners reach the applications portal too: there they confirm taking part as a co-applicant.
    Portal("aanvragen", "Aanvragen", "Projectoproepen bekijken en aanvragen indienen en opvolgen.",
           frozenset({"applicant", "call-manager", "partner"})),
    Portal("jury", "Jury", "Aanvragen beoordelen en scores geven.", frozenset({"juror", "call-manager"})),
    Portal("chauffeur", "Chauffeur", "Je ritten, ophalingen en leveringen van vandaag.", frozenset({"driver"})),
    Portal("partner", "Partner", "Samenwerkingsovereenkomsten, acties en realisaties.",
           frozenset({"partner", "coordinator"})),
    Portal("provincie", "Provincie", "Oproepen, partners en voedselherverdeling van de provincie beheren.",
           frozenset({"coordinator", "call-manager", "province-admin"})),
)


def role_labels(roles: frozenset[str] | tuple[str, ...]) -> list[str]:
    """In the order of ROLE_LABELS, so the page reads the same for everyone."""
    return [label for role, label in ROLE_LABELS.items() if role in roles]


def portals_for(roles: frozenset[str] | tuple[str, ...]) -> list[Portal]:
    held = frozenset(roles)
    return [portal for portal in PORTALS if not portal.roles.isdisjoint(held)]
