"""Answers kept briefly (shared.cache.BriefCache): readers asking for the same missing answer at once share one
computation; an answer forgotten while being computed is not kept; a failed computation is nobody else's."""

from __future__ import annotations

import asyncio

import pytest

from shared.cache import BriefCache


class Slow:
    """A computation that waits until released, counting its runs."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.runs = 0
        self.release = asyncio.Event()

    async def __call__(self) -> object:
        self.runs += 1
        await self.release.wait()
        return self.value


async def test_sixteen_readers_of_the_same_missing_answer_share_one_computation() -> None:
    cache = BriefCache(ttl=10)
    figures = Slow(b"5,7 t")
    readers = [asyncio.create_task(cache.get("half year", figures)) for _ in range(16)]
    await asyncio.sleep(0)
    figures.release.set()
    assert await asyncio.gather(*readers) == [b"5,7 t"] * 16
    assert figures.runs == 1
    assert cache.peek("half year") == b"5,7 t"


async def test_an_answer_forgotten_while_computed_is_handed_out_but_not_kept_and_later_readers_compute_afresh(
        ) -> None:
    cache = BriefCache(ttl=10)
    before = Slow(b"before the sync")
    first = asyncio.create_task(cache.get("half year", before))
    await asyncio.sleep(0)
    cache.forget(lambda key: key == "half year")  # a sync committed while the figures were being read
    after = Slow(b"after the sync")
    second = asyncio.create_task(cache.get("half year", after))
    await asyncio.sleep(0)
    before.release.set()
    after.release.set()
    assert await first == b"before the sync"
    assert await second == b"after the sync"
    assert (before.runs, after.runs) == (1, 1)
    assert cache.peek("half year") == b"after the sync"


async def test_when_the_reader_computing_fails_the_others_compute_for_themselves() -> None:
    cache = BriefCache(ttl=10)
    release = asyncio.Event()

    async def failing() -> bytes:
        await release.wait()
        raise ConnectionError("the database went away")

    fallback = Slow(b"computed by the waiting reader")
    fallback.release.set()
    leader = asyncio.create_task(cache.get("half year", failing))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(cache.get("half year", fallback))
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(ConnectionError):
        await leader
    assert await waiter == b"computed by the waiting reader"
    assert fallback.runs == 1


async def test_a_reader_who_leaves_does_not_take_the_others_with_it() -> None:
    cache = BriefCache(ttl=10)
    figures = Slow(b"5,7 t")
    leader = asyncio.create_task(cache.get("half year", figures))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(cache.get("half year", Slow(b"never")))
    await asyncio.sleep(0)
    waiter.cancel()  # this coordinator closed the page
    figures.release.set()
    assert await leader == b"5,7 t"
    with pytest.raises(asyncio.CancelledError):
        await waiter



class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_within_its_grace_an_aged_answer_serves_others_while_one_reader_computes_the_next() -> None:
    clock = Clock()
    cache = BriefCache(clock, ttl=10, grace=10)
    first = Slow(b"4371 suppliers")
    first.release.set()
    assert await cache.get("catering", first) == b"4371 suppliers"
    clock.now += 12  # past TTL, within the grace
    nxt = Slow(b"4372 suppliers")
    leader = asyncio.create_task(cache.get("catering", nxt))
    await asyncio.sleep(0)
    # Someone else asking meanwhile is answered at once with the aged answer, and starts no search of its own.
    assert await cache.get("catering", Slow(b"never")) == b"4371 suppliers"
    nxt.release.set()
    assert await leader == b"4372 suppliers"
    assert await cache.get("catering", Slow(b"never")) == b"4372 suppliers"


async def test_past_its_grace_an_aged_answer_is_not_handed_out() -> None:
    clock = Clock()
    cache = BriefCache(clock, ttl=10, grace=10)
    first = Slow(b"old")
    first.release.set()
    await cache.get("catering", first)
    clock.now += 21
    nxt = Slow(b"new")
    leader = asyncio.create_task(cache.get("catering", nxt))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(cache.get("catering", Slow(b"never")))
    await asyncio.sleep(0)
    nxt.release.set()
    assert (await leader, await waiter) == (b"new", b"new")
    assert nxt.runs == 1
