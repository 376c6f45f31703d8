"""The figures kept a few seconds per replica: how long, for which province, and what forgets them."""

from __future__ import annotations

from services.foodsavers.impact.cache import FiguresCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_kept_for_its_seconds_and_then_read_again() -> None:
    clock = Clock()
    cache = FiguresCache(seconds=10, clock=clock)
    cache.put("west-vlaanderen", ("2020-06-15", "2020-12-31", None), b"5,7 t")
    clock.now += 9.9
    assert cache.get("west-vlaanderen", ("2020-06-15", "2020-12-31", None)) == b"5,7 t"
    clock.now += 0.2
    assert cache.get("west-vlaanderen", ("2020-06-15", "2020-12-31", None)) is None


def test_a_province_never_reads_another_provinces_figures_and_forgetting_one_keeps_the_other() -> None:
    cache = FiguresCache(seconds=10, clock=Clock())
    cache.put("west-vlaanderen", "half year", b"west")
    cache.put("limburg", "half year", b"limburg")
    assert cache.get("antwerpen", "half year") is None
    cache.forget("west-vlaanderen")
    assert cache.get("west-vlaanderen", "half year") is None
    assert cache.get("limburg", "half year") == b"limburg"


def test_the_least_recently_read_go_first_when_it_is_full() -> None:
    cache = FiguresCache(seconds=10, size=2, clock=Clock())
    cache.put("limburg", "a", 1)
    cache.put("limburg", "b", 2)
    assert cache.get("limburg", "a") == 1
    cache.put("limburg", "c", 3)
    assert cache.get("limburg", "b") is None
    assert (cache.get("limburg", "a"), cache.get("limburg", "c")) == (1, 3)
