"""TLS to PostgreSQL, NATS, S3 and clamd (on Kubernetes, deploy/k8s): a CA file in the settings makes a client that
verifies the server's certificate against that CA and checks its host name; without one nothing changes. And a
service's own HTTPS: the certificate and its key, both or neither."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.scanner import Clamd, parse_url
from shared.service_app import https_options
from shared.settings import DatabaseSettings, HttpSettings, NatsSettings, ScannerSettings, StorageSettings
from shared.storage import s3_http_client
from shared.tls import ServedCertificate, verifying_context

Key = ec.EllipticCurvePrivateKey


def certificate(subject: str, key: Key, issuer: tuple[str, Key] | None = None,
                dns_names: tuple[str, ...] = ()) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True))
    if dns_names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    """The cluster's internal CA and a server certificate it issued for the NATS Service; another CA besides."""
    ca_key, other_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = certificate("regie-internal-ca", ca_key)
    other = certificate("someone-else", other_key)
    server = certificate("nats", server_key, ("regie-internal-ca", ca_key), ("nats", "nats.regie.svc"))
    paths = {"ca": tmp_path / "ca.crt", "other": tmp_path / "other.crt", "cert": tmp_path / "tls.crt",
             "key": tmp_path / "tls.key"}
    paths["ca"].write_bytes(pem(ca))
    paths["other"].write_bytes(pem(other))
    paths["cert"].write_bytes(pem(server))
    paths["key"].write_bytes(server_key.private_bytes(serialization.Encoding.PEM,
                                                      serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    return paths


def handshake(client: ssl.SSLContext, server_name: str, pki: dict[str, Path]) -> None:
    """A TLS handshake in memory between `client` (connecting to `server_name`) and the NATS server's cert."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pki["cert"], pki["key"])
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client_side = client.wrap_bio(c_in, c_out, server_hostname=server_name)
    server_side = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(10):
        for name, side, out, peer_in in (("client", client_side, c_out, s_in), ("server", server_side, s_out, c_in)):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
            peer_in.write(out.read())
        if all(done.values()):
            return
    raise AssertionError("the handshake did not finish")


def test_without_a_ca_file_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REGIE_NATS_CA_FILE", "REGIE_DATABASE_SSL_ROOT_CERT", "REGIE_S3_CA_FILE", "REGIE_NATS_USER"):
        monkeypatch.delenv(name, raising=False)
    assert NatsSettings(url="nats://127.0.0.1:4222").connect_options() == {"servers": "nats://127.0.0.1:4222"}
    assert DatabaseSettings().connect_args() == {}
    assert StorageSettings().ca_file == ""


def test_nats_with_a_ca_file_verifies_the_server_and_its_name(pki: dict[str, Path]) -> None:
    options = NatsSettings(url="tls://nats:4222", user="grants", password="x", ca_file=str(pki["ca"])).connect_options()
    context = options["tls"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
    assert [dict(item[0] for item in ca["subject"]) for ca in context.get_ca_certs()] == [
        {"commonName": "regie-internal-ca"}], "the internal CA only, not the public ones"
    assert options["servers"] == "tls://nats:4222" and options["user"] == "grants"
    handshake(context, "nats", pki)
    with pytest.raises(ssl.SSLCertVerificationError, match="match|mismatch"):
        handshake(context, "minio", pki)  # a certificate for another name
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(verifying_context(str(pki["other"])), "nats", pki)  # a server of another CA


def test_postgres_with_a_root_cert_verifies_fully(pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIE_DATABASE_SSL_ROOT_CERT", str(pki["ca"]))
    (context,) = DatabaseSettings().connect_args().values()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    handshake(context, "nats.regie.svc", pki)


def test_s3_with_a_ca_file_checks_the_certificate(pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIE_S3_SECURE", "true")
    monkeypatch.setenv("REGIE_S3_CA_FILE", str(pki["ca"]))
    settings = StorageSettings()
    pool = s3_http_client(settings.ca_file)
    assert pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"
    assert pool.connection_pool_kw["ca_certs"] == str(pki["ca"])
    assert "assert_hostname" not in pool.connection_pool_kw, "the host name is checked"
    monkeypatch.setenv("REGIE_S3_SECURE", "false")
    with pytest.raises(ValueError, match="REGIE_S3_SECURE"):
        StorageSettings()


def test_a_missing_ca_file_stops_the_start(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.crt")
    with pytest.raises(ValueError, match="not found"):
        NatsSettings(ca_file=missing).connect_options()
    with pytest.raises(ValueError, match="not found"):
        DatabaseSettings(ssl_root_cert=missing).connect_args()
    with pytest.raises(ValueError, match="not found"):
        s3_http_client(missing)


def test_https_needs_the_certificate_and_its_key(monkeypatch: pytest.MonkeyPatch, pki: dict[str, Path]) -> None:
    for name in ("REGIE_HTTP_TLS_CERT", "REGIE_HTTP_TLS_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert HttpSettings().tls_cert == "" and HttpSettings().tls_key == ""  # plain HTTP: a developer machine
    assert https_options(HttpSettings()) == {}
    monkeypatch.setenv("REGIE_HTTP_TLS_CERT", str(pki["cert"]))
    with pytest.raises(ValueError, match="REGIE_HTTP_TLS_CERT and REGIE_HTTP_TLS_KEY go together"):
        HttpSettings()
    monkeypatch.setenv("REGIE_HTTP_TLS_KEY", str(pki["key"]))
    options = https_options(HttpSettings())
    assert options["ssl_certfile"] == str(pki["cert"]) and options["ssl_keyfile"] == str(pki["key"])


def test_the_served_context_loads_the_pair_and_refuses_a_start_without_it(pki: dict[str, Path]) -> None:
    def made() -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki["cert"], pki["key"])
        return context

    listening = ServedCertificate(str(pki["cert"]), str(pki["key"]), made).listening_context()
    assert listening.minimum_version >= ssl.TLSVersion.TLSv1_2 and listening.sni_callback is not None
    pki["key"].write_bytes(pki["other"].read_bytes())  # not a key at all
    with pytest.raises(ssl.SSLError):
        ServedCertificate(str(pki["cert"]), str(pki["key"]), made)


@pytest.mark.parametrize("url, tls", [("tcp://clamd:3310", False), ("tls://clamd.regie.svc:3311", True)])
def test_the_scanner_speaks_tls_when_its_url_says_so(url: str, tls: bool, pki: dict[str, Path]) -> None:
    assert parse_url(url)[0].startswith("clamd")
    clamd = Clamd.from_url(url, ca_file=str(pki["ca"]) if tls else "")
    assert (clamd.tls is not None) is tls
    if clamd.tls is not None:
        assert clamd.tls.verify_mode == ssl.CERT_REQUIRED and clamd.tls.check_hostname is True
        assert [dict(item[0] for item in ca["subject"]) for ca in clamd.tls.get_ca_certs()] == [
            {"commonName": "regie-internal-ca"}], "the CA file's only"


def test_a_scanner_ca_file_without_tls_is_refused(monkeypatch: pytest.MonkeyPatch, pki: dict[str, Path]) -> None:
    monkeypatch.setenv("REGIE_CLAMD_URL", "tcp://clamd:3310")
    monkeypatch.setenv("REGIE_CLAMD_CA_FILE", str(pki["ca"]))
    with pytest.raises(ValueError, match="REGIE_CLAMD_CA_FILE"):
        ScannerSettings()
    monkeypatch.setenv("REGIE_CLAMD_URL", "tls://clamd:3311")
    assert ScannerSettings().ca_file == str(pki["ca"])
