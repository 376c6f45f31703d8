"""The live parts of one gateway process, created in the lifespan and reached through app.state."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import TypeAlias

import aiohttp
import httpx
from litestar.datastructures import State
from litestar.di import NamedDependency

from services.gateway.apidocs import ApiDirectory
from services.gateway.integrations import Integrations
from services.gateway.limits import SharedCounters
from services.gateway.oidc import RealmClient
from services.gateway.portals import PortalDirectory
from services.gateway.settings import GatewaySettings
from services.gateway.upstream_reads import UpstreamReads
from shared.auth import ACCESS, TokenVerifier
from shared.tls import verifying_context


def without_cookies(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """httpx keeps cookies per client; one client serves every user here, so a cookie one answer set would
    ride along on the next user's request. Accept none."""
    client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return client


UPSTREAM_KEEPALIVE_SECONDS = 30.0
"""How long an idle connection to a service is kept; the services keep theirs open longer
(shared.service_app.KEEPALIVE_SECONDS), so the gateway is the one to close it."""


def upstream_client(timeout: float, ca_file: str = "") -> aiohttp.ClientSession:
    """One pooled, keep-alive client for the services. It keeps no cookies (one client acts for every user), sends
    no headers of its own beyond Host and passes bodies on as they are (no decompression, no redirects
    followed). An https service is checked against `ca_file` (REGIE_UPSTREAM_CA_FILE; the system's CAs without
    one), its certificate and the host name of its URL: one with another certificate is not reachable (503),
    never called in clear instead. The keep-alive pool makes the handshake rare: one per pooled connection."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=200, limit_per_host=100, keepalive_timeout=UPSTREAM_KEEPALIVE_SECONDS,
                                       ssl=verifying_context(ca_file) if ca_file else True),
        timeout=aiohttp.ClientTimeout(total=None, connect=5.0, sock_read=timeout),
        cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"))


@dataclass
class Gateway:
    settings: GatewaySettings
    verifier: TokenVerifier
    """Access tokens: audience regie-api."""
    id_verifier: TokenVerifier
    """ID tokens: audience is the portal client."""
    realm: RealmClient
    upstream: aiohttp.ClientSession
    """The services' client (every forwarded call, the portal announcements, the services' readiness checks): its
    own pool and timeouts, so that a slow service does not starve the calls to Keycloak (httpx, in oidc and
    shared.auth), and its own trust (the internal CA), which is not Keycloak's public certificate's."""
    portals: PortalDirectory
    """What each service says of its portal pages: the home page's tiles."""
    api_docs: ApiDirectory
    """What each service says of its API: the merged OpenAPI document (apidocs.py)."""
    counters: SharedCounters
    """The rate limits' counts, shared with the other replicas through NATS (limits.py)."""
    integrations: Integrations
    """The provinces' integration tokens, watched in NATS (integrations.py)."""
    reads: UpstreamReads
    """The read lane's own connections to the services (lane.py, upstream_reads.py): the same timeout and trust
    as `upstream`'s."""

    @classmethod
    def start(cls, settings: GatewaySettings) -> Gateway:
        auth, nats = settings.service.auth, settings.service.nats
        keycloak_http = without_cookies(httpx.AsyncClient(timeout=httpx.Timeout(5.0)))

        def verifier(audience: str, token_type: str) -> TokenVerifier:
            return TokenVerifier(settings.keycloak_url, settings.service.tenants, audience=audience,
                                 leeway_seconds=auth.leeway_seconds, min_refresh_seconds=auth.jwks_min_refresh_seconds,
                                 max_key_age_seconds=auth.jwks_max_age_seconds, clients=auth.clients,
                                 token_type=token_type, http=keycloak_http)

        upstream = upstream_client(settings.upstream_timeout_seconds, settings.upstream_ca_file)
        return cls(settings=settings, verifier=verifier(auth.audience, ACCESS),
                   id_verifier=verifier(settings.client_id, "ID"),
                   realm=RealmClient(settings.keycloak_url, settings.client_id, keycloak_http),
                   upstream=upstream, portals=PortalDirectory(upstream, settings.upstreams),
                   api_docs=ApiDirectory(upstream, settings.upstreams),
                   counters=SharedCounters(nats.connect_options(), nats.stream_replicas),
                   integrations=Integrations(nats.connect_options(), nats.stream_replicas,
                                             settings.integration_signing_key, auth.audience),
                   reads=UpstreamReads(settings.upstream_timeout_seconds, UPSTREAM_KEEPALIVE_SECONDS,
                                       verifying_context(settings.upstream_ca_file) if settings.upstream_ca_file
                                       else None))

    async def aclose(self) -> None:
        await self.counters.aclose()
        await self.integrations.aclose()
        await self.upstream.close()
        self.reads.close()
        await self.realm.http.aclose()  # shared by both verifiers


def gateway_of(state: State) -> Gateway:
    return state["gateway"]


InjectedGateway: TypeAlias = NamedDependency[Gateway]
"""How route handlers ask for the gateway (provided as `gateway` in app.py)."""
