"""The call lifecycle, independent of storage."""

from __future__ import annotations

STATUSES = ("draft", "published", "closed", "in-review", "decided", "archived")
VISIBLE_TO_EVERYONE = frozenset({"published", "closed", "in-review", "decided", "archived"})
MANAGERS = ("call-manager", "province-admin")
