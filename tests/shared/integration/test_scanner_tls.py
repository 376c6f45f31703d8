"""The clamd client over TLS (REGIE_CLAMD_URL tls://…, REGIE_CLAMD_CA_FILE), as on Kubernetes where clamd, which
speaks no TLS, listens on its pod's loopback behind a TLS terminator (deploy/k8s/base/clamav.yaml). Here the
terminator is Debian's stunnel (`make install` puts it in place) with a certificate of a CA made in the test,
in front of the clamd the stack starts with the project's signatures."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.scanner import Clamd, ScanFailed
from tests.pki import InternalCA
from tests.support import EICAR, EICAR_SIGNATURE, closed_port


@dataclass(frozen=True)
class Terminator:
    port: int
    ca: InternalCA

    def clamd(self, host: str = "localhost", ca_file: Path | None = None) -> Clamd:
        return Clamd.from_url(f"tls://{host}:{self.port}", timeout_seconds=10,
                              ca_file=str(ca_file or self.ca.ca_file))


def stunnel() -> str:
    found = shutil.which("stunnel") or shutil.which("stunnel4")
    if found is None:
        pytest.fail("stunnel is not installed: run `make install` (it installs Debian's stunnel4)")
    return found


@pytest.fixture(scope="module")
def terminator(infra: Stack, stack_config: StackConfig, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Terminator]:
    """stunnel on a free port, TLS with a certificate for `localhost`, passing the plain bytes to the stack's
    clamd: the sidecar of the clamd pod, on one machine."""
    folder = tmp_path_factory.mktemp("clamd-tls")
    ca = InternalCA(folder / "pki")
    cert_file, key_file = ca.issue("clamd", "localhost")
    port = closed_port()
    config = folder / "stunnel.conf"
    config.write_text("\n".join([
        "foreground = yes", "pid =", "syslog = no", "debug = warning",
        "[clamd]", f"accept = 127.0.0.1:{port}", f"connect = {stack_config.host}:{stack_config.port('clamd')}",
        f"cert = {cert_file}", f"key = {key_file}", "sslVersionMin = TLSv1.2", "",
    ]))
    process = subprocess.Popen([stunnel(), str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"stunnel did not start: {process.communicate()[1].decode()}") from None
            time.sleep(0.1)
    yield Terminator(port, ca)
    process.terminate()
    process.wait(10)


async def test_the_eicar_file_is_found_over_tls(terminator: Terminator) -> None:
    clamd = terminator.clamd()
    assert repr(clamd) == f"Clamd(tls://localhost:{terminator.port})"
    await clamd.ping()
    assert await clamd.scan(io.BytesIO(EICAR)) == EICAR_SIGNATURE


async def test_a_clean_file_passes_over_tls_and_the_whole_stream_is_scanned(terminator: Terminator) -> None:
    clamd = terminator.clamd()
    assert await clamd.scan(io.BytesIO(b"%PDF-1.4\n% begroting 2027\n%%EOF\n")) is None
    body = b"%PDF-1.4\n" + b"% opvulling\n" * (1024 * 1024 // 12 + 1) + EICAR + b"\n%%EOF\n"
    assert await clamd.scan(io.BytesIO(body)) == EICAR_SIGNATURE


async def test_a_terminator_of_another_ca_gives_no_verdict(terminator: Terminator,
                                                           tmp_path: Path) -> None:
    """Scanner down or not the one we trust: the upload is refused (ScanFailed), never scanned unverified."""
    other = InternalCA(tmp_path, name="someone-else")
    with pytest.raises(ScanFailed, match="CERTIFICATE_VERIFY_FAILED"):
        await terminator.clamd(ca_file=other.ca_file).scan(io.BytesIO(EICAR))


async def test_a_terminator_reached_by_another_name_gives_no_verdict(terminator: Terminator) -> None:
    with pytest.raises(ScanFailed, match="CERTIFICATE_VERIFY_FAILED"):
        await terminator.clamd(host="127.0.0.1").ping()  # the certificate names localhost only


async def test_clamds_protocol_in_clear_at_the_tls_port_gives_no_verdict(terminator: Terminator) -> None:
    with pytest.raises(ScanFailed):
        await Clamd.from_url(f"tcp://127.0.0.1:{terminator.port}", timeout_seconds=5).scan(io.BytesIO(EICAR))
