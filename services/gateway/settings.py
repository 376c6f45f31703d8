"""The gateway's settings: the shared service settings plus what only the entry point needs (its public URL,
the upstreams, the session secret, the rate limit)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shared.settings import ServiceSettings, env_int, env_pem, env_str, on_this_host, refuse_weak_secrets

# Good enough on a developer machine; refused behind https, where a real secret must be configured.
DEV_SESSION_SECRET = "regie-dev-session-secret-change-me-in-every-deployment"
MIN_SECRET_LENGTH = 32
SERVICES = ("grants", "partners", "foodsavers")


@dataclass(frozen=True)
class GatewaySettings:
    service: ServiceSettings = field(default_factory=ServiceSettings)
    public_url: str = field(default_factory=lambda: env_str("REGIE_GATEWAY_URL", "http://127.0.0.1:8000").rstrip("/"))
    """The gateway's own base URL as browsers see it: redirect URIs are built from it."""
    grants_url: str = field(default_factory=lambda: env_str("REGIE_GRANTS_URL", "http://127.0.0.1:8101"))
    partners_url: str = field(default_factory=lambda: env_str("REGIE_PARTNERS_URL", "http://127.0.0.1:8102"))
    foodsavers_url: str = field(default_factory=lambda: env_str("REGIE_FOODSAVERS_URL", "http://127.0.0.1:8103"))
    session_secret: str = field(default_factory=lambda: env_str("REGIE_SESSION_SECRET", DEV_SESSION_SECRET))
    """Encrypts the session cookies. Every replica must share it; rotating it logs everybody out."""
    client_id: str = field(default_factory=lambda: env_str("REGIE_PORTAL_CLIENT_ID", "regie-portal"))
    """The public OIDC client (authorization code + PKCE) in every realm."""
    province_domain: str = field(default_factory=lambda: env_str("REGIE_PROVINCE_DOMAIN", "").strip(".").lower())
    """With a domain (regie.example), each province is also reachable at <province>.<domain> (hosts.py)."""
    integration_signing_key: str = field(default_factory=lambda: env_pem("REGIE_INTEGRATION_SIGNING_KEY"))
    """PEM private key (EC P-256) that signs the calls of integration tokens (integrations.py); its public key is
    the services' REGIE_INTEGRATION_PUBLIC_KEYS. Empty: no integration tokens."""
    rate_limit_per_minute: int = field(default_factory=lambda: env_int("REGIE_RATE_LIMIT_PER_MINUTE", 1200))
    """Requests per client address per minute, counted across the replicas (limits.py)."""
    token_rate_limit_per_minute: int = field(
        default_factory=lambda: env_int("REGIE_TOKEN_RATE_LIMIT_PER_MINUTE", 1200))
    """Requests per bearer token per minute, counted across the replicas."""
    rate_limit_scope: str = field(default_factory=lambda: env_str("REGIE_RATE_LIMIT_SCOPE", "gateway"))
    """The replicas that count together: the same scope on every replica of one deployment."""
    upstream_timeout_seconds: int = field(default_factory=lambda: env_int("REGIE_UPSTREAM_TIMEOUT", 30))
    """How long an upstream may take to answer (a read, not the whole upload)."""
    upstream_ca_file: str = field(default_factory=lambda: env_str("REGIE_UPSTREAM_CA_FILE", ""))
    """The CA the services' certificates are checked against when their URLs are https (on Kubernetes the
    internal CA, deploy/k8s/base/tls.yaml): the certificate and the host name of the URL, as for NATS.
    Unset: the system's CAs. Every call to a service goes through that one client (runtime.upstream_client)."""
    refresh_margin_seconds: int = field(default_factory=lambda: env_int("REGIE_REFRESH_MARGIN", 60))
    """A session's access token is refreshed when it expires within this many seconds."""

    def __post_init__(self) -> None:
        if self.session_secret == DEV_SESSION_SECRET and self.https:
            raise ValueError("REGIE_SESSION_SECRET must be set when the gateway is served over https")
        if self.https and not self.service.allow_weak_secrets:
            refuse_weak_secrets({"REGIE_SESSION_SECRET": self.session_secret})
        if len(self.session_secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"REGIE_SESSION_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        if self.upstream_ca_file and not any(url.startswith("https://") for url in self.upstreams.values()):
            raise ValueError("REGIE_UPSTREAM_CA_FILE is set but no service URL is https: the CA would go unused")
        if self.service.production:
            self.refuse_plain_upstreams()

    def refuse_plain_upstreams(self) -> None:
        """In production (the rule of shared.settings.ServiceSettings.production, as for the virus scanner) every
        service is reached over https: each call carries the caller's token and the person's data, and a pod
        that could read plain HTTP between others could replay the one and read the other. A service on this
        machine (a sidecar in the pod) is the exception: that HTTP never crosses the network."""
        plain = [f"REGIE_{name.upper()}_URL is {url}" for name, url in self.upstreams.items()
                 if not url.startswith("https://") and not on_this_host(url)]
        if plain:
            raise ValueError("refused with a public (https) address: " + "; ".join(plain) + ", plain HTTP across "
                             "the network. Serve the services over https (REGIE_HTTP_TLS_CERT, REGIE_HTTP_TLS_KEY), "
                             "name them https://<service>:8000 and set REGIE_UPSTREAM_CA_FILE to their CA.")

    @property
    def https(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @property
    def keycloak_url(self) -> str:
        return self.service.auth.keycloak_url.rstrip("/")

    @property
    def keycloak_origin(self) -> str:
        parts = urlsplit(self.keycloak_url)
        return f"{parts.scheme}://{parts.netloc}"

    def session_key(self, tenant: str) -> bytes:
        """AES-256 key of one tenant's session cookie, derived so that any long passphrase works. One key per
        tenant: a cookie copied from antwerpen to limburg's name does not even decrypt there."""
        return hashlib.sha256(f"regie-gateway-session\x00{tenant}\x00{self.session_secret}".encode()).digest()

    @property
    def upstreams(self) -> dict[str, str]:
        urls = {"grants": self.grants_url, "partners": self.partners_url, "foodsavers": self.foodsavers_url}
        return {name: url.rstrip("/") for name, url in urls.items()}
