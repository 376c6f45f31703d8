"""Food safety on entry, as pure rules: what a pickup line's use-by date and measured temperature mean, and
whether a round's mass balance holds.

The temperature limits are the tenant's `safety_limits` rows; where a tenant has none for a storage kind, these
defaults apply, after the FAVV's rules for the cold chain (koudeketen) of food donated to food aid:
- chilled (gekoeld: dairy, meat and fish, prepared meals): at most 7.0 °C, the FAVV's upper limit for chilled
  foods in transport and at the food-aid organisation (4 °C is the target for meat and fish);
- frozen (diepvries): -18 °C is the target, with a short tolerance during transport up to -15 °C: the limit is
  -15.0 °C.
Above the limit, the default action is "refuse": the line does not go into the van (its weight is refused with
the reason, and the register keeps it). A tenant may choose "flag" instead: the line is accepted, carries the
flag "temperature", goes into the register and raises a temperature flag on the round for the coordinator.

A use-by date ("te gebruiken tot") before the Brussels day of the pickup always blocks the line: the FAVV
forbids distributing food after its use-by date. A best-before date ("ten minste houdbaar tot") past does not
(the FAVV allows donating it); it is kept on the line for traceability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from services.foodsavers.registry.categories import STORAGE, Category, Storage
from shared.i18n import N_


class Action(StrEnum):
    REFUSE = "refuse"
    FLAG = "flag"


ACTION_LABELS: dict[Action, str] = {Action.REFUSE: N_("weigeren"), Action.FLAG: N_("aanvaarden en signaleren")}


class Finding(StrEnum):
    """What the register keeps (SafetyRegisterEntry.kind) and the kinds of a round's flags."""

    USE_BY_PASSED = "use-by-passed"
    TEMPERATURE = "temperature"
    MASS_BALANCE = "mass-balance"
    VAN_FULL = "van-full"


FINDING_LABELS: dict[str, str] = {
    Finding.USE_BY_PASSED: N_("te gebruiken tot-datum verstreken"),
    Finding.TEMPERATURE: N_("temperatuur boven de grens"),
    Finding.MASS_BALANCE: N_("massabalans klopt niet"),
    Finding.VAN_FULL: N_("bestelwagen vol: voedsel achtergelaten"),
}


class DateKind(StrEnum):
    USE_BY = "use-by"
    BEST_BEFORE = "best-before"
    NONE = "none"


DATE_KIND_LABELS: dict[DateKind, str] = {
    DateKind.USE_BY: "te gebruiken tot", DateKind.BEST_BEFORE: "ten minste houdbaar tot", DateKind.NONE: "geen",
}


@dataclass(frozen=True)
class Limit:
    storage: Storage
    max_celsius: Decimal
    action: Action


DEFAULT_LIMITS: dict[Storage, Limit] = {
    Storage.CHILLED: Limit(Storage.CHILLED, Decimal("7.0"), Action.REFUSE),
    Storage.FROZEN: Limit(Storage.FROZEN, Decimal("-15.0"), Action.REFUSE),
}
"""The FAVV-based defaults (see the module's docstring)."""

LIMIT_RANGES: dict[Storage, tuple[Decimal, Decimal]] = {
    Storage.CHILLED: (Decimal("0.0"), Decimal("10.0")),
    Storage.FROZEN: (Decimal("-30.0"), Decimal("-12.0")),
}
"""What a tenant may set as a limit: a chilled limit above 10 °C or a frozen one above -12 °C is no cold chain."""

CELSIUS_RANGE = (Decimal("-50.0"), Decimal("60.0"))
"""A measured temperature outside this range is a typing error, not a measurement."""

USE_BY_REASON = "te gebruiken tot-datum verstreken"
TEMPERATURE_REASON = "temperatuur te hoog"


def limits_with_defaults(rows: dict[Storage, Limit]) -> dict[Storage, Limit]:
    """The tenant's limits, each storage kind without a row taking its default."""
    return {storage: rows.get(storage, default) for storage, default in DEFAULT_LIMITS.items()}


def needs_temperature(category: Category) -> bool:
    return STORAGE[category] in (Storage.CHILLED, Storage.FROZEN)


def celsius_text(value: Decimal) -> str:
    return f"{value:.1f}".replace(".", ",") + " °C"


@dataclass(frozen=True)
class Verdict:
    """What the rules say of one pickup line: blocked (its weight refused, with the reason) or accepted, with
    the findings the register keeps and the flags the line carries."""

    blocked: str | None = None
    finding: Finding | None = None
    flags: tuple[str, ...] = ()
    detail: tuple[tuple[str, str], ...] = ()


def judge_line(category: Category, date_kind: DateKind, best_date: date | None, celsius: Decimal | None,
               pickup_day: date, limits: dict[Storage, Limit]) -> Verdict:
    """A passed use-by date blocks; a chilled or frozen line above its limit is refused or flagged as the
    tenant's limit says. The use-by rule comes first (a line both out of date and too warm is blocked once)."""
    if date_kind is DateKind.USE_BY and best_date is not None and best_date < pickup_day:
        return Verdict(blocked=USE_BY_REASON, finding=Finding.USE_BY_PASSED,
                       detail=(("best_date", best_date.isoformat()), ("pickup_day", pickup_day.isoformat())))
    storage = STORAGE[category]
    limit = limits.get(storage)
    if limit is not None and celsius is not None and celsius > limit.max_celsius:
        detail = (("celsius", str(celsius)), ("max_celsius", str(limit.max_celsius)),
                  ("action", limit.action.value), ("storage", storage.value))
        if limit.action is Action.REFUSE:
            return Verdict(blocked=f"{TEMPERATURE_REASON}: {celsius_text(celsius)} boven de grens van "
                                   f"{celsius_text(limit.max_celsius)}",
                           finding=Finding.TEMPERATURE, detail=detail)
        return Verdict(finding=Finding.TEMPERATURE, flags=(Finding.TEMPERATURE.value,), detail=detail)
    return Verdict()


# --- mass balance ----------------------------------------------------------------------------------------

BALANCE_TOLERANCE_GRAMS = 1000
BALANCE_TOLERANCE_SHARE = Decimal("0.02")


@dataclass(frozen=True)
class Balance:
    """A round's mass balance: what was loaded (picked up and accepted) against what left the van (delivered,
    discarded on the way) and what is still in it."""

    picked_up: int
    delivered: int
    discarded: int
    left_in_van: int

    @property
    def difference(self) -> int:
        """Loaded minus accounted for: positive when food is missing, negative when more left the van than
        was loaded."""
        return self.picked_up - (self.delivered + self.discarded + self.left_in_van)

    @property
    def tolerance(self) -> int:
        return max(BALANCE_TOLERANCE_GRAMS, int(Decimal(self.picked_up) * BALANCE_TOLERANCE_SHARE))

    @property
    def holds(self) -> bool:
        """|picked up − (delivered + discarded + left in the van)| ≤ max(1 kg, 2% of picked up): a kitchen
        scale at the donor and a bathroom scale at the recipient differ a little, never by more."""
        return abs(self.difference) <= self.tolerance

    def as_detail(self) -> dict[str, int | bool]:
        return {"picked_up_grams": self.picked_up, "delivered_grams": self.delivered,
                "discarded_grams": self.discarded, "left_in_van_grams": self.left_in_van,
                "difference_grams": self.difference, "tolerance_grams": self.tolerance, "holds": self.holds}


def is_safety_reason(reason: str) -> bool:
    """Whether a line's refused reason is one these rules wrote (not the driver's own)."""
    return reason == USE_BY_REASON or reason.startswith(TEMPERATURE_REASON)
