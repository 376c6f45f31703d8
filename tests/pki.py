"""A certificate authority made in the test, as cert-manager's internal CA is in the cluster: PEM files of the CA
and of the server certificates it issues (tls.crt and tls.key, by DNS name), for the TLS tests on real
components."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class InternalCA:
    directory: Path
    name: str = "regie-internal-ca"
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        self.certificate = (self._builder(subject, self.key.public_key())
                            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                            .sign(self.key, hashes.SHA256()))
        self.ca_file.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    @property
    def ca_file(self) -> Path:
        return self.directory / f"{self.name}.crt"

    def issue(self, common_name: str, *dns_names: str, into: Path | None = None) -> tuple[Path, Path]:
        """(tls.crt, tls.key) of a server certificate for `dns_names` (the common name when none), written in
        `into` (a folder of its own per name by default), replacing what was there."""
        folder = into or self.directory / common_name
        folder.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        names = [x509.DNSName(name) for name in dns_names or (common_name,)]
        certificate = (self._builder(subject, key.public_key())
                       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                       .add_extension(x509.SubjectAlternativeName(names), critical=False)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                       .sign(self.key, hashes.SHA256()))
        cert_file, key_file = folder / "tls.crt", folder / "tls.key"
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_file, key_file

    def _builder(self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        now = datetime.datetime.now(datetime.UTC)
        return (x509.CertificateBuilder()
                .subject_name(subject)
                .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)]))
                .public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=1))
                .not_valid_after(now + datetime.timedelta(days=1)))


def serial_of(pem_file: Path) -> int:
    return x509.load_pem_x509_certificate(pem_file.read_bytes()).serial_number
