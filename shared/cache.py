"""Answers kept a few seconds in one process: for reads far more frequent than the changes behind them (a broad
catalogue search, a dashboard's figures). Bounded (the least recently used go first) and per process: a replica
that misses simply computes, and what it keeps may lag a change by at most the cache's seconds."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class BriefCache:
    """Values by key, each for `TTL` seconds. What is kept is shared by every reader: never change it."""

    TTL = 15.0
    SIZE = 4096

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, ttl: float | None = None,
                 size: int | None = None) -> None:
        self.clock = clock
        if ttl is not None:
            self.TTL = ttl
        if size is not None:
            self.SIZE = size
        self.kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()

    def peek(self, key: Hashable) -> Any:
        """The value kept for `key`, or None when there is none younger than TTL."""
        hit = self.kept.get(key)
        if hit is None or self.clock() - hit[0] >= self.TTL:
            return None
        self.kept.move_to_end(key)
        return hit[1]

    def put(self, key: Hashable, value: object) -> None:
        self.kept[key] = (self.clock(), value)
        self.kept.move_to_end(key)
        while len(self.kept) > self.SIZE:
            self.kept.popitem(last=False)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The value kept for `key`, else `compute()`'s, kept."""
        hit = self.peek(key)
        if hit is not None:
            return cast(T, hit)
        value = await compute()
        self.put(key, value)
        return value

    def forget(self, which: Callable[[Any], bool]) -> None:
        """Everything kept under a key `which` names (what it was computed from just changed)."""
        for key in [k for k in self.kept if which(k)]:
            del self.kept[key]
