"""The call lifecycle and what a call must hold, independent of storage."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")

STATUSES = ("draft", "published", "closed", "in-review", "decided", "archived")
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"published"}),
    "published": frozenset({"closed"}),
    "closed": frozenset({"in-review"}),
    "in-review": frozenset({"decided"}),
    "decided": frozenset({"archived"}),
    "archived": frozenset(),
}
VISIBLE_TO_EVERYONE = frozenset({"published", "closed", "in-review", "decided", "archived"})
MANAGERS = ("call-manager", "province-admin")


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def brussels(moment: datetime) -> datetime:
    return moment.astimezone(BRUSSELS)
