"""The figures the coordinators read, kept a few seconds per replica: a dashboard is read far more often than the
totals change, and answering a read from here costs no database work at all.

Freshness: a sync or a closing on this replica forgets the province's figures as soon as its transaction has
committed (the logbook's routes call `forget` after the response); what changed through another replica, or a
registry change (a recipient's people served), shows within `SECONDS`. Coordinators asking for the same figures
at once (right after a sync forgot them) share one computation, and figures forgotten while being computed are
not kept (shared.cache). Published reports never come from here: they are frozen in the database."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from shared.cache import BriefCache

T = TypeVar("T")

SECONDS = 10.0
"""How old a figure read from the cache may be at most."""


class FiguresCache:
    """Answers by province and key (shared.cache.BriefCache), each for `seconds`."""

    def __init__(self, seconds: float = SECONDS, size: int = 1024,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._kept = BriefCache(clock, ttl=seconds, size=size)

    async def get(self, tenant: str, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The answer kept, or being computed by another request (awaited), or `compute()`'s."""
        return await self._kept.get((tenant, key), compute)

    def forget(self, tenant: str) -> None:
        """Everything kept for the province (its totals just changed)."""
        self._kept.forget(lambda key: key[0] == tenant)


FIGURES = FiguresCache()
"""This replica's figures: the impact API's encoded answers and the figures pages' (dashboard, impact)."""
