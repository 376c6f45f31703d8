"""Virus scanning by ClamAV's daemon, clamd, over its own TCP protocol (the `clamd` manual, "COMMANDS").

One connection per scan: `zINSTREAM`, then the file in chunks, each prefixed by its length as four bytes in
network order, then a chunk of length zero; clamd answers one NUL-terminated line: `stream: OK`,
`stream: <signature> FOUND`, or a message ending in `ERROR` (among them `INSTREAM size limit exceeded`, when
the file is longer than its StreamMaxLength). Every step has a deadline: a scanner that is slow, down or
answers anything else raises `ScanFailed`, and the caller refuses the file: an unscanned file is never taken
for a clean one.

clamd speaks no TLS. Across a network it is reached through a TLS terminator in front of it (on Kubernetes a
sidecar in clamd's pod, deploy/k8s/base/clamav.yaml), as `tls://host:port`: the connection is TLS, the
terminator's certificate and host name checked against the CA given, and the protocol inside it the same.
A terminator whose certificate does not verify gives no verdict either: ScanFailed, never a scan in clear.

Written on asyncio streams rather than a client package: the Python clamd clients are unmaintained, and the
protocol is these few lines."""

from __future__ import annotations

import asyncio
import ssl
import struct
from typing import BinaryIO
from urllib.parse import urlsplit

from shared.tls import verifying_context

SCHEMES = ("tcp", "tls")
"""tcp: clamd itself; tls: clamd behind its TLS terminator."""

CHUNK_BYTES = 64 * 1024
"""Well under clamd's StreamMaxLength; each chunk is one length-prefixed write."""


class ScanFailed(Exception):
    """clamd could not be reached, did not answer in time, or could not scan the file: no verdict."""


class Clamd:
    def __init__(self, host: str, port: int, *, timeout_seconds: float = 30.0,
                 tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.port = port
        self.timeout_seconds = timeout_seconds
        self.tls = tls
        """None: plain TCP; else the client context the terminator's certificate is checked with (for `host`)."""

    @classmethod
    def from_url(cls, url: str, *, timeout_seconds: float = 30.0, ca_file: str = "") -> Clamd:
        """`tcp://host:port` or `tls://host:port`, as REGIE_CLAMD_URL gives it; with tls, the terminator is checked
        against `ca_file` (REGIE_CLAMD_CA_FILE), or the system's CAs without one."""
        host, port = parse_url(url)
        tls = None
        if urlsplit(url).scheme == "tls":
            tls = verifying_context(ca_file) if ca_file else ssl.create_default_context()
        return cls(host, port, timeout_seconds=timeout_seconds, tls=tls)

    def __repr__(self) -> str:
        return f"Clamd({'tls' if self.tls else 'tcp'}://{self.host}:{self.port})"

    async def ping(self) -> None:
        """clamd answers PONG, or ScanFailed."""
        reply = await self._exchange(b"zPING\0", None)
        if reply != "PONG":
            raise ScanFailed(f"clamd at {self.host}:{self.port} answered {reply!r} to PING")

    async def scan(self, source: BinaryIO) -> str | None:
        """The signature clamd finds in `source` (read from where it stands to its end), or None when the file is
        clean. ScanFailed when there is no verdict."""
        reply = await self._exchange(b"zINSTREAM\0", source)
        if reply == "stream: OK":
            return None
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            return reply[len("stream: "):-len(" FOUND")].strip() or "unknown"
        raise ScanFailed(f"clamd at {self.host}:{self.port} could not scan the file: {reply!r}")

    async def _exchange(self, command: bytes, source: BinaryIO | None) -> str:
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(self.timeout_seconds):
                reader, writer = await asyncio.open_connection(self.host, self.port, ssl=self.tls,
                                                               server_hostname=self.host if self.tls else None)
                writer.write(command)
                if source is not None:
                    while chunk := source.read(CHUNK_BYTES):
                        writer.write(struct.pack(">I", len(chunk)) + chunk)
                        await writer.drain()
                    writer.write(struct.pack(">I", 0))
                await writer.drain()
                reply = await reader.readuntil(b"\0")
                writer.close()
                await writer.wait_closed()
        except TimeoutError as exc:
            raise ScanFailed(f"clamd at {self.host}:{self.port} did not answer within "
                             f"{self.timeout_seconds:g} s") from exc
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            # Refused, reset (clamd drops the connection of a stream over its StreamMaxLength), cut short, or a
            # terminator whose certificate does not verify (ssl.SSLError is an OSError).
            raise ScanFailed(f"clamd at {self.host}:{self.port}: {exc or type(exc).__name__}") from exc
        finally:
            if writer is not None and not writer.is_closing():
                writer.transport.abort()  # a failed exchange: nothing left to flush to a scanner that is stuck
        return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def parse_url(url: str) -> tuple[str, int]:
    """(host, port) of `tcp://host:port` or `tls://host:port`; ValueError for anything else."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in SCHEMES or not parts.hostname or port is None or parts.path not in {"", "/"}:
        raise ValueError(f"REGIE_CLAMD_URL must look like tcp://host:3310 or tls://host:3311, got {url!r}")
    return parts.hostname, port
