"""A service's own stream messages that name a person: events are immutable, so the erasure deletes them
(the server overwrites a deleted message's bytes: secure erase). Only the province's subjects are read."""

from __future__ import annotations

from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.events.streams import stream_name

BATCH = 256


async def messages_naming(js: Any, service: str, tenant: str, needles: list[bytes]) -> list[int]:
    """The sequence numbers of `service`'s messages of `tenant` whose bytes hold any needle (lower case)."""
    stream = stream_name(service)
    subscription = await js.pull_subscribe(
        f"{service}.{tenant}.>", stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30.0))
    found: list[int] = []
    try:
        while True:
            try:
                batch = await subscription.fetch(BATCH, timeout=1.0)
            except TimeoutError:
                break
            for message in batch:
                body = (message.data or b"").lower()
                if any(needle in body for needle in needles):
                    found.append(message.metadata.sequence.stream)
            if batch and batch[-1].metadata.num_pending == 0:
                break
    finally:
        await subscription.unsubscribe()
    return found


async def erase_messages(js: Any, service: str, tenant: str, needles: list[str]) -> int:
    sequences = await messages_naming(js, service, tenant, [n.lower().encode() for n in needles if n])
    for sequence in sequences:
        await js.delete_msg(stream_name(service), sequence)
    return len(sequences)
