"""Helpers the tests share: request headers, made-up enterprise numbers, reading what reached a stream, the
EICAR test file the virus scanner finds, and a request a process is answering (shared/foreground.py)."""

from __future__ import annotations

import asyncio
import random
import socket
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.events.envelope import decode
from shared.events.streams import stream_name
from shared.foreground import Foreground


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
"""The EICAR anti-virus test file: harmless bytes every scanner reports (the local clamd as
Regie.Test.EICAR.UNOFFICIAL, by devstack/clamav/regie-test.ndb)."""
EICAR_SIGNATURE = "Regie.Test.EICAR.UNOFFICIAL"


def infected_pdf() -> bytes:
    """A PDF that passes every type check and carries the EICAR file."""
    return b"%PDF-1.4\n% bijlage\n1 0 obj <<>> endobj\n% " + EICAR + b"\ntrailer <<>>\n%%EOF\n"


def closed_port() -> int:
    """A port nothing listens on: bound by the kernel's choice, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def random_enterprise_number() -> str:
    """A valid (mod-97) made-up KBO number, different each call."""
    first = f"0{random.randrange(10_000_000):07d}"
    return first + f"{97 - int(first) % 97:02d}"


async def stream_events(nats_url: str, subject: str, field: str, value: str, *, at_least: int = 1,
                        within: float = 10.0) -> list[dict]:
    """The events on `subject` whose data[field] == value, read with an ephemeral consumer from the start of
    the producer's stream; waits for at least `at_least` of them (the relay publishes asynchronously)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        nc = await nats.connect(nats_url)
        sub = await nc.jetstream().pull_subscribe(
            subject, durable=None, stream=stream_name(subject.split(".", 1)[0]),
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL))
        found: list[dict] = []
        while True:
            try:
                messages = await sub.fetch(500, timeout=0.5)
            except TimeoutError:
                # nats-py raises its own TimeoutError, or asyncio's when the server's answer to the first
                # probe comes late (a busy machine): both mean nothing more arrived in time.
                break
            for message in messages:
                envelope = decode(message.data)
                if envelope.data.get(field) == value:
                    found.append({"id": envelope.id, "type": envelope.type, "traceparent": envelope.traceparent,
                                  **envelope.data})
        await sub.unsubscribe()  # a pull subscription left registered makes drain() wait for its timeout
        await nc.drain()
        if len(found) >= at_least or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.2)


def held_request(foreground: Foreground) -> tuple[asyncio.Event, asyncio.Task[None]]:
    """A request `foreground` counts as being answered until the event returned is set (its answer then starts);
    and the task answering it."""
    answer = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await answer.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    return answer, asyncio.create_task(foreground.counting(app)({"type": "http", "path": "/"}, receive, send))


async def finished(task: asyncio.Task[Any], seconds: float = 0.05) -> bool:
    """Whether `task` is done within `seconds`."""
    await asyncio.wait([task], timeout=seconds)
    return task.done()
