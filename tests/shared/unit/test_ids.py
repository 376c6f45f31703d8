import os
import uuid

from shared.ids import uuid7, uuid7_text


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


def test_a_forked_child_draws_its_own_random_bits() -> None:
    """The system's random bytes are read in batches: a child forked with part of a batch left must not hand out
    the parent's next ids."""
    uuid7()  # a batch read, most of it left
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.write(writer, uuid7().bytes)
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    theirs = os.read(reader, 16)
    os.close(reader)
    ours = uuid7().bytes
    random_bits = 0x3FFF_FFFF_FFFF_FFFF
    assert int.from_bytes(theirs, "big") & random_bits != int.from_bytes(ours, "big") & random_bits


def test_a_uuid7_as_text_is_the_text_of_the_next_uuid7() -> None:
    """uuid7_text (a request's id) is made as str(uuid7()) would be, from the same sequence."""
    made = [uuid7(), uuid.UUID(uuid7_text()), uuid7(), uuid.UUID(uuid7_text())]
    assert all(value.version == 7 and value.variant == uuid.RFC_4122 for value in made)
    assert made == sorted(made, key=lambda value: value.int) and len(set(made)) == 4
    text = uuid7_text()
    assert text == str(uuid.UUID(text)) and len(text) == 36
