"""An answer's writes sent together (shared/http_server.py): on a transport that records what reaches the socket,
and under uvicorn itself on a real socket (whole answers; a streamed one, its first part received before the rest is
made; a connection closed after its answer)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
import uvicorn

from shared.http_server import HELD_BYTES, CoalescedWrites, CoalescingHttpToolsProtocol


class Socket(asyncio.Transport):
    """What the protocol's writes would have sent: one entry per system call."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: Any) -> None:
        self.sent.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self.sent.append(b"".join(bytes(d) for d in list_of_data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def get_write_buffer_size(self) -> int:
        return 0


async def test_the_writes_of_one_turn_reach_the_socket_in_one_call() -> None:
    sent = Socket()
    writes = CoalescedWrites(sent, asyncio.get_running_loop())
    writes.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    writes.write(b"{}")
    assert sent.sent == []  # held until the loop's next turn
    assert writes.get_write_buffer_size() == 40
    await asyncio.sleep(0)
    assert sent.sent == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
    writes.write(b"next")  # a later turn's writes go out in that turn
    await asyncio.sleep(0)
    assert sent.sent[1:] == [b"next"]


async def test_a_buffer_changed_after_its_write_is_sent_as_it_was_written() -> None:
    sent = Socket()
    writes = CoalescedWrites(sent, asyncio.get_running_loop())
    body = bytearray(b"first")
    writes.write(body)
    body[:] = b"later"
    await asyncio.sleep(0)
    assert sent.sent == [b"first"]


async def test_a_large_answer_is_sent_once_enough_is_held_and_the_rest_in_its_turn() -> None:
    sent = Socket()
    writes = CoalescedWrites(sent, asyncio.get_running_loop())
    chunk = b"x" * (HELD_BYTES // 2)
    writes.write(chunk)
    writes.write(chunk)
    writes.write(b"tail")
    assert sent.sent == [chunk + chunk]  # not all of a large answer waits in memory
    await asyncio.sleep(0)
    assert sent.sent == [chunk + chunk, b"tail"]


async def test_close_sends_what_is_held_first_and_abort_drops_it() -> None:
    sent = Socket()
    writes = CoalescedWrites(sent, asyncio.get_running_loop())
    writes.write(b"answer")
    writes.close()
    assert sent.sent == [b"answer"] and sent.closed
    await asyncio.sleep(0)
    assert sent.sent == [b"answer"]  # not sent twice

    dropped = Socket()
    writes = CoalescedWrites(dropped, asyncio.get_running_loop())
    writes.write(b"answer")
    writes.abort()
    await asyncio.sleep(0)
    assert dropped.sent == [] and dropped.aborted


PROCEED: list[asyncio.Event] = []
"""The streamed answer goes on after its first part only when the test has received that part."""


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"one,", "more_body": True})
        await PROCEED[-1].wait()
        for part in (b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    body = b'{"ok": true}'
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


@pytest.fixture
async def server() -> Any:
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_config=None, access_log=False, http=CoalescingHttpToolsProtocol, lifespan="off")
    served = uvicorn.Server(config)
    task = asyncio.create_task(served.serve(sockets=[listening]))
    while not served.started:
        await asyncio.sleep(0.01)
    yield listening.getsockname()[1]
    served.should_exit = True
    await task


async def exchange(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=5)  # to the end: the server closes
    writer.close()
    return answer


async def test_uvicorn_answers_whole_and_closes_when_asked(server: int) -> None:
    answer = await exchange(server, b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"connection: close" in head
    assert body == b'{"ok": true}'


async def test_uvicorn_streams_a_body_produced_over_several_turns(server: int) -> None:
    PROCEED.append(asyncio.Event())
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    writer.write(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
    first = await asyncio.wait_for(reader.readuntil(b"one,\r\n"), timeout=5)  # before the rest is produced
    assert first.startswith(b"HTTP/1.1 200 OK") and b"transfer-encoding: chunked" in first
    PROCEED[-1].set()
    rest = await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), timeout=5)
    assert b"two," in rest and b"three" in rest
    writer.write(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")  # the connection kept alive
    assert (await asyncio.wait_for(reader.read(), timeout=5)).endswith(b'{"ok": true}')
    writer.close()
