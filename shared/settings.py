"""Settings from the environment with typed defaults: one dataclass per concern, each field read from its
REGIE_* variable. The defaults fit a developer machine; deploy/k8s sets every value explicitly."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from shared.scanner import parse_url
from shared.tenancy import TENANTS
from shared.tls import verifying_context


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_pem(name: str) -> str:
    """A PEM key from the environment: as is (a Kubernetes Secret keeps its line breaks), or on one line with
    \\n for each break (an env file)."""
    return os.environ.get(name, "").replace("\\n", "\n")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class HttpSettings:
    host: str = field(default_factory=lambda: env_str("REGIE_HTTP_HOST", "127.0.0.1"))
    """Interface the service listens on."""
    port: int = field(default_factory=lambda: env_int("REGIE_HTTP_PORT", 8000))
    """Port the service listens on."""
    max_body_bytes: int = field(default_factory=lambda: env_int("REGIE_MAX_BODY_BYTES", 30 * 1024 * 1024))
    """Largest request body accepted (uploads included)."""
    trusted_proxies: str = field(default_factory=lambda: env_str("REGIE_TRUSTED_PROXIES", "127.0.0.1"))
    """The addresses or networks (comma-separated, CIDR allowed) whose X-Forwarded-For and X-Forwarded-Proto are
    believed: the proxy in front (for the gateway, the ingress controller; for a service, the gateway). A request
    from anywhere else is the client it comes from, whatever it claims: its rate limit and its log line are its
    own."""
    tls_cert: str = field(default_factory=lambda: env_str("REGIE_HTTP_TLS_CERT", ""))
    """The certificate chain (PEM) this process serves HTTPS with, its key in REGIE_HTTP_TLS_KEY: on Kubernetes
    the service's own certificate from the internal CA (deploy/k8s/base/tls.yaml), which the gateway checks, and
    which is loaded again when cert-manager renews it (shared.tls). Unset (a developer machine): plain HTTP."""
    tls_key: str = field(default_factory=lambda: env_str("REGIE_HTTP_TLS_KEY", ""))

    def __post_init__(self) -> None:
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("REGIE_HTTP_TLS_CERT and REGIE_HTTP_TLS_KEY go together: set both (HTTPS) or neither")


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = field(default_factory=lambda: env_str("REGIE_DATABASE_URL", ""))
    """The request role: subject to Row-Level Security."""
    relay_url: str = field(default_factory=lambda: env_str("REGIE_RELAY_DATABASE_URL", ""))
    """The outbox relay's role: BYPASSRLS, granted the outbox table only."""
    migration_url: str = field(default_factory=lambda: env_str("REGIE_MIGRATION_DATABASE_URL", ""))
    """The owner role that runs Alembic migrations."""
    pool_size: int = field(default_factory=lambda: env_int("REGIE_DATABASE_POOL_SIZE", 10))
    migrate_at_start: bool = field(default_factory=lambda: env_bool("REGIE_MIGRATE_AT_START", True))
    """`serve` applies pending migrations first. Off where a migration Job does it (Kubernetes): the serving
    processes then never hold the owner role's password, and stay unready until the schema is current."""
    app_role: str = field(default_factory=lambda: env_str("REGIE_DATABASE_APP_ROLE", "regie_app"))
    relay_role: str = field(default_factory=lambda: env_str("REGIE_DATABASE_RELAY_ROLE", "regie_relay"))
    ssl_root_cert: str = field(default_factory=lambda: env_str("REGIE_DATABASE_SSL_ROOT_CERT", ""))
    """The CA of the PostgreSQL servers' certificates (on Kubernetes CloudNativePG's, Secret regie-pg-ca). Set:
    every connection is TLS with the certificate and host name verified (libpq's verify-full). Unset (a
    developer machine): no TLS."""

    def connect_args(self) -> dict[str, Any]:
        """asyncpg's connection arguments for every engine of this service (request role, relay, migrations)."""
        return {"ssl": verifying_context(self.ssl_root_cert)} if self.ssl_root_cert else {}


@dataclass(frozen=True)
class NatsSettings:
    url: str = field(default_factory=lambda: env_str("REGIE_NATS_URL", "nats://127.0.0.1:4222"))
    """One server, or several separated by commas (the client learns the others of a cluster from the first)."""
    stream_replicas: int = field(default_factory=lambda: env_int("REGIE_NATS_STREAM_REPLICAS", 1))
    """3 in production (a JetStream cluster of three); 1 on one machine."""
    max_deliver: int = field(default_factory=lambda: env_int("REGIE_NATS_MAX_DELIVER", 5))
    """Deliveries of one event before it goes to the dead-letter subject."""
    ack_wait_seconds: int = field(default_factory=lambda: env_int("REGIE_NATS_ACK_WAIT", 30))
    user: str = field(default_factory=lambda: env_str("REGIE_NATS_USER", ""))
    """This service's own NATS user, allowed its own subjects only (shared/events/permissions.py)."""
    password: str = field(default_factory=lambda: env_str("REGIE_NATS_PASSWORD", ""))
    ca_file: str = field(default_factory=lambda: env_str("REGIE_NATS_CA_FILE", ""))
    """The CA of the NATS servers' certificates (on Kubernetes the internal CA). Set: the connection is TLS, the
    server's certificate and host name verified. Unset (a developer machine): plain."""

    def connect_options(self) -> dict[str, Any]:
        """What nats.connect needs to reach the server as this service."""
        options: dict[str, Any] = {"servers": self.url.split(",") if "," in self.url else self.url}
        if self.user:
            options |= {"user": self.user, "password": self.password}
        if self.ca_file:
            options["tls"] = verifying_context(self.ca_file)
        return options


@dataclass(frozen=True)
class StorageSettings:
    endpoint: str = field(default_factory=lambda: env_str("REGIE_S3_ENDPOINT", "127.0.0.1:9000"))
    access_key: str = field(default_factory=lambda: env_str("REGIE_S3_ACCESS_KEY", ""))
    secret_key: str = field(default_factory=lambda: env_str("REGIE_S3_SECRET_KEY", ""))
    secure: bool = field(default_factory=lambda: env_bool("REGIE_S3_SECURE", False))
    ca_file: str = field(default_factory=lambda: env_str("REGIE_S3_CA_FILE", ""))
    """With REGIE_S3_SECURE: the CA the S3 server's certificate is checked against (on Kubernetes the internal
    CA) instead of the public ones."""
    bucket: str = field(default_factory=lambda: env_str("REGIE_S3_BUCKET", "regie"))
    max_upload_bytes: int = field(default_factory=lambda: env_int("REGIE_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))

    def __post_init__(self) -> None:
        if self.ca_file and not self.secure:
            raise ValueError("REGIE_S3_CA_FILE is set but REGIE_S3_SECURE is not true: the CA would go unused")


@dataclass(frozen=True)
class ScannerSettings:
    clamd_url: str = field(default_factory=lambda: env_str("REGIE_CLAMD_URL", ""))
    """ClamAV's daemon, which scans every upload before it is stored (shared.scanner): tcp://host:port, clamd
    itself (it speaks no TLS), or tls://host:port, clamd behind a TLS terminator (on Kubernetes the sidecar in
    its pod, deploy/k8s/base/clamav.yaml). Required in production, and TLS there unless clamd is on this machine;
    without it a service still starts on a developer's machine but refuses every upload (503): an unscanned file
    is never stored."""
    ca_file: str = field(default_factory=lambda: env_str("REGIE_CLAMD_CA_FILE", ""))
    """With a tls:// URL: the CA the terminator's certificate is checked against, with the host name (on
    Kubernetes the internal CA) instead of the public ones."""
    timeout_seconds: int = field(default_factory=lambda: env_int("REGIE_CLAMD_TIMEOUT", 30))
    """How long one scan may take, connecting included, before the upload is refused as not checkable now."""

    def __post_init__(self) -> None:
        if self.clamd_url:
            parse_url(self.clamd_url)
        if self.ca_file and urlsplit(self.clamd_url).scheme != "tls":
            raise ValueError("REGIE_CLAMD_CA_FILE is set but REGIE_CLAMD_URL is not tls://: the CA would go unused")


@dataclass(frozen=True)
class AuthSettings:
    keycloak_url: str = field(default_factory=lambda: env_str("REGIE_KEYCLOAK_URL", "http://127.0.0.1:8080"))
    """Issuer of tenant t is <keycloak_url>/realms/<t>."""
    audience: str = field(default_factory=lambda: env_str("REGIE_TOKEN_AUDIENCE", "regie-api"))
    leeway_seconds: int = field(default_factory=lambda: env_int("REGIE_TOKEN_LEEWAY", 30))
    jwks_min_refresh_seconds: int = field(default_factory=lambda: env_int("REGIE_JWKS_MIN_REFRESH", 10))
    """An unknown key id refreshes the key set, at most this often per realm (a flood of forged kids
    must not become a flood of requests to Keycloak); a failed fetch is not tried again sooner either."""
    jwks_max_age_seconds: int = field(default_factory=lambda: env_int("REGIE_JWKS_MAX_AGE", 300))
    """A realm's key set is fetched again once it is this old, and a token verified before is verified again:
    a key removed from the realm stops working within this time, without a restart."""
    clients: tuple[str, ...] = field(default_factory=lambda: tuple(
        c.strip() for c in env_str("REGIE_TOKEN_CLIENTS", "regie-portal,regie-cli").split(",") if c.strip()))
    """The clients whose access tokens are accepted (the token's `azp`): the gateway's portal client, and the
    command-line client of the local stack (absent from production realms)."""
    integration_public_keys: str = field(default_factory=lambda: env_pem("REGIE_INTEGRATION_PUBLIC_KEYS"))
    """PEM public key(s) of the gateway's integration tokens (services.gateway.integrations): the one issuer
    besides the realms. Several during a key rotation; empty: no integration tokens are accepted."""


KNOWN_SECRETS = frozenset({
    # devstack's defaults (devstack/config.py), which anyone can read in this repository
    "regie-owner-dev", "regie-app-dev", "regie-relay-dev", "keycloak-dev", "regie-dev-secret",
    "regie-dev-directory-secret", "admin", "demo",
})
WEAK_MARKERS = ("dev-only", "regie-dev", "change-me", "changeme", "password", "secret123", "example")
"""Parts of a secret that say it was never meant for real data (the example overlay's say "dev-only")."""
MIN_SECRET_CHARACTERS = 24


def weakness(secret: str) -> str | None:
    """Why `secret` is no secret for production, or None."""
    lowered = secret.lower()
    if secret in KNOWN_SECRETS or any(marker in lowered for marker in WEAK_MARKERS):
        return "a known development value"
    if len(secret) < MIN_SECRET_CHARACTERS:
        return f"shorter than {MIN_SECRET_CHARACTERS} characters"
    if len(set(secret)) < 10:
        return "too few different characters"
    return None


def refuse_weak_secrets(secrets: dict[str, str]) -> None:
    """In production: every secret set must be a real one (the service does not start otherwise)."""
    weak = [f"{name} is {why}" for name, value in secrets.items() if value and (why := weakness(value))]
    if weak:
        raise ValueError("refused with a public (https) address: " + "; ".join(weak) + ". Set real secrets; "
                         "REGIE_ALLOW_WEAK_SECRETS=true is for a throwaway test cluster only.")


def url_password(url: str) -> str:
    return urlsplit(url).password or "" if url else ""


def on_this_host(url: str) -> bool:
    """Whether `url` names this machine (or this pod): a plain connection there never crosses a network."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServiceSettings:
    service: str = field(default_factory=lambda: env_str("REGIE_SERVICE", "regie"))
    tenants: tuple[str, ...] = field(
        default_factory=lambda: tuple(env_list("REGIE_TENANTS", list(TENANTS)))
    )
    log_format: str = field(default_factory=lambda: env_str("REGIE_LOG_FORMAT", "json"))
    log_level: str = field(default_factory=lambda: env_str("REGIE_LOG_LEVEL", "INFO"))
    http: HttpSettings = field(default_factory=HttpSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    nats: NatsSettings = field(default_factory=NatsSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)

    allow_weak_secrets: bool = field(default_factory=lambda: env_bool("REGIE_ALLOW_WEAK_SECRETS", False))
    """Only for a throwaway test cluster with the example overlay's well-known secrets."""

    @property
    def production(self) -> bool:
        """Served at a public https address (the realms' issuer): real secrets only."""
        return urlsplit(self.auth.keycloak_url).scheme == "https" and not self.allow_weak_secrets

    def __post_init__(self) -> None:
        unknown = [t for t in self.tenants if t not in TENANTS]
        if unknown:
            raise ValueError(f"REGIE_TENANTS names unknown tenants: {', '.join(unknown)}")
        if self.production:
            refuse_weak_secrets({
                "REGIE_S3_SECRET_KEY": self.storage.secret_key,
                "the password in REGIE_DATABASE_URL": url_password(self.database.url),
                "the password in REGIE_RELAY_DATABASE_URL": url_password(self.database.relay_url),
                "the password in REGIE_MIGRATION_DATABASE_URL": url_password(self.database.migration_url),
                "REGIE_DIRECTORY_CLIENT_SECRET": env_str("REGIE_DIRECTORY_CLIENT_SECRET", ""),
                "REGIE_NATS_PASSWORD": self.nats.password,
            })

    def refuse_unscanned_uploads(self) -> None:
        """For a service that stores uploads: in production it does not start without a virus scanner, nor with
        one reached in clear across the network (every file people upload would cross it readable)."""
        if not self.production:
            return
        url = self.scanner.clamd_url
        if not url:
            raise ValueError("refused with a public (https) address: REGIE_CLAMD_URL is not set, and every upload "
                             "must be scanned by clamd before it is stored. Set it to tls://<clamd service>:3311.")
        if urlsplit(url).scheme != "tls" and not on_this_host(url):
            raise ValueError(f"refused with a public (https) address: REGIE_CLAMD_URL is {url}, plain TCP across "
                             "the network, and every upload would cross it in clear. Set it to tls://<clamd "
                             "service>:3311 (clamd's TLS terminator) with REGIE_CLAMD_CA_FILE.")
