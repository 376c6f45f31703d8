import gc

from shared.heap import freeze_after_start


def in_full_collections(value: object) -> bool:
    return any(candidate is value for candidate in gc.get_objects(generation=2))


def test_the_start_up_heap_is_left_out_of_full_collections_and_what_comes_later_is_not() -> None:
    started_with = {"routes": ["/{tenant}/calls"]}
    gc.collect()
    assert in_full_collections(started_with)
    try:
        freeze_after_start()
        assert not in_full_collections(started_with)
        later = {"kept answer": ["…"]}
        gc.collect()
        assert in_full_collections(later)
    finally:
        gc.unfreeze()
    assert in_full_collections(started_with)
