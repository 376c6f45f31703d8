"""shared.events.publisher on the stack's NATS: a batch's acks read on the publisher's own reply subscription, and
every way a message can fail to be stored said for that message."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import DiscardPolicy, StreamConfig

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.events.publisher import BatchPublisher


@pytest.fixture
async def stream(nc: Client) -> AsyncIterator[str]:
    """A stream of the test's own, taking `<prefix>.>`, holding at most 30 messages and refusing more."""
    prefix = f"publishertest{uuid.uuid4().hex[:8]}"
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=prefix.upper(), subjects=[f"{prefix}.>"], max_msgs=30,
                                     discard=DiscardPolicy.NEW, duplicate_window=60))
    yield prefix
    await js.delete_stream(prefix.upper())


async def stored(nc: Client, stream: str) -> list[tuple[str, bytes]]:
    """The message ids and payloads in the stream, in its order."""
    js = nc.jetstream()
    found = []
    for seq in range(1, (await js.stream_info(stream.upper())).state.last_seq + 1):
        message = await js.get_msg(stream.upper(), seq)
        found.append((message.headers["Nats-Msg-Id"] if message.headers else "", message.data or b""))
    return found


async def test_a_batch_is_stored_in_order_and_each_message_acked(nc: Client, stream: str) -> None:
    publisher = BatchPublisher(nc)
    messages = [(f"{stream}.a.{n % 3}", f"payload {n}".encode(), f"id-{n}") for n in range(20)]
    assert await publisher.publish(messages, timeout=5.0) == [None] * 20
    assert await stored(nc, stream) == [(message_id, payload) for _subject, payload, message_id in messages]
    # the same ids again (a relay that died between the ack and its delete): acked, and dropped by the stream
    assert await publisher.publish(messages[:5], timeout=5.0) == [None] * 5
    assert len(await stored(nc, stream)) == 20
    await publisher.close()


async def test_each_refusal_is_said_for_its_own_message(nc: Client, stream: str) -> None:
    publisher = BatchPublisher(nc)
    await publisher.publish([(f"{stream}.fill", b"x", f"fill-{n}") for n in range(28)], timeout=5.0)
    messages = [(f"{stream}.a", b"1", "one"), ("nostreamtakes.this", b"2", "two"), (f"{stream}.a", b"3", "three"),
                (f"{stream}.a", b"4", "four")]
    outcomes = await publisher.publish(messages, timeout=5.0)
    assert outcomes[0] is None and outcomes[2] is None, "the stream's last two places"
    assert outcomes[1] is not None and "NoStreamResponse" in outcomes[1], "no stream takes the subject"
    assert outcomes[3] is not None and "maximum messages exceeded" in outcomes[3], outcomes[3]
    assert [message_id for message_id, _ in await stored(nc, stream)][-2:] == ["one", "three"]
    await publisher.close()


async def test_no_ack_in_time_is_a_timeout_and_a_late_ack_is_ignored(nc: Client, stream: str) -> None:
    silent = await nc.subscribe("silenttest.>")  # takes the messages and never answers: no "no responders" either
    publisher = BatchPublisher(nc)
    outcomes = await publisher.publish([(f"{stream}.a", b"1", "first"), ("silenttest.a", b"2", "second")],
                                       timeout=0.5)
    assert outcomes == [None, "TimeoutError"]
    late = await silent.next_msg(timeout=1.0)
    await nc.publish(late.reply, b'{"stream":"X","seq":99}')  # its answer after the batch was given up
    assert await publisher.publish([(f"{stream}.a", b"3", "third")], timeout=5.0) == [None]
    await silent.unsubscribe()
    await publisher.close()


async def test_a_closed_connection_fails_every_message_not_sent(
        infra: Stack, stack_config: StackConfig, stream: str) -> None:
    connection = await nats.connect(stack_config.nats_url)
    publisher = BatchPublisher(connection)
    assert await publisher.publish([(f"{stream}.a", b"1", "before")], timeout=5.0) == [None]
    await connection.close()
    outcomes = await publisher.publish([(f"{stream}.a", b"2", "after"), (f"{stream}.a", b"3", "after too")],
                                       timeout=1.0)
    assert len(outcomes) == 2 and all((outcome or "").startswith("ConnectionClosedError") for outcome in outcomes)
    # a publisher whose first batch finds the connection closed (no reply subscription can be made): the same
    outcomes = await BatchPublisher(connection).publish([(f"{stream}.a", b"4", "never")], timeout=1.0)
    assert len(outcomes) == 1 and (outcomes[0] or "").startswith("ConnectionClosedError"), outcomes
