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


def uuid7() -> uuid.UUID:
    global _last_ms, _counter
    rand = int.from_bytes(os.urandom(10), "big")
    with _lock:
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
    return uuid.UUID(int=value)
