"""The read lane's own client for the services (lane.py): one GET on a kept-alive HTTP/1.1 connection, its answer
read whole and handed to a callback (`UpstreamReads.send`, the lane's, from the event loop's callbacks: no task or
future per read) or awaited (`get`).

aiohttp (runtime.upstream_client, every other call: writes, uploads, streamed pages) costs about 70 µs of CPU per
forwarded read on the bench's machine: a third of what the gateway spent per read (bench/README.md, "The
gateway's read lane, and the floor of a hop"). A read needs a fraction of its features: a request written in one
piece, the answer parsed by httptools (the parser uvicorn's protocol uses), connections kept per service and
reused, the newest first.

- An answer larger than MAX_BYTES (256 KiB) is not read on (the connection is closed, `TooLarge`): the lane
  leaves such a read to the full path, which streams it.
- A kept connection that turns out closed before any byte of the answer came back (the service restarted, or
  closed it just then) is retried once on a new one: a read is safe to repeat. Connections idle for longer than
  runtime.UPSTREAM_KEEPALIVE_SECONDS are closed, shorter than the services keep them, so that the gateway, not the
  service, is the one to close them.
- The answer is awaited at most `timeout` seconds (REGIE_UPSTREAM_TIMEOUT), the connection `CONNECT_SECONDS`;
  an https service is called with the same verifying context as aiohttp's (its certificate and host name).
- Any failure is an `UpstreamFailed` (raised by `get`) and leaves nothing behind: the connection is closed, never
  kept. A read whose caller stopped waiting is still read to its end, within its timeout, and its connection kept:
  closing it would cost the service a new connection for nothing."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

MAX_BYTES = 256 * 1024
"""Read whole at most this much per answer (a larger one: the full path, which streams it): a bound on what many
reads at once can hold in the gateway's memory."""
CONNECT_SECONDS = 5.0


class UpstreamFailed(Exception):
    """The read did not get a whole answer: not reachable, closed, timed out, unparsable or too large."""


class TimedOut(UpstreamFailed):
    """No whole answer within the timeout: never tried again (the service is slow, not gone)."""


class TooLarge(UpstreamFailed):
    """The answer is larger than MAX_BYTES."""


@dataclass
class Answer:
    status: int
    head: bytes
    """The status line and the header lines as the service sent them, without the blank line."""
    body: bytes

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        """The head's headers, names lower-cased."""
        fields = []
        for line in self.head.split(b"\r\n")[1:]:
            name, _colon, value = line.partition(b":")
            fields.append((name.lower(), value.strip(b" \t")))
        return fields


Done = Callable[[Answer | UpstreamFailed], None]
"""What is called with a read's answer, or with why there is none: once, from the event loop's callbacks."""


class Connection(asyncio.Protocol):
    """One kept-alive connection to a service, one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.done: Done | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.deadline = 0.0
        """The loop's time by which the read asked for must be answered."""
        self.data = b""
        """The answer's bytes as received, up to the end of its head at least."""
        self.head_seen = False
        self.body: list[bytes] = []
        self.size = 0
        self.received = False
        self.reusable = False
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self.done is None:  # nothing asked: the service said something it should not have
            self.close()
            return
        if not self.head_seen:  # its head is taken from the bytes received (on_message_complete)
            self.data = self.data + data if self.data else data
            if len(self.data) > MAX_BYTES:
                self.fail(TooLarge(f"the answer's head is larger than {MAX_BYTES} bytes"))
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.fail(UpstreamFailed(f"unparsable answer: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self.transport = None
        self.fail(UpstreamFailed("the service closed the connection"))

    # httptools callbacks (the head is read from the bytes received: one call instead of one per header)
    def on_headers_complete(self) -> None:
        self.head_seen = True

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > MAX_BYTES:
            self.fail(TooLarge(f"the answer is larger than {MAX_BYTES} bytes"))
            return
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.done is None:  # failed on the way (too large): the connection is closing
            return
        status = self.parser.get_status_code()
        head_end = self.data.find(b"\r\n\r\n")
        if status < 200:  # an informational answer (it has no body): the answer itself follows
            self.data, self.head_seen = self.data[head_end + 4:], False
            return
        done, self.done = self.done, None
        self.reusable = self.parser.should_keep_alive()
        done(Answer(status, self.data[:head_end], b"".join(self.body)))

    # the client's side
    def ask(self, request: bytes, done: Done, timeout: float) -> None:
        """Sends `request`; `done` is called with its answer, or with the failure, within `timeout` seconds."""
        assert self.transport is not None and self.done is None
        self.done = done
        self.data, self.head_seen, self.body, self.size, self.received, self.reusable = b"", False, [], 0, False, False
        self.deadline = self.loop.time() + timeout
        if self.timer is None:  # one timer per connection, moved on as its reads are answered (not one per read)
            self.timer = self.loop.call_at(self.deadline, self.timed)
        self.transport.write(request)

    def timed(self) -> None:
        self.timer = None
        if self.done is None:  # answered, and not asked again since: the next read sets a timer again
            return
        if self.loop.time() >= self.deadline:
            self.fail(TimedOut("the service did not answer in time"))
        else:
            self.timer = self.loop.call_at(self.deadline, self.timed)

    def fail(self, exc: UpstreamFailed) -> None:
        done, self.done = self.done, None
        self.close()
        if done is not None:
            done(exc)

    def close(self) -> None:
        self.reusable = False
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.transport is not None:
            self.transport.close()


@dataclass(frozen=True)
class Origin:
    host: str
    port: int
    tls: bool
    host_header: bytes


def origin_of(url: str) -> Origin:
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    return Origin(parts.hostname or "", port, tls, parts.netloc.encode("idna"))


class UpstreamReads:
    """The lane's connections, per service origin."""

    def __init__(self, timeout: float, keepalive: float, ssl_context: ssl.SSLContext | None) -> None:
        self.timeout = timeout
        self.keepalive = keepalive
        self.ssl_context = ssl_context
        self.idle: dict[Origin, list[Connection]] = {}
        self.loop = asyncio.get_running_loop()
        self.origins: dict[str, Origin] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def origin(self, base: str) -> Origin:
        origin = self.origins.get(base)
        if origin is None:
            origin = self.origins[base] = origin_of(base)
        return origin

    async def get(self, base: str, target: str, headers: Iterable[tuple[str, str]]) -> Answer:
        """GET `target` (path and query) of the service at `base` with `headers`: its whole answer."""
        origin = self.origin(base)
        lines = [f"GET {target} HTTP/1.1\r\n".encode("latin-1"), b"host: ", origin.host_header, b"\r\n"]
        for name, value in headers:
            lines += [name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n"]
        lines.append(b"\r\n")
        answered: asyncio.Future[Answer] = self.loop.create_future()

        def done(result: Answer | UpstreamFailed) -> None:
            if answered.done():  # the caller went away: the connection went back to the pool all the same
                return
            if isinstance(result, UpstreamFailed):
                answered.set_exception(result)
            else:
                answered.set_result(result)

        self.send(origin, b"".join(lines), done)
        return await answered

    def send(self, origin: Origin, request: bytes, done: Done) -> None:
        """Sends `request` (a whole GET, its Host header `origin.host_header`) to `origin`: on a kept connection
        when there is one, else on a new one. `done` is called with the answer or the failure."""
        connection = self.kept(origin)
        if connection is None:
            self.connecting(origin, request, done)
        else:
            self.ask(connection, origin, request, done, kept=True)

    def ask(self, connection: Connection, origin: Origin, request: bytes, done: Done, *, kept: bool) -> None:
        def answered(result: Answer | UpstreamFailed) -> None:
            if isinstance(result, Answer):
                if connection.reusable:
                    connection.idle_since = time.monotonic()
                    self.idle.setdefault(origin, []).append(connection)
                else:
                    connection.close()
            elif kept and not connection.received and not isinstance(result, TimedOut):
                # A kept connection that was closed before any of the answer came: once more, on a new one.
                self.connecting(origin, request, done)
                return
            done(result)

        connection.ask(request, answered, self.timeout)

    def connecting(self, origin: Origin, request: bytes, done: Done) -> None:
        task = self.loop.create_task(self.connected(origin, request, done))
        self.tasks.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self.tasks.discard)

    async def connected(self, origin: Origin, request: bytes, done: Done) -> None:
        try:
            connection = await self.connect(origin)
        except UpstreamFailed as exc:
            done(exc)
            return
        self.ask(connection, origin, request, done, kept=False)

    def kept(self, origin: Origin) -> Connection | None:
        """The most recently used idle connection to `origin` still open and within its keep-alive; those idle for
        longer are closed on the way."""
        idle = self.idle.get(origin)
        oldest = time.monotonic() - self.keepalive
        while idle and idle[0].idle_since <= oldest:
            idle.pop(0).close()
        while idle:
            connection = idle.pop()
            if connection.transport is not None and connection.reusable and connection.idle_since > oldest:
                return connection
            connection.close()
        return None

    async def connect(self, origin: Origin) -> Connection:
        loop = self.loop
        try:
            async with asyncio.timeout(CONNECT_SECONDS):
                _transport, connection = await loop.create_connection(
                    lambda: Connection(loop), origin.host, origin.port,
                    ssl=(self.ssl_context or True) if origin.tls else None,
                    server_hostname=origin.host if origin.tls else None)
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise UpstreamFailed(f"the service is not reachable: {exc}") from exc
        return connection

    def close(self) -> None:
        for connections in self.idle.values():
            for connection in connections:
                connection.close()
        self.idle.clear()
