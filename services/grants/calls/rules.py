"""The call lifecycle, what a call must hold before it is published, and how its terms read in Dutch;
independent of storage."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from shared.i18n import N_, _
from shared.portal.formats import euros, percentage
from shared.problems import Conflict


class CallStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    IN_REVIEW = "in-review"
    DECIDED = "decided"
    ARCHIVED = "archived"


STATUS_LABELS: dict[CallStatus, str] = {
    CallStatus.DRAFT: N_("in voorbereiding"),
    CallStatus.PUBLISHED: N_("gepubliceerd"),
    CallStatus.CLOSED: N_("afgesloten"),
    CallStatus.IN_REVIEW: N_("in beoordeling"),
    CallStatus.DECIDED: N_("beslist"),
    CallStatus.ARCHIVED: N_("gearchiveerd"),
}
TRANSITIONS: dict[CallStatus, frozenset[CallStatus]] = {
    CallStatus.DRAFT: frozenset({CallStatus.PUBLISHED}),
    CallStatus.PUBLISHED: frozenset({CallStatus.CLOSED}),
    CallStatus.CLOSED: frozenset({CallStatus.IN_REVIEW}),
    CallStatus.IN_REVIEW: frozenset({CallStatus.DECIDED}),
    CallStatus.DECIDED: frozenset({CallStatus.ARCHIVED}),
    CallStatus.ARCHIVED: frozenset(),
}
VISIBLE_TO_EVERYONE = frozenset({CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.IN_REVIEW, CallStatus.DECIDED,
                                 CallStatus.ARCHIVED})
MANAGERS = ("call-manager", "province-admin")

TIE_BREAKS: dict[str, str] = {
    "total:desc": N_("de hoogste gewogen totaalscore"),
    "requested_amount:asc": N_("het laagste gevraagde bedrag"),
    "requested_amount:desc": N_("het hoogste gevraagde bedrag"),
    "submitted_at:asc": N_("de vroegste indiening"),
}
"""The published tie-break vocabulary (ranking reads the same keys). Besides these: `criterion:<position>`,
the highest score on that criterion."""
CRITERION_TIE_BREAK = re.compile(r"^criterion:(?P<position>[1-9][0-9]*)$")
ATTACHMENT_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")

def can_move(current: CallStatus, target: CallStatus) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: CallStatus, target: CallStatus) -> None:
    """Conflict (409) naming the current state, when the lifecycle does not allow the move."""
    if not can_move(current, target):
        raise Conflict(_("de oproep is %(current)s en kan niet naar '%(target)s'")
                       % {"current": _(STATUS_LABELS[current]), "target": _(STATUS_LABELS[target])},
                       status_now=current, status_requested=target)


@dataclass(frozen=True)
class CriterionTerms:
    position: int
    name: str
    weight: Decimal
    max_score: int
    min_threshold: Decimal | None = None


@dataclass(frozen=True)
class AttachmentTerms:
    code: str
    label: str
    types: tuple[str, ...]
    max_bytes: int | None = None


@dataclass(frozen=True)
class CallTerms:
    """What publication checks: the call as its manager drafted it."""

    title: str
    total_budget_cents: int
    max_per_project_cents: int
    cofinancing_rate_bp: int
    opens_at: datetime | None
    closes_at: datetime | None
    appeal_days: int
    partial_funding_min_bp: int
    jurors_per_application: int
    tie_break: Sequence[str]
    min_coapplicants: int
    rules_text: str
    legal_basis: str
    aim: str
    criteria: Sequence[CriterionTerms] = field(default_factory=tuple)
    attachments: Sequence[AttachmentTerms] = field(default_factory=tuple)


def tie_break_problems(chain: Sequence[str], positions: Collection[int]) -> list[str]:
    problems: list[str] = []
    if not chain:
        problems.append(_("de regel bij gelijke stand (tie_break) ontbreekt: geef minstens één sleutel"))
    seen: set[str] = set()
    for key in chain:
        if key in seen:
            problems.append(_("de sleutel %(key)r staat twee keer in de regel bij gelijke stand") % {"key": key})
        seen.add(key)
        match = CRITERION_TIE_BREAK.match(key)
        if match is not None:
            if int(match["position"]) not in positions:
                problems.append(_("de regel bij gelijke stand verwijst naar criterium %(position)s, dat niet bestaat")
                                % {"position": match["position"]})
        elif key not in TIE_BREAKS:
            problems.append(_("onbekende sleutel %(key)r in de regel bij gelijke stand; toegelaten: %(keys)s")
                            % {"key": key, "keys": ", ".join([*TIE_BREAKS, _("criterion:<nummer>")])})
    return problems


def attachment_problems(attachments: Sequence[AttachmentTerms], known_types: Collection[str]) -> list[str]:
    problems: list[str] = []
    codes: set[str] = set()
    for attachment in attachments:
        if not ATTACHMENT_CODE.match(attachment.code):
            problems.append(_("bijlagecode %(code)r: gebruik kleine letters, cijfers, - of _")
                            % {"code": attachment.code})
        if attachment.code in codes:
            problems.append(_("bijlagecode %(code)r komt twee keer voor") % {"code": attachment.code})
        codes.add(attachment.code)
        if not attachment.label.strip():
            problems.append(_("bijlage %(code)r heeft geen omschrijving") % {"code": attachment.code})
        if not attachment.types:
            problems.append(_("bijlage %(code)r: geef de aanvaarde bestandstypes") % {"code": attachment.code})
        unknown = sorted(set(attachment.types) - set(known_types))
        if unknown:
            problems.append(_("bijlage %(code)r: bestandstype(s) %(types)s worden niet ondersteund")
                            % {"code": attachment.code, "types": ", ".join(unknown)})
        if attachment.max_bytes is not None and attachment.max_bytes <= 0:
            problems.append(_("bijlage %(code)r: de maximale grootte moet positief zijn") % {"code": attachment.code})
    return problems


def criteria_problems(criteria: Sequence[CriterionTerms]) -> list[str]:
    problems: list[str] = []
    for criterion in criteria:
        label = {"position": criterion.position, "name": criterion.name}
        if not criterion.name.strip():
            problems.append(_("criterium %(position)s heeft geen naam") % label)
        if criterion.weight <= 0:
            problems.append(_("criterium %(position)s (%(name)s): het gewicht moet groter dan 0 zijn") % label)
        if criterion.max_score <= 0:
            problems.append(_("criterium %(position)s (%(name)s): de maximumscore moet groter dan 0 zijn") % label)
        if criterion.min_threshold is not None and not 0 <= criterion.min_threshold <= criterion.max_score:
            problems.append(_("criterium %(position)s (%(name)s): de drempel moet tussen 0 en de maximumscore "
                              "%(maximum)s liggen") % {**label, "maximum": criterion.max_score})
    return problems


def draft_problems(terms: CallTerms, known_types: Collection[str]) -> list[str]:
    """What is wrong whatever the state of completion: a draft may be incomplete, never contradictory."""
    problems: list[str] = []
    if not terms.title.strip():
        problems.append(_("de titel van de oproep is verplicht"))
    for name, value in ((_("het totale budget"), terms.total_budget_cents),
                        (_("het maximum per project"), terms.max_per_project_cents)):
        if value < 0:
            problems.append(_("%(name)s kan niet negatief zijn") % {"name": name})
    if not 0 <= terms.cofinancing_rate_bp <= 10_000:
        problems.append(_("de cofinancieringsgraad ligt tussen 0 en 100 % (0 tot 10000 basispunten)"))
    if not 0 <= terms.partial_funding_min_bp <= 10_000:
        problems.append(_("het minimum bij gedeeltelijke financiering ligt tussen 0 en 100 %"))
    for name, moment in ((_("de openingsdatum"), terms.opens_at), (_("de sluitingsdatum"), terms.closes_at)):
        if moment is not None and moment.tzinfo is None:
            problems.append(_("%(name)s moet een tijdzone hebben, bv. 2027-03-31T12:00:00+02:00") % {"name": name})
    if terms.appeal_days < 0:
        problems.append(_("de beroepstermijn kan niet negatief zijn"))
    if terms.jurors_per_application < 1:
        problems.append(_("minstens één jurylid per aanvraag"))
    if terms.min_coapplicants < 0:
        problems.append(_("het minimum aantal mede-aanvragers kan niet negatief zijn"))
    problems += attachment_problems(terms.attachments, known_types)
    return problems


def publication_problems(terms: CallTerms, now: datetime, known_types: Collection[str]) -> list[str]:
    """Everything that keeps the call from being published, in Dutch; empty when it is complete."""
    problems = draft_problems(terms, known_types)
    # A published call is what applicants rely on and what every decision letter cites: its rules, the
    # council decision it rests on and what it wants to achieve.
    for text, missing in ((terms.legal_basis, _("de rechtsgrond (het raadsbesluit waarop de oproep steunt) is "
                                                "verplicht")),
                          (terms.rules_text, _("het reglement van de oproep is verplicht")),
                          (terms.aim, _("de doelstelling van de oproep is verplicht"))):
        if not text.strip():
            problems.append(missing)
    if terms.total_budget_cents <= 0:
        problems.append(_("het totale budget moet groter dan 0 zijn"))
    if terms.max_per_project_cents <= 0:
        problems.append(_("het maximum per project moet groter dan 0 zijn"))
    elif terms.max_per_project_cents > terms.total_budget_cents:
        problems.append(_("het maximum per project kan niet groter zijn dan het totale budget"))
    if terms.cofinancing_rate_bp <= 0:
        problems.append(_("de cofinancieringsgraad moet groter dan 0 % zijn"))
    if terms.opens_at is None or terms.closes_at is None:
        problems.append(_("de openings- en sluitingsdatum zijn verplicht"))
    elif terms.opens_at.tzinfo is not None and terms.closes_at.tzinfo is not None:
        if terms.opens_at >= terms.closes_at:
            problems.append(_("de oproep moet openen vóór ze sluit"))
        if terms.closes_at <= now:
            problems.append(_("de sluitingsdatum ligt in het verleden"))
    if not terms.criteria:
        problems.append(_("minstens één beoordelingscriterium is verplicht"))
    problems += criteria_problems(terms.criteria)
    problems += tie_break_problems(terms.tie_break, {c.position for c in terms.criteria})
    return problems


def criterion_tie_break(position: int) -> str:
    """The key of 'the highest score on criterion <position>' in a tie-break chain."""
    return f"criterion:{position}"


def tie_break_label(key: str, names: Mapping[int, str] | None = None) -> str:
    """One key of the chain in Dutch: 'de vroegste indiening', 'de hoogste score op criterium 2 (Impact)'
    (the criterion's name when it is known)."""
    match = CRITERION_TIE_BREAK.match(key)
    if match is None:
        return TIE_BREAKS.get(key, key)
    position = int(match["position"])
    name = (names or {}).get(position)
    return f"de hoogste score op criterium {position}" + (f" ({name})" if name else "")


def tie_break_shown(key: str, names: Mapping[int, str] | None = None) -> str:
    """`tie_break_label` in the reader's language, for a page (the Dutch one goes into what is stored)."""
    match = CRITERION_TIE_BREAK.match(key)
    if match is None:
        return _(TIE_BREAKS[key]) if key in TIE_BREAKS else key
    position = int(match["position"])
    name = (names or {}).get(position)
    if name:
        return _("de hoogste score op criterium %(position)s (%(name)s)") % {"position": position, "name": name}
    return _("de hoogste score op criterium %(position)s") % {"position": position}


def tie_break_options(positions: Iterable[int]) -> list[tuple[str, str]]:
    """What a call manager may choose for each place in the chain: the published keys, then the highest
    score on each of the given criterion positions (in the reader's language)."""
    return [*((key, _(label)) for key, label in TIE_BREAKS.items()),
            *((criterion_tie_break(p), tie_break_shown(criterion_tie_break(p))) for p in positions)]


def tie_break_text(chain: Sequence[str], criteria: Sequence[CriterionTerms]) -> list[str]:
    """The chain as an applicant reads it: 'bij gelijke stand gaat voor: 1. …'."""
    names = {c.position: c.name for c in criteria}
    return [f"{rank}. {tie_break_shown(key, names)}" for rank, key in enumerate(chain, start=1)]


def eligibility_text(*, social_economy_coapplicant: bool, min_coapplicants: int, max_per_project_cents: int,
                     cofinancing_rate_bp: int, attachments: Sequence[AttachmentTerms],
                     extra_rules: Sequence[str]) -> list[str]:
    rules = [
        _("U dient in als onderneming met een geldig ondernemingsnummer (KBO); elke mede-aanvrager ook."),
        _("Elke mede-aanvrager bevestigt zijn deelname vóór u indient."),
        _("Het gevraagde bedrag is ten hoogste %(amount)s per project.") % {"amount": euros(max_per_project_cents)},
        _("De subsidie dekt ten hoogste %(rate)s van de totale projectkost.")
        % {"rate": percentage(cofinancing_rate_bp)},
    ]
    if min_coapplicants > 0:
        rules.append(_("Minstens %(number)s mede-aanvrager(s).") % {"number": min_coapplicants})
    if social_economy_coapplicant:
        rules.append(_("Minstens één mede-aanvrager is een erkende sociale-economieonderneming "
                       "(zoals gekend in het partnerregister van de provincie)."))
    if attachments:
        rules.append(_("Verplichte bijlagen: %(labels)s.") % {"labels": "; ".join(a.label for a in attachments)})
    rules.append(_("Indienen kan tot de sluitingsdatum, tot op de seconde (klok van de provincie, Brusselse tijd)."))
    return [*rules, *extra_rules]


def appeal_text(days: int) -> str:
    return (_("Tegen het besluit kunt u binnen %(days)s dagen na de kennisgeving beroep aantekenen bij de "
              "deputatie; de beslissingsbrief vermeldt hoe.") % {"days": days})


# --- what a refused write means to a person -------------------------------------------------------------

CONSTRAINT_REASONS: dict[str, str] = {
    # {constraint or unique index: the Dutch reason}: the loser of two concurrent requests is answered 409 with
    # this (services.grants.app gathers every capability's; shared.problems answers).
    "uq_criteria_call_position": N_("twee criteria kregen tegelijk dezelfde plaats; laad de oproep opnieuw"),
}
