"""The figures kept a few seconds per replica: how long, for which province, and what forgets them."""

from __future__ import annotations

from services.foodsavers.impact.cache import FiguresCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Computed:
    """A computation that answers `value` and counts how often it ran."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.runs = 0

    async def __call__(self) -> object:
        self.runs += 1
        return self.value


async def test_an_answer_is_kept_for_most_of_its_seconds_never_longer_and_then_computed_again() -> None:
    clock = Clock()
    cache = FiguresCache(seconds=10, clock=clock)
    half_year = Computed(b"5,7 t")
    key = ("2020-06-15", "2020-12-31", None)
    assert await cache.get("west-vlaanderen", key, half_year) == b"5,7 t"
    clock.now += 7.9  # (each answer's lifetime is cut by up to a fifth, at random: shared.cache)
    assert await cache.get("west-vlaanderen", key, half_year) == b"5,7 t"
    assert half_year.runs == 1
    clock.now += 2.2
    await cache.get("west-vlaanderen", key, half_year)
    assert half_year.runs == 2


async def test_a_province_never_reads_another_provinces_figures_and_forgetting_one_keeps_the_other() -> None:
    cache = FiguresCache(seconds=10, clock=Clock())
    assert await cache.get("west-vlaanderen", "half year", Computed(b"west")) == b"west"
    assert await cache.get("limburg", "half year", Computed(b"limburg")) == b"limburg"
    assert await cache.get("antwerpen", "half year", Computed(b"antwerpen")) == b"antwerpen"
    cache.forget("west-vlaanderen")
    again = Computed(b"west, after the sync")
    assert await cache.get("west-vlaanderen", "half year", again) == b"west, after the sync"
    kept = Computed(b"never asked")
    assert await cache.get("limburg", "half year", kept) == b"limburg"
    assert (again.runs, kept.runs) == (1, 0)


async def test_the_least_recently_read_go_first_when_it_is_full() -> None:
    cache = FiguresCache(seconds=10, size=2, clock=Clock())
    a, b, c = Computed(1), Computed(2), Computed(3)
    for key, computed in (("a", a), ("b", b), ("a", a), ("c", c), ("b", b), ("a", a)):
        await cache.get("limburg", key, computed)
    # a read again before c came, so c pushed out b; b back pushed out a, the least recently read by then.
    assert (a.runs, b.runs, c.runs) == (2, 2, 1)
