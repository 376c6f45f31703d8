"""Answers kept a few seconds in one process: for reads far more frequent than the changes behind them (a broad
catalogue search, a dashboard's figures). Bounded (the least recently used go first) and per process: a replica
that misses simply computes, and what it keeps may lag a change by at most the cache's seconds.

Readers who ask for the same missing answer at once share one computation (`get`): right after the figures
changed, sixteen coordinators on the same dashboard cost one query, not sixteen. A computation that was under way
when its answer was forgotten (what it reads just changed) is not kept, and nobody joins it any more. With a
GRACE, an answer that has just aged past TTL is still handed to the others while one reader computes the next:
only that reader waits, not everyone who asks in the meantime."""

from __future__ import annotations

import asyncio
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

T = TypeVar("T")


@dataclass
class Computing:
    """One computation of a missing answer that others may wait for."""

    done: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    stale: bool = False
    """Forgotten while computing: its answer is handed to whoever waits, but not kept."""


class LeaderFailed(Exception):
    """The reader computing the answer did not get one (its own error went to its own request)."""


class BriefCache:
    """Values by key, each for `TTL` seconds. What is kept is shared by every reader: never change it."""

    TTL = 15.0
    SIZE = 4096
    GRACE = 0.0
    """Seconds past TTL during which an answer still serves while its successor is being computed."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, ttl: float | None = None,
                 size: int | None = None, grace: float | None = None) -> None:
        self.clock = clock
        if ttl is not None:
            self.TTL = ttl
        if size is not None:
            self.SIZE = size
        if grace is not None:
            self.GRACE = grace
        self.kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self.computing: dict[Hashable, Computing] = {}

    def peek(self, key: Hashable) -> Any:
        """The value kept for `key`, or None when there is none younger than TTL."""
        hit = self.kept.get(key)
        if hit is None or self.clock() - hit[0] >= self.TTL:
            return None
        self.kept.move_to_end(key)
        return hit[1]

    def put(self, key: Hashable, value: object) -> None:
        """Kept for TTL less a random fifth at most: answers computed together (after a start, a change) do not
        all run out, and get computed again, in the same moment."""
        self.kept[key] = (self.clock() - random.uniform(0.0, self.TTL / 5), value)
        self.kept.move_to_end(key)
        while len(self.kept) > self.SIZE:
            self.kept.popitem(last=False)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The value kept for `key`; else, while another reader computes it, the value that just aged past TTL
        (within GRACE) or the one being computed, awaited; else `compute()`'s, kept (unless forgotten meanwhile).
        When the reader computing fails, each waiting reader computes for itself."""
        hit = self.peek(key)
        if hit is not None:
            return cast(T, hit)
        under_way = self.computing.get(key)
        if under_way is not None:
            aged = self.kept.get(key)
            if aged is not None and self.clock() - aged[0] < self.TTL + self.GRACE:
                return cast(T, aged[1])
            try:
                return cast(T, await asyncio.shield(under_way.done))
            except LeaderFailed:
                return await compute()
        mine = self.computing[key] = Computing()
        try:
            value = await compute()
        except BaseException:
            mine.done.set_exception(LeaderFailed())
            mine.done.exception()  # retrieved: nobody may be waiting
            raise
        finally:
            if self.computing.get(key) is mine:
                del self.computing[key]
        mine.done.set_result(value)
        if not mine.stale:
            self.put(key, value)
        return value

    def forget(self, which: Callable[[Any], bool]) -> None:
        """Everything kept under a key `which` names (what it was computed from just changed), and every
        computation under way for such a key: its answer is not kept, and later readers compute afresh."""
        for key in [k for k in self.kept if which(k)]:
            del self.kept[key]
        for key in [k for k in self.computing if which(k)]:
            self.computing.pop(key).stale = True
