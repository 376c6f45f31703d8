"""The rules a synced item must meet, pure: each check answers the parsed value or a Refusal with the field and
the Dutch sentence the driver reads on the phone (the item stays there until corrected)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from services.foodsavers.registry.categories import LABELS, Category
from services.foodsavers.safety.rules import CELSIUS_RANGE, DateKind, celsius_text, needs_temperature
from shared.i18n import N_
from shared.problems import TYPE_PREFIX

BRUSSELS = ZoneInfo("Europe/Brussels")
MAX_LINES = 2000
"""Lines (pickup and delivery lines together) in one sync; a bigger batch is refused whole (413)."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the server's clock a phone's clock may run before a time counts as in the future."""


class RefusalType:
    INVALID = TYPE_PREFIX + "invalid-line"
    FORBIDDEN = TYPE_PREFIX + "forbidden"
    NOT_FOUND = TYPE_PREFIX + "not-found"
    CLOSED = TYPE_PREFIX + "round-closed"
    ID_REUSED = TYPE_PREFIX + "id-reused"


@dataclass(frozen=True)
class Refusal:
    field: str
    reason: str
    type: str = RefusalType.INVALID


def brussels_day(moment: datetime) -> date:
    return moment.astimezone(BRUSSELS).date()


def an_id(value: Any, field: str, what: str) -> uuid.UUID | Refusal:
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    return Refusal(field, f"{what} ontbreekt of is geen geldige id")


def a_moment(value: Any, field: str, now: datetime, what: str) -> datetime | Refusal:
    """An ISO-8601 time with its zone (UTC 'Z' as the phone sends it), not in the future beyond CLOCK_SKEW."""
    moment = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        return Refusal(field, f"het tijdstip van {what} ontbreekt of is geen geldige tijd (ISO 8601 met tijdzone)")
    if moment > now + CLOCK_SKEW:
        return Refusal(field, f"het tijdstip van {what} ligt in de toekomst "
                              f"({moment.astimezone(BRUSSELS):%d-%m-%Y %H:%M}): controleer de klok van de telefoon")
    return moment.astimezone(UTC)


def grams_of(value: Any, field: str, capacity_grams: int | None, what: str = "het gewicht") -> int | Refusal:
    """Whole grams, not negative, not above the vehicle's capacity (a typing error: 1250 kg for 12,50 kg)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return Refusal(field, f"{what} moet een geheel aantal gram zijn")
    grams = int(value)
    if grams < 0:
        return Refusal(field, f"{what} kan niet negatief zijn ({grams} g)")
    if capacity_grams is not None and grams > capacity_grams:
        return Refusal(field, f"{what} ({kg(grams)}) is meer dan de bestelwagen kan laden ({kg(capacity_grams)}): "
                              "controleer het getal")
    return grams


def kg(grams: int) -> str:
    return f"{Decimal(grams) / 1000:.3f}".replace(".", ",").rstrip("0").rstrip(",") + " kg"


def a_category(value: Any) -> Category | Refusal:
    try:
        return Category(value)
    except ValueError:
        known = ", ".join(LABELS.values())
        return Refusal("category", f"onbekende categorie {value!r}: kies uit {known}")


@dataclass(frozen=True)
class PickupLine:
    """A pickup line as typed, checked (before the food-safety rules)."""

    id: uuid.UUID
    category: Category
    grams: int
    refused_grams: int
    refused_reason: str
    date_kind: DateKind
    best_date: date | None
    celsius: Decimal | None


def check_pickup_line(line: Any, line_id: uuid.UUID, capacity_grams: int) -> PickupLine | Refusal:
    """Grams (not negative, not absurd), category, date kind and date (a use-by date is required), the measured
    temperature of a chilled or frozen line."""
    grams = grams_of(line.grams, "grams", capacity_grams)
    if isinstance(grams, Refusal):
        return grams
    refused = grams_of(line.refused_grams if line.refused_grams is not None else 0, "refused_grams",
                       capacity_grams, "het geweigerde gewicht")
    if isinstance(refused, Refusal):
        return refused
    reason = line.refused_reason if isinstance(line.refused_reason, str) else ""
    if refused > 0 and not reason.strip():
        return Refusal("refused_reason", "geef de reden waarom het gewicht geweigerd werd")
    category = a_category(line.category)
    if isinstance(category, Refusal):
        return category
    try:
        date_kind = DateKind(line.date_kind if line.date_kind is not None else "none")
    except ValueError:
        return Refusal("date_kind", f"onbekend soort datum {line.date_kind!r}: kies 'te gebruiken tot', "
                                    "'ten minste houdbaar tot' of geen")
    best_date: date | None = None
    if line.best_date not in (None, ""):
        try:
            best_date = date.fromisoformat(str(line.best_date))
        except ValueError:
            return Refusal("best_date", f"{line.best_date!r} is geen geldige datum (JJJJ-MM-DD)")
    if date_kind is DateKind.USE_BY and best_date is None:
        return Refusal("best_date", "geef de te gebruiken tot-datum van deze lijn")
    if date_kind is DateKind.BEST_BEFORE and best_date is None:
        return Refusal("best_date", "geef de ten minste houdbaar tot-datum van deze lijn")
    celsius: Decimal | None = None
    if line.celsius not in (None, ""):
        try:
            celsius = Decimal(str(line.celsius).replace(",", ".")).quantize(Decimal("0.1"))
        except InvalidOperation:
            return Refusal("celsius", f"{line.celsius!r} is geen temperatuur")
        if not celsius.is_finite() or not CELSIUS_RANGE[0] <= celsius <= CELSIUS_RANGE[1]:
            return Refusal("celsius", f"een temperatuur van {line.celsius} °C kan niet: controleer het getal "
                                      f"(tussen {celsius_text(CELSIUS_RANGE[0])} en {celsius_text(CELSIUS_RANGE[1])})")
    if celsius is None and needs_temperature(category):
        return Refusal("celsius", f"meet de temperatuur van {LABELS[category]}: gekoelde en diepgevroren "
                                  "voeding heeft een gemeten temperatuur nodig")
    return PickupLine(line_id, category, grams, refused, reason.strip()[:300], date_kind, best_date, celsius)


@dataclass(frozen=True)
class DeliveryLine:
    id: uuid.UUID
    category: Category
    grams: int


def check_delivery_line(line: Any, line_id: uuid.UUID, capacity_grams: int) -> DeliveryLine | Refusal:
    grams = grams_of(line.grams, "grams", capacity_grams)
    if isinstance(grams, Refusal):
        return grams
    category = a_category(line.category)
    if isinstance(category, Refusal):
        return category
    return DeliveryLine(line_id, category, grams)


def a_text(value: Any, length: int) -> str:
    return value.strip()[:length] if isinstance(value, str) else ""


ROUND_REFUSALS = {
    "cancelled": Refusal("round_id", N_("deze rit is geannuleerd: er kan niets meer op geregistreerd worden"),
                         RefusalType.CLOSED),
    "closed": Refusal("round_id", N_("de rit is al afgesloten"), RefusalType.CLOSED),
}
"""Also the detail of a 409 on closing (translated there; the sync's per-line reasons stay Dutch)."""
OTHER_DRIVER = Refusal("round_id", N_("deze rit is van een andere chauffeur"), RefusalType.FORBIDDEN)
UNKNOWN_ROUND = Refusal("round_id", "deze rit bestaat niet", RefusalType.NOT_FOUND)
