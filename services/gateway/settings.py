"""The gateway's settings: the shared service settings plus what only the entry point needs (its public URL,
the upstreams, the session secret, the rate limit)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shared.settings import ServiceSettings, env_int, env_pem, env_str, refuse_weak_secrets

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
    refresh_margin_seconds: int = field(default_factory=lambda: env_int("REGIE_REFRESH_MARGIN", 60))
    """A session's access token is refreshed when it expires within this many seconds."""

    def __post_init__(self) -> None:
        if self.session_secret == DEV_SESSION_SECRET and self.https:
            raise ValueError("REGIE_SESSION_SECRET must be set when the gateway is served over https")
        if self.https and not self.service.allow_weak_secrets:
            refuse_weak_secrets({"REGIE_SESSION_SECRET": self.session_secret})
        if len(self.session_secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"REGIE_SESSION_SECRET must be at least {MIN_SECRET_LENGTH} characters")

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
