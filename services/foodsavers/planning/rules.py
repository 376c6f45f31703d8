"""What planning is, independent of storage: the kinds of round and their stops, a round's statuses, on which days
a series has its occurrences, which occurrences a change of the series reaches, and how far ahead rounds exist.
Labels are the Dutch people read. Pure functions: the service applies them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from services.foodsavers.registry.rules import DonorKind, RecipientKind
from shared.i18n import N_, _
from shared.portal.formats import BRUSSELS
from shared.problems import Conflict, Invalid

WEEKS_AHEAD = 6
"""How far ahead a series' rounds exist: today (Brussels) plus six weeks; a daily task extends them."""

FOOD_BANK = DonorKind.FOOD_BANK
"""The regional food bank: where a FEAD transport picks up."""
LOCAL_GOVERNMENT = RecipientKind.LOCAL_GOVERNMENT
"""A municipality or OCMW: where a FEAD transport delivers."""


class RoundKind(StrEnum):
    RESCUE = "rescue"
    """Surplus from donors (supermarket branches) to food-aid organisations, the same day."""
    FEAD = "fead"
    """EU food aid (FEAD) from the regional food bank to local governments, with a signed transfer form."""


ROUND_KINDS: dict[RoundKind, str] = {
    RoundKind.RESCUE: N_("voedselredding"),
    RoundKind.FEAD: N_("FEAD-transport"),
}


class RoundStatus(StrEnum):
    PLANNED = "planned"
    UNDER_WAY = "under-way"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATUSES: dict[RoundStatus, str] = {
    RoundStatus.PLANNED: N_("gepland"),
    RoundStatus.UNDER_WAY: N_("onderweg"),
    RoundStatus.CLOSED: N_("afgesloten"),
    RoundStatus.CANCELLED: N_("geannuleerd"),
}


class StopKind(StrEnum):
    PICKUP = "pickup"
    DELIVERY = "delivery"


STOP_KINDS: dict[StopKind, str] = {StopKind.PICKUP: N_("ophaling"), StopKind.DELIVERY: N_("levering")}

WEEKDAYS = {1: N_("maandag"), 2: N_("dinsdag"), 3: N_("woensdag"), 4: N_("donderdag"), 5: N_("vrijdag"),
            6: N_("zaterdag"), 7: N_("zondag")}
WEEKDAYS_SHORT = {1: N_("ma"), 2: N_("di"), 3: N_("wo"), 4: N_("do"), 5: N_("vr"), 6: N_("za"), 7: N_("zo")}


def today() -> date:
    """Today in Europe/Brussels."""
    return datetime.now(BRUSSELS).date()


def horizon(day: date) -> date:
    """The last day for which a series' rounds exist when it is `day` (Brussels)."""
    return day + timedelta(weeks=WEEKS_AHEAD)


def kind_label(kind: str) -> str:
    return ROUND_KINDS[RoundKind(kind)] if kind in ROUND_KINDS else kind


def status_label(status: str) -> str:
    return STATUSES[RoundStatus(status)] if status in STATUSES else status


# --- the days of a series ---------------------------------------------------------------------------------

def checked_weekdays(weekdays: Iterable[int]) -> list[int]:
    """ISO weekdays (1 = maandag … 7 = zondag), each once, in order; 422 when empty or out of range."""
    days = sorted(set(weekdays))
    if not days:
        raise Invalid(_("kies minstens één weekdag (1 = maandag … 7 = zondag)"), field="weekdays")
    wrong = [d for d in days if not 1 <= d <= 7]
    if wrong:
        raise Invalid(_("weekdag %(day)s bestaat niet: gebruik 1 (maandag) tot 7 (zondag)") % {"day": wrong[0]},
                      field="weekdays")
    return days


def occurrence_days(weekdays: Collection[int], starts_on: date, ends_on: date | None, from_day: date,
                    until_day: date) -> list[date]:
    """The days from `from_day` to `until_day` (both included) on which a series running from `starts_on` to
    `ends_on` (None: open-ended) has an occurrence: those falling on one of its ISO weekdays."""
    first = max(starts_on, from_day)
    last = until_day if ends_on is None else min(ends_on, until_day)
    days = []
    day = first
    while day <= last:
        if day.isoweekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def generate_until(ends_on: date | None, day: date) -> date:
    """The last day a series' rounds are generated for when it is `day`: its end, or six weeks ahead if sooner
    (a series wholly in the past generates every day up to its end)."""
    ahead = horizon(day)
    return ahead if ends_on is None else min(ends_on, ahead)


def series_change_reaches(*, status: str, edited: bool, has_entries: bool, day: date, effective_from: date) -> bool:
    """Whether a change of the series rewrites (or removes) this occurrence: only a planned one nobody changed
    by hand, without logbook entries, on or after the change's effective day."""
    return status == RoundStatus.PLANNED and not edited and not has_entries and day >= effective_from


def still_occurs(day: date, weekdays: Collection[int], starts_on: date, ends_on: date | None) -> bool:
    """Whether the series (as it now is) still has an occurrence on `day`."""
    return day.isoweekday() in weekdays and day >= starts_on and (ends_on is None or day <= ends_on)


def check_period(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise Invalid(_("de einddatum ligt vóór de begindatum"), field="ends_on")


# --- a round and its stops --------------------------------------------------------------------------------

def editable(status: str) -> None:
    """A round can be changed or cancelled only while it is planned (409 once under way, closed or cancelled)."""
    if status != RoundStatus.PLANNED:
        raise Conflict(_("deze rit is %(status)s: alleen een geplande rit kan nog gewijzigd of geannuleerd worden")
                       % {"status": _(status_label(status))}, status_now=status)


def parse_time(text: str, field: str) -> time:
    """"HH:MM" (or "HH:MM:SS") → a time; 422 with a Dutch reason otherwise."""
    raw = text.strip()
    try:
        parts = [int(p) for p in raw.split(":")]
        if len(parts) not in (2, 3) or not all(p >= 0 for p in parts):
            raise ValueError(raw)
        return time(parts[0], parts[1], parts[2] if len(parts) == 3 else 0)
    except ValueError as exc:
        raise Invalid(_("%(raw)s is geen uur: schrijf het als UU:MM (bv. 08:30)") % {"raw": repr(raw)},
                      field=field) from exc


def clock(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def check_window(window_from: time | None, window_until: time | None, field: str) -> None:
    if window_from is not None and window_until is not None and window_until < window_from:
        raise Invalid(_("het venster eindigt vóór het begint"), field=field)


def check_stop_party(round_kind: str, stop_kind: str, party_kind: str, party_name: str, position: int) -> None:
    """A FEAD transport picks up only at the food bank and delivers only to local governments; a rescue round
    never stops at the food bank (FEAD goods are not surplus)."""
    field = f"stops[{position - 1}]"
    if round_kind == RoundKind.FEAD:
        if stop_kind == StopKind.PICKUP and party_kind != FOOD_BANK:
            raise Invalid(_("stop %(position)s: een FEAD-transport haalt enkel op bij de voedselbank, niet bij "
                            "%(name)s") % {"position": position, "name": party_name}, field=field)
        if stop_kind == StopKind.DELIVERY and party_kind != LOCAL_GOVERNMENT:
            raise Invalid(_("stop %(position)s: een FEAD-transport levert enkel aan lokale besturen, niet aan "
                            "%(name)s") % {"position": position, "name": party_name}, field=field)
    elif stop_kind == StopKind.PICKUP and party_kind == FOOD_BANK:
        raise Invalid(_("stop %(position)s: de voedselbank hoort bij een FEAD-transport, niet bij een "
                        "voedselredding") % {"position": position}, field=field)


def check_kind(kind: str) -> RoundKind:
    if kind not in ROUND_KINDS:
        raise Invalid(_("onbekende soort rit %(kind)s: 'rescue' (voedselredding) of 'fead' (FEAD-transport)")
                      % {"kind": repr(kind)},
                      field="kind", allowed=list(RoundKind))
    return RoundKind(kind)


def check_stop_kinds(kinds: Sequence[str]) -> None:
    if not kinds:
        raise Invalid(_("een rit heeft minstens één stop"), field="stops")
    for position, kind in enumerate(kinds, start=1):
        if kind not in STOP_KINDS:
            raise Invalid(_("stop %(position)s: onbekende soort stop %(kind)s: 'pickup' (ophaling) of 'delivery' "
                            "(levering)") % {"position": position, "kind": repr(kind)},
                          field=f"stops[{position - 1}].kind", allowed=list(StopKind))
