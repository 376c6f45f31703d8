"""The HTTP server's protocol: uvicorn's own (httptools), with an answer's writes sent to the socket together.

uvicorn writes an answer's status line and headers as soon as the application starts the response, and its body
when the application sends it: two `send` system calls per answer, two TCP segments, and on the other side (the
gateway's pooled client, a browser) two reads. On the 2-core machine of bench/README.md ("One write per answer")
a system call costs about 28 µs, as much as a tenth of what a forwarded read costs the gateway. `CoalescedWrites`
holds what is written until the event loop's next turn (or until 64 KiB are held), then hands it to the socket in
one call: the headers and a body sent in the same step of the application go out together. A long answer still
streams: every turn of the loop sends what was written in it.

Everything else (reading, flow control, closing, TLS) is the transport's and uvicorn's, unchanged; a close or an
end of writing sends what is held first, an abort drops it (as the transport drops its own buffer)."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HELD_BYTES = 64 * 1024
"""Held at most this much before it is sent at once, within the same turn."""


class CoalescedWrites(asyncio.Transport):
    """A transport that passes writes on to `transport` once per turn of the event loop, joined."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.transport = transport
        self.loop = loop
        self.held: list[bytes] = []
        self.held_bytes = 0
        self.flush_handle: asyncio.Handle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not isinstance(data, bytes):  # a buffer the caller may change after this call: copied, as a transport does
            data = bytes(data)
        self.held.append(data)
        self.held_bytes += len(data)
        if self.held_bytes >= HELD_BYTES:
            self.flush()
        elif self.flush_handle is None:
            self.flush_handle = self.loop.call_soon(self.flush)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """What is held, to the socket in one call."""
        if self.flush_handle is not None:
            self.flush_handle.cancel()
            self.flush_handle = None
        held, self.held, self.held_bytes = self.held, [], 0
        if not held or self.transport.is_closing():
            return
        if len(held) == 1:
            self.transport.write(held[0])
        else:
            self.transport.writelines(held)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        if self.flush_handle is not None:
            self.flush_handle.cancel()
            self.flush_handle = None
        self.held, self.held_bytes = [], 0
        self.transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def can_write_eof(self) -> bool:
        return self.transport.can_write_eof()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self.transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.transport.get_protocol()

    def pause_reading(self) -> None:
        self.transport.pause_reading()

    def resume_reading(self) -> None:
        self.transport.resume_reading()

    def is_reading(self) -> bool:
        return self.transport.is_reading()

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + self.held_bytes

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.transport.set_write_buffer_limits(high, low)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a `CoalescedWrites` transport (uvicorn.run(..., http=this class))."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.writes = CoalescedWrites(transport, self.loop)
        super().connection_made(self.writes)
