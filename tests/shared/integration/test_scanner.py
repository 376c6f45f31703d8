"""The clamd client against the clamd the stack starts (with the project's own signatures, devstack/clamav/)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.scanner import Clamd, ScanFailed, parse_url
from tests.support import EICAR, EICAR_SIGNATURE, closed_port


@pytest.fixture(scope="module")
def clamd(infra: Stack, stack_config: StackConfig) -> Clamd:
    return Clamd.from_url(stack_config.clamd_url, timeout_seconds=30)


async def test_clamd_answers_ping(clamd: Clamd) -> None:
    await clamd.ping()


async def test_the_eicar_file_is_found(clamd: Clamd) -> None:
    assert await clamd.scan(io.BytesIO(EICAR)) == EICAR_SIGNATURE


async def test_a_clean_file_is_ok(clamd: Clamd) -> None:
    assert await clamd.scan(io.BytesIO(b"%PDF-1.4\n% begroting 2027\n%%EOF\n")) is None
    assert await clamd.scan(io.BytesIO(b"EICAR-STANDARD is only half of it" * 1000)) is None


async def test_eicar_after_the_first_megabyte_is_found_too(clamd: Clamd) -> None:
    """The whole stream is scanned, over many chunks, not only its beginning."""
    body = b"%PDF-1.4\n" + b"% opvulling\n" * (1024 * 1024 // 12 + 1) + EICAR + b"\n%%EOF\n"
    assert len(body) > 1024 * 1024
    assert await clamd.scan(io.BytesIO(body)) == EICAR_SIGNATURE


async def test_the_scan_starts_where_the_file_stands(clamd: Clamd) -> None:
    source = io.BytesIO(EICAR + b"\nschoon")
    source.seek(len(EICAR))
    assert await clamd.scan(source) is None


async def test_a_file_over_clamds_stream_limit_gets_no_verdict(clamd: Clamd) -> None:
    """clamd's StreamMaxLength equals the upload limit (25 MiB): one byte more is an error, never a half scan
    that passes."""
    with pytest.raises(ScanFailed):
        await clamd.scan(io.BytesIO(b"\0" * (25 * 1024 * 1024 + 1)))


async def test_a_scanner_that_is_down_gives_no_verdict() -> None:
    down = Clamd("127.0.0.1", closed_port(), timeout_seconds=5)
    with pytest.raises(ScanFailed, match="127.0.0.1"):
        await down.scan(io.BytesIO(EICAR))
    with pytest.raises(ScanFailed):
        await down.ping()


@asynccontextmanager
async def fake_scanner(
        handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> AsyncIterator[int]:
    """A server on a free port that answers as `handle` does: for the replies a healthy clamd never gives."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def test_a_scanner_that_never_answers_gives_no_verdict() -> None:
    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):
            pass
        writer.close()

    async with fake_scanner(swallow) as port:
        with pytest.raises(ScanFailed, match="did not answer"):
            await Clamd("127.0.0.1", port, timeout_seconds=0.5).scan(io.BytesIO(EICAR))


async def test_a_scanner_error_gives_no_verdict() -> None:
    async def fail(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"stream: Can't allocate memory ERROR\0")
        await writer.drain()
        writer.close()

    async with fake_scanner(fail) as port:
        with pytest.raises(ScanFailed, match="ERROR"):
            await Clamd("127.0.0.1", port, timeout_seconds=5).scan(io.BytesIO(b"schoon"))


@pytest.mark.parametrize("url", ["", "127.0.0.1:3310", "http://clamd:3310", "tcp://clamd", "tcp://clamd:drie",
                                 "tcp://clamd:3310/scan"])
def test_a_scanner_address_other_than_tcp_host_port_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="REGIE_CLAMD_URL"):
        parse_url(url)


def test_a_tcp_address_is_read() -> None:
    assert parse_url("tcp://clamd.regie.svc:3310") == ("clamd.regie.svc", 3310)
