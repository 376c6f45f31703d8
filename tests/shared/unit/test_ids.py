import uuid

from shared.ids import uuid7


def test_uuid7_has_version_7_and_the_rfc_variant() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7s_made_later_sort_later() -> None:
    values = [uuid7() for _ in range(2000)]
    timestamps = [v.int >> 80 for v in values]
    assert timestamps == sorted(timestamps)
    assert len(set(values)) == len(values)


def test_uuid7s_of_one_process_are_strictly_increasing_within_a_millisecond() -> None:
    """The events of one transaction share its `created_at` and are relayed in the order of their ids."""
    values = [uuid7() for _ in range(10_000)]  # thousands per millisecond: the counter, and its overflow
    assert values == sorted(values, key=lambda v: v.int)
    assert len(set(values)) == len(values)
    per_ms: dict[int, int] = {}
    for v in values:
        per_ms[v.int >> 80] = per_ms.get(v.int >> 80, 0) + 1
    assert max(per_ms.values()) > 1, "several ids in one millisecond, or the test shows nothing"
    assert all(v.version == 7 and v.variant == uuid.RFC_4122 for v in values)
