"""The floor of the gateway's overhead on this machine: a bare forwarder in Python in front of partners, measured
in the same run as the gateway (bench/tenant_read.py). It does nothing but what any hop must: read a request, send
it on over a kept connection, read the answer and send it back (asyncio on uvloop, one process, answers framed
by Content-Length). No token, no limits, no log line, no metrics, no request id, no checks of any kind: what the
gateway adds over it is the cost of what the gateway does, not of being a hop.

Only for the bench's own read: a GET without a body whose answer carries Content-Length.

    python -m bench.raw_forward --port 24951 --upstream 127.0.0.1:24102"""

from __future__ import annotations

import argparse
import asyncio

import uvloop

HEAD_END = b"\r\n\r\n"


class Upstream(asyncio.Protocol):
    """One kept connection to the service; one request on it at a time."""

    def __init__(self, idle: list[Upstream]) -> None:
        self.idle = idle
        self.transport: asyncio.Transport | None = None
        self.client: Client | None = None
        self.buffer = b""
        self.length = -1

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.length < 0:
            end = self.buffer.find(HEAD_END)
            if end < 0:
                return
            body = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    body = int(value)
            self.length = end + len(HEAD_END) + body
        if len(self.buffer) >= self.length:
            answer, self.buffer, self.length = self.buffer[:self.length], self.buffer[self.length:], -1
            client, self.client = self.client, None
            self.idle.append(self)
            if client is not None and client.transport is not None:
                client.answer(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        if self in self.idle:
            self.idle.remove(self)
        if self.client is not None and self.client.transport is not None:
            self.client.transport.close()


class Client(asyncio.Protocol):
    def __init__(self, upstream: tuple[str, int], idle: list[Upstream]) -> None:
        self.upstream = upstream
        self.idle = idle
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.peer: str = transport.get_extra_info("peername")[0]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(HEAD_END)
        if end < 0 or self.transport is None:
            return
        head, self.buffer = self.buffer[:end], self.buffer[end + len(HEAD_END):]
        payload = self.forwarded(head)
        if self.idle:
            upstream = self.idle.pop()
            upstream.client = self
            assert upstream.transport is not None
            upstream.transport.write(payload)
        else:
            asyncio.ensure_future(self.connect(payload))

    def forwarded(self, head: bytes) -> bytes:
        """The request (its head, without the blank line) as sent on to the service."""
        lines = head.split(b"\r\n")
        method, target, version = lines[0].split(b" ")
        # /<tenant>/api/<service>/<path> → /<tenant>/<path>, as the gateway maps it
        parts = target.split(b"/", 4)
        forwarded = [b" ".join([method, b"/" + parts[1] + b"/" + parts[4], version])]
        forwarded += [line for line in lines[1:] if not line.lower().startswith((b"host:", b"connection:"))]
        forwarded += [b"host: upstream", b"x-forwarded-for: " + self.peer.encode()]
        return b"\r\n".join(forwarded) + HEAD_END

    def answer(self, answer: bytes) -> None:
        """The service's whole answer (head and body), sent back."""
        assert self.transport is not None
        self.transport.write(answer)

    async def connect(self, payload: bytes) -> None:
        transport, upstream = await asyncio.get_running_loop().create_connection(
            lambda: Upstream(self.idle), *self.upstream)
        upstream.client = self
        transport.write(payload)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(port: int, upstream: tuple[str, int], client: type[Client] = Client) -> None:
    idle: list[Upstream] = []
    server = await asyncio.get_running_loop().create_server(lambda: client(upstream, idle), "127.0.0.1", port,
                                                            backlog=2048)
    await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.raw_forward", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="host:port of the service")
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    uvloop.run(serve(args.port, (host, int(port))))


if __name__ == "__main__":
    main()
