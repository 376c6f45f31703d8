"""HTTPS between the gateway and the services (deploy/k8s: each service serves its own certificate of the internal
CA, the gateway checks it against REGIE_UPSTREAM_CA_FILE). A stand-in service runs as its own process, served by
shared.service_app.serve with a certificate of a CA made here; the gateway runs in-process with its real
upstream client and forwards a public read to it. No Keycloak and no NATS are needed: a public read carries no
token, and the rate limits count locally while NATS is away."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from cryptography import x509
from litestar.testing import TestClient

from services.gateway.app import create_app
from services.gateway.runtime import upstream_client
from services.gateway.settings import GatewaySettings
from services.gateway.upstream_reads import UpstreamFailed, UpstreamReads
from shared.settings import AuthSettings, NatsSettings, ServiceSettings
from shared.tls import verifying_context
from tests.pki import InternalCA, serial_of
from tests.support import closed_port

REPO = Path(__file__).resolve().parents[3]


@dataclass
class StandIn:
    """The stand-in service's process, its port and its certificate's files."""

    process: subprocess.Popen[bytes]
    port: int
    cert_file: Path
    key_file: Path

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"


def served_serial(port: int, ca_file: Path) -> int:
    """The serial number of the certificate the server on `port` presents to a new connection (checked against
    `ca_file` for the name localhost)."""
    context = ssl.create_default_context(cafile=str(ca_file))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der).serial_number


def calls(stand_in: StandIn, ca: InternalCA) -> int:
    response = httpx.get(f"{stand_in.url}/calls", verify=ssl.create_default_context(cafile=str(ca.ca_file)))
    return int(response.json()["echo"])


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> InternalCA:
    return InternalCA(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> InternalCA:
    return InternalCA(tmp_path_factory.mktemp("other-pki"), name="someone-else")


@pytest.fixture(scope="module")
def stand_in(ca: InternalCA) -> Iterator[StandIn]:
    cert_file, key_file = ca.issue("partners", "localhost")
    port = closed_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("REGIE_")}
    env |= {"REGIE_SERVICE": "partners", "REGIE_HTTP_HOST": "127.0.0.1", "REGIE_HTTP_PORT": str(port),
            "REGIE_HTTP_TLS_CERT": str(cert_file), "REGIE_HTTP_TLS_KEY": str(key_file)}
    process = subprocess.Popen([sys.executable, "-m", "tests.gateway.integration.tls_service"], cwd=REPO, env=env)
    deadline = time.monotonic() + 30
    while True:
        try:
            served_serial(port, ca.ca_file)
            break
        except OSError:
            assert process.poll() is None, "the stand-in service did not start"
            assert time.monotonic() < deadline, "the stand-in service did not answer over TLS"
            time.sleep(0.2)
    yield StandIn(process, port, cert_file, key_file)
    process.terminate()
    process.wait(10)


def gateway(partners_url: str, ca_file: Path, keycloak_url: str = "") -> TestClient[Any]:
    service = ServiceSettings(auth=AuthSettings(keycloak_url=keycloak_url or f"http://127.0.0.1:{closed_port()}"),
                              nats=NatsSettings(url=f"nats://127.0.0.1:{closed_port()}"), log_format="text")
    settings = GatewaySettings(service=service, public_url="http://gateway.test", partners_url=partners_url,
                               grants_url=f"https://localhost:{closed_port()}",
                               foodsavers_url=f"https://localhost:{closed_port()}",
                               upstream_ca_file=str(ca_file), session_secret="t" * 40)
    return TestClient(create_app(settings), base_url="http://gateway.test")


def upstream_checks(client: TestClient[Any]) -> dict[str, str]:
    """The gateway's readiness checks (503 here: no Keycloak; the services are reported all the same)."""
    checks: dict[str, str] = client.get("/health/ready").json()["checks"]
    return checks


def test_the_gateway_reaches_a_service_over_https_checked_against_the_internal_ca(
        stand_in: StandIn, ca: InternalCA) -> None:
    before = calls(stand_in, ca)
    # Keycloak "at" the stand-in: the internal CA is the services' trust, not the realms' client's (public CAs).
    with gateway(stand_in.url, ca.ca_file, keycloak_url=stand_in.url) as client:
        response = client.get("/antwerpen/api/partners/public/echo")
        assert response.status_code == 200, response.text
        assert response.json() == {"tenant": "antwerpen", "served_by": "stand-in"}
        checks = upstream_checks(client)
        assert checks["partners"] == "ok", "the readiness check goes over the same client"
        assert checks["keycloak:antwerpen"] == "ConnectError", "Keycloak is checked with the realms' own client"
    assert calls(stand_in, ca) == before + 1


@pytest.mark.parametrize("case", ["a CA that did not sign it", "another host name than the certificate's"])
def test_a_service_the_gateway_cannot_verify_gets_no_request(stand_in: StandIn, ca: InternalCA,
                                                           other_ca: InternalCA, case: str) -> None:
    """A problem answer (503), never the request sent anyway, in clear or unverified."""
    trusted, url = ((other_ca.ca_file, stand_in.url) if case.startswith("a CA")
                    else (ca.ca_file, f"https://127.0.0.1:{stand_in.port}"))  # the certificate names localhost
    before = calls(stand_in, ca)
    with gateway(url, trusted) as client:
        response = client.get("/antwerpen/api/partners/public/echo")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == "urn:regie:problem:unavailable"
        assert upstream_checks(client)["partners"] == "ClientConnectorCertificateError"
    assert calls(stand_in, ca) == before


async def test_the_upstream_client_trusts_the_ca_file_only(stand_in: StandIn, ca: InternalCA) -> None:
    """Without REGIE_UPSTREAM_CA_FILE the system's CAs decide, and they do not know the internal CA."""
    async with upstream_client(5.0, str(ca.ca_file)) as http, http.get(f"{stand_in.url}/health/ready") as response:
        assert response.status == 200
    async with upstream_client(5.0) as http:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.get(f"{stand_in.url}/health/ready")


async def test_the_read_lanes_client_trusts_the_ca_file_only(stand_in: StandIn, ca: InternalCA,
                                                            other_ca: InternalCA) -> None:
    """The read lane's own client (upstream_reads.py) with the same trust: the internal CA's certificate for the
    URL's host name, else no request at all."""
    trusted = UpstreamReads(5.0, 30.0, verifying_context(str(ca.ca_file)))
    answer = await trusted.get(stand_in.url, "/antwerpen/public/echo", [("accept", "application/json")])
    assert (answer.status, json.loads(answer.body)) == (200, {"tenant": "antwerpen", "served_by": "stand-in"})
    trusted.close()
    before = calls(stand_in, ca)
    for reads, url in [(UpstreamReads(5.0, 30.0, verifying_context(str(other_ca.ca_file))), stand_in.url),
                       (UpstreamReads(5.0, 30.0, verifying_context(str(ca.ca_file))),
                        f"https://127.0.0.1:{stand_in.port}"),  # the certificate names localhost
                       (UpstreamReads(5.0, 30.0, None), stand_in.url)]:  # the system's CAs
        with pytest.raises(UpstreamFailed, match="not reachable"):
            await reads.get(url, "/antwerpen/public/echo", [])
    assert calls(stand_in, ca) == before


def replace(target: Path, source: Path) -> None:
    """As the kubelet swaps a Secret's files: the new content appears at once, never half written."""
    staged = target.with_suffix(".new")
    staged.write_bytes(source.read_bytes())
    os.replace(staged, target)


def test_a_renewed_certificate_is_served_without_a_restart(stand_in: StandIn, ca: InternalCA,
                                                           tmp_path: Path) -> None:
    """cert-manager renews the certificate (new key) and the kubelet swaps the files: the next connection gets the
    new one from the same process. A pair that does not fit (a key of another certificate) leaves the one in
    service where it is."""
    first = served_serial(stand_in.port, ca.ca_file)
    assert first == serial_of(stand_in.cert_file)
    renewed_cert, renewed_key = ca.issue("partners", "localhost", into=tmp_path / "renewed")
    replace(stand_in.cert_file, renewed_cert)  # its key not there yet: the new certificate does not load
    assert served_serial(stand_in.port, ca.ca_file) == first
    replace(stand_in.key_file, renewed_key)
    assert served_serial(stand_in.port, ca.ca_file) == serial_of(renewed_cert) != first
    assert stand_in.process.poll() is None, "the same process"
    with gateway(stand_in.url, ca.ca_file) as client:
        assert client.get("/limburg/api/partners/public/echo").json()["tenant"] == "limburg"
