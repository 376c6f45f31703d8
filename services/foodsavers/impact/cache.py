"""The figures the coordinators read, kept a few seconds per replica: a dashboard is read far more often than the
totals change, and answering a read from here costs no database work at all.

Freshness: a sync or a closing on this replica forgets the province's figures as soon as its transaction has
committed (the logbook's routes call `forget` after the response); what changed through another replica, or a
registry change (a recipient's people served), shows within `SECONDS`. Published reports never come from here:
they are frozen in the database."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

SECONDS = 10.0
"""How old a figure read from the cache may be at most."""


class FiguresCache:
    """Answers by key (the province first), each for `seconds`; the least recently used go first. What is kept is
    shared by every reader: never change it."""

    def __init__(self, seconds: float = SECONDS, size: int = 1024,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._kept: OrderedDict[tuple[str, Hashable], tuple[float, Any]] = OrderedDict()

    def get(self, tenant: str, key: Hashable) -> Any:
        found = self._kept.get((tenant, key))
        if found is None:
            return None
        if self.clock() - found[0] > self.seconds:
            del self._kept[(tenant, key)]
            return None
        self._kept.move_to_end((tenant, key))
        return found[1]

    def put(self, tenant: str, key: Hashable, answer: Any) -> None:
        self._kept[(tenant, key)] = (self.clock(), answer)
        self._kept.move_to_end((tenant, key))
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def forget(self, tenant: str) -> None:
        """Everything kept for the province (its totals just changed)."""
        for kept in [k for k in self._kept if k[0] == tenant]:
            del self._kept[kept]


FIGURES = FiguresCache()
"""This replica's figures: the impact API's encoded answers and the figures pages' (dashboard, impact)."""
