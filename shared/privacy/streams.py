"""A service's stream messages that name a person: events are immutable, so the erasure deletes them (the
server overwrites a deleted message's bytes: secure erase). Two places: the service's own stream (only the
province's subjects are read) and its dead letters, the events its consumers gave up on, which may be any
producer's (each dead letter's envelope says its province: another province's stay)."""

from __future__ import annotations

from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.events.envelope import InvalidEvent, decode
from shared.events.streams import DEAD_LETTER_STREAM, stream_name

BATCH = 256


def _of_province(data: bytes, tenant: str) -> bool:
    try:
        return decode(data).tenant == tenant
    except InvalidEvent:  # no event at all names no province: it stays for the operators
        return False


async def messages_naming(js: Any, stream: str, subjects: str, needles: list[bytes],
                          tenant: str | None = None) -> list[int]:
    """The sequence numbers of `stream`'s messages on `subjects` whose bytes hold any needle (lower case), and
    whose envelope is of `tenant` when one is given."""
    subscription = await js.pull_subscribe(
        subjects, stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30.0))
    found: list[int] = []
    try:
        while True:
            try:
                batch = await subscription.fetch(BATCH, timeout=1.0)
            except TimeoutError:
                break
            for message in batch:
                data = message.data or b""
                body = data.lower()
                if any(needle in body for needle in needles) and (tenant is None or _of_province(data, tenant)):
                    found.append(message.metadata.sequence.stream)
            if batch and batch[-1].metadata.num_pending == 0:
                break
    finally:
        await subscription.unsubscribe()
    return found


async def erase_messages(js: Any, service: str, tenant: str, needles: list[str]) -> dict[str, int]:
    """Deletes the province's messages naming the person from the service's stream and from its dead
    letters; the counts by stream."""
    wanted = [n.lower().encode() for n in needles if n]
    places = ((stream_name(service), f"{service}.{tenant}.>", None),
              (DEAD_LETTER_STREAM, f"dlq.{service}.>", tenant))
    counts: dict[str, int] = {}
    for stream, subjects, province in places:
        sequences = await messages_naming(js, stream, subjects, wanted, province)
        for sequence in sequences:
            await js.delete_msg(stream, sequence)
        counts[stream] = len(sequences)
    return counts
