"""The read lane's client for the services (services/gateway/upstream_reads.py), against a service on a real socket
whose every answer and misbehaviour the test decides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.gateway.upstream_reads import MAX_BYTES, TimedOut, TooLarge, UpstreamFailed, UpstreamReads

Answering = Callable[[bytes, asyncio.StreamWriter, int], Awaitable[bool]]
"""Given a request's head, the connection and how many requests it carried before: answers (or not); False
closes the connection."""


@dataclass
class Service:
    url: str = ""
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)


def ok(body: bytes = b'{"ok": true}', extra: bytes = b"") -> bytes:
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


@pytest.fixture
async def service(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Service, Callable[[Answering], None]]]:
    seen = Service()
    answering: list[Answering] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                seen.requests.append(head)
                if not await answering[-1](head, writer, served):
                    break
                served += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    seen.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    yield seen, answering.append
    server.close()


async def test_reads_share_one_kept_connection_and_send_the_request_as_given(service: Any) -> None:
    seen, answer_with = service

    async def answer(head: bytes, writer: asyncio.StreamWriter, served: int) -> bool:
        writer.write(ok(b'{"n": %d}' % served, b"vary: accept\r\nvary: accept-language\r\n"))
        return True

    answer_with(answer)
    reads = UpstreamReads(5.0, 30.0, None)
    first = await reads.get(seen.url, "/antwerpen/organisations/a%2Fb?limit=5", [("x-request-id", "r-1")])
    second = await reads.get(seen.url, "/antwerpen/organisations", [])
    assert (first.status, first.body, second.body) == (200, b'{"n": 0}', b'{"n": 1}')
    assert first.headers.count((b"vary", b"accept")) == 1 and (b"vary", b"accept-language") in first.headers
    assert seen.connections == 1
    host = seen.url.removeprefix("http://").encode()
    assert seen.requests[0] == (b"GET /antwerpen/organisations/a%2Fb?limit=5 HTTP/1.1\r\nhost: " + host
                                + b"\r\nx-request-id: r-1\r\n\r\n")
    reads.close()


async def test_a_kept_connection_the_service_closed_is_tried_once_more_on_a_new_one(service: Any) -> None:
    """The service restarted, or ended the keep-alive just then: the read is sent again, not failed."""
    seen, answer_with = service

    async def answer_once(head: bytes, writer: asyncio.StreamWriter, served: int) -> bool:
        if served:  # the second request on a connection: closed without a word
            return False
        writer.write(ok())
        return True

    answer_with(answer_once)
    reads = UpstreamReads(5.0, 30.0, None)
    assert (await reads.get(seen.url, "/a", [])).status == 200
    assert (await reads.get(seen.url, "/b", [])).body == b'{"ok": true}'
    assert seen.connections == 2 and len(seen.requests) == 3

    async def never(head: bytes, writer: asyncio.StreamWriter, served: int) -> bool:
        return False

    answer_with(never)  # closed on every request: one retry, then the failure
    with pytest.raises(UpstreamFailed, match="closed"):
        await reads.get(seen.url, "/c", [])
    assert len(seen.requests) == 5


async def test_a_service_that_does_not_answer_in_time_is_not_asked_again(service: Any) -> None:
    seen, answer_with = service

    async def silent(head: bytes, writer: asyncio.StreamWriter, served: int) -> bool:
        await asyncio.sleep(5)
        return False

    answer_with(silent)
    reads = UpstreamReads(0.2, 30.0, None)
    with pytest.raises(TimedOut):
        await reads.get(seen.url, "/slow", [])
    assert len(seen.requests) == 1 and not reads.idle.get(next(iter(reads.origins.values())))


async def test_an_answer_over_the_limit_is_refused_and_its_connection_closed(service: Any) -> None:
    seen, answer_with = service

    async def large(head: bytes, writer: asyncio.StreamWriter, served: int) -> bool:
        writer.write(ok(b"x" * (MAX_BYTES + 1)))
        await writer.drain()
        return True

    answer_with(large)
    reads = UpstreamReads(5.0, 30.0, None)
    with pytest.raises(TooLarge):
        await reads.get(seen.url, "/large", [])
    assert not any(reads.idle.values()), "the connection is not kept"


async def test_a_chunked_answer_is_read_whole(service: Any) -> None:
    seen, answer_with = service

    async def chunked(head: bytes, writer: asyncio.StreamWriter, served: int) -> bool:
        writer.write(b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        return True

    answer_with(chunked)
    reads = UpstreamReads(5.0, 30.0, None)
    answer = await reads.get(seen.url, "/missing", [])
    assert (answer.status, answer.body) == (404, b"abcde")
    assert (await reads.get(seen.url, "/missing", [])).body == b"abcde" and seen.connections == 1


async def test_a_connection_idle_past_its_keep_alive_is_closed_and_not_used(service: Any) -> None:
    seen, answer_with = service

    async def answer(head: bytes, writer: asyncio.StreamWriter, served: int) -> bool:
        writer.write(ok())
        return True

    answer_with(answer)
    reads = UpstreamReads(5.0, 0.05, None)
    await reads.get(seen.url, "/a", [])
    kept = next(iter(reads.idle.values()))[0]
    await asyncio.sleep(0.1)
    await reads.get(seen.url, "/b", [])
    assert seen.connections == 2 and (kept.transport is None or kept.transport.is_closing())


async def test_a_read_given_up_on_mid_answer_does_not_leave_its_connection_for_the_next(service: Any) -> None:
    """The client went away: the half-read answer must not become the next read's."""
    seen, answer_with = service

    async def slow(head: bytes, writer: asyncio.StreamWriter, served: int) -> bool:
        if b"/slow" in head:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf")
            await asyncio.sleep(5)
            return False
        writer.write(ok())
        return True

    answer_with(slow)
    reads = UpstreamReads(5.0, 30.0, None)
    task = asyncio.ensure_future(reads.get(seen.url, "/slow", []))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await reads.get(seen.url, "/fast", [])).body == b'{"ok": true}'
    assert seen.connections == 2


async def test_a_service_that_is_not_there_fails_the_read() -> None:
    reads = UpstreamReads(5.0, 30.0, None)
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(UpstreamFailed, match="not reachable"):
        await reads.get(f"http://127.0.0.1:{port}", "/a", [])
