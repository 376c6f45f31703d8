"""Identifiers. UUIDv7 (RFC 9562) for everything we create: time-ordered, so primary-key indexes stay
compact and event ids sort by creation time.

Within a process they are strictly increasing (RFC 9562 §6.2, method 1: the 12 bits of rand_a count the ids of
one millisecond, from a random start below 2,048; past 4,095 the millisecond is borrowed from the next): the
events a transaction stages get the same `created_at` (its start) and are published in the order of their ids,
which must then be the order they were staged in. The other 62 bits stay random."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


RANDOM_BATCH = 4096
"""The system's random bytes are read this many at a time (a system call each, some 5 µs: every request's id
and every row's key took one), and handed out 10 per id."""
_random = b""
_used = 0


def _forget_random() -> None:
    """A forked child draws its own: the parent's unused bytes would give both the same ids."""
    global _random, _used
    _random, _used = b"", 0


os.register_at_fork(after_in_child=_forget_random)


def uuid7() -> uuid.UUID:
    return uuid.UUID(int=_uuid7_value())


def uuid7_text() -> str:
    """A uuid7's text (`str(uuid7())`) without the UUID object: a request's id, made for every request."""
    digits = f"{_uuid7_value():032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _uuid7_value() -> int:
    global _last_ms, _counter, _random, _used
    with _lock:
        if _used + 10 > len(_random):
            _random, _used = os.urandom(RANDOM_BATCH), 0
        rand = int.from_bytes(_random[_used:_used + 10], "big")
        _used += 10
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _counter = ms, (rand >> 64) & 0x7FF
        else:  # the same millisecond (or the clock went back): count on from the last id
            _counter += 1
            if _counter > 0xFFF:
                _last_ms, _counter = _last_ms + 1, (rand >> 64) & 0x7FF
        ms, counter = _last_ms, _counter
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version 7
    value |= counter << 64  # rand_a: the counter, 12 bits
    value |= 0b10 << 62  # RFC 9562 variant
    value |= rand & 0x3FFF_FFFF_FFFF_FFFF  # rand_b: 62 bits
    return value
