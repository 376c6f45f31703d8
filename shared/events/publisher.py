"""Publishing a batch of messages to JetStream with every publish outstanding at once, the server's acks collected
on one reply subscription of the publisher's own.

nats-py's `publish_async` does the same per message with a semaphore acquired under a timeout, a random token
appended to each reply subject (a system call), a future, a done callback and a PubAck object: about 22 µs of CPU
per message on two cores against 12 µs here (bench/README.md, "The relay's own acks"). The outbox relay publishes
every event of every service, so it publishes through this.

What a message's ack says is read as `publish_async` reads it: a PubAck (stored, or dropped as a duplicate of a
message id within the stream's duplicate window) is success; a JetStream error, or the server's "no responders"
status (no stream takes the subject), is a refusal, described by the exception `publish_async` would raise; no
ack within the timeout is a timeout. A message whose ack comes after its batch was given up is ignored."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import Header
from nats.js.errors import APIError, NoStreamResponseError

NO_RESPONDERS = "503"


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass
class Batch:
    """One batch's publishes: per message, None while unanswered, "" once acked, else why it was refused."""

    outcomes: list[str | None]
    left: int
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def answered(self, index: int, outcome: str) -> None:
        if self.outcomes[index] is not None:
            return  # (an ack repeated)
        self.outcomes[index] = outcome
        self.left -= 1
        if self.left == 0 and not self.done.done():
            self.done.set_result(None)


class BatchPublisher:
    """Publishes batches of (subject, payload, message id) to JetStream on connection `nc`. Its reply
    subscription (`<inbox>.<batch>.<index>`) is made with its first batch, and made again by nats-py after a
    reconnect like any other subscription."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.prefix = ""
        self.subscription: Subscription | None = None
        self.batches: dict[str, Batch] = {}
        self.numbers = itertools.count()

    async def publish(self, messages: Sequence[tuple[str, bytes, str]], timeout: float) -> list[str | None]:
        """Publishes every message at once, then waits at most `timeout` seconds for all their acks. Per message,
        in order: None when the stream has it (acked), else why not ("TimeoutError" when no ack came in time).
        When a publish fails (the connection closed, or none yet), it and the messages after it are not sent and
        carry its error; those sent before are waited for as the others."""
        if not messages:
            return []
        number = str(next(self.numbers))
        batch = Batch([None] * len(messages), len(messages))
        self.batches[number] = batch
        sent = 0
        try:
            try:
                if self.subscription is None:
                    prefix = self.nc.new_inbox()
                    self.subscription = await self.nc.subscribe(prefix + ".*.*", cb=self.acked)
                    self.prefix = prefix
                reply = f"{self.prefix}.{number}."
                for subject, payload, message_id in messages:
                    await self.nc.publish(subject, payload, reply=reply + str(sent),
                                          headers={"Nats-Msg-Id": message_id})
                    sent += 1
            except Exception as exc:  # noqa: BLE001 - NATS down: what was sent may still be acked below
                failure = describe(exc)
                for index in range(sent, len(messages)):
                    batch.answered(index, failure)
            if sent:
                await asyncio.wait([batch.done], timeout=timeout)
        finally:
            del self.batches[number]
        return [None if outcome == "" else outcome or "TimeoutError" for outcome in batch.outcomes]

    async def acked(self, msg: Msg) -> None:
        """The server's answer to one publish."""
        number, _dot, index = msg.subject[len(self.prefix) + 1:].partition(".")
        batch = self.batches.get(number)
        if batch is None or not index.isdigit() or int(index) >= len(batch.outcomes):
            return  # an answer after its batch was given up
        batch.answered(int(index), outcome(msg))

    async def close(self) -> None:
        if self.subscription is not None:
            subscription, self.subscription = self.subscription, None
            await subscription.unsubscribe()


def outcome(msg: Msg) -> str:
    """"" for a PubAck, else the refusal as `publish_async` would raise it."""
    if msg.headers and msg.headers.get(Header.STATUS.value) == NO_RESPONDERS:
        return describe(NoStreamResponseError())
    try:
        answer: Any = json.loads(msg.data)
    except ValueError:
        return f"not an ack: {msg.data[:200]!r}"
    if not isinstance(answer, dict):
        return f"not an ack: {msg.data[:200]!r}"
    if "error" in answer:
        try:
            APIError.from_error(answer["error"])  # (raises the error's class, by its code)
        except APIError as refused:
            return describe(refused)
        except Exception:  # noqa: BLE001 - an error without a code
            return f"refused: {answer['error']!r}"[:2000]
    if "stream" not in answer or "seq" not in answer:
        return f"not an ack: {msg.data[:200]!r}"
    return ""
