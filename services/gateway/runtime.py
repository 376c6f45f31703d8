"""The live parts of one gateway process, created in the lifespan and reached through app.state."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import TypeAlias

import httpx
from litestar.datastructures import State
from litestar.di import NamedDependency

from services.gateway.oidc import RealmClient
from services.gateway.portals import PortalDirectory
from services.gateway.settings import GatewaySettings
from shared.auth import TokenVerifier


def without_cookies(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """httpx keeps cookies per client; one client serves every user here, so a cookie one answer set would
    ride along on the next user's request. Accept none."""
    client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return client


@dataclass
class Gateway:
    settings: GatewaySettings
    verifier: TokenVerifier
    """Access tokens: audience regie-api."""
    id_verifier: TokenVerifier
    """ID tokens: audience is the portal client."""
    realm: RealmClient
    upstream_http: httpx.AsyncClient
    """Its own pool and timeouts: a slow service must not starve the calls to Keycloak."""
    portals: PortalDirectory
    """What each service says of its portal pages: the home page's tiles."""

    @classmethod
    def start(cls, settings: GatewaySettings) -> Gateway:
        auth = settings.service.auth
        keycloak_http = without_cookies(httpx.AsyncClient(timeout=httpx.Timeout(5.0)))

        def verifier(audience: str) -> TokenVerifier:
            return TokenVerifier(settings.keycloak_url, settings.service.tenants, audience=audience,
                                 leeway_seconds=auth.leeway_seconds, min_refresh_seconds=auth.jwks_min_refresh_seconds,
                                 http=keycloak_http)

        timeout = settings.upstream_timeout_seconds
        upstream_http = without_cookies(httpx.AsyncClient(
            timeout=httpx.Timeout(connect=5.0, read=timeout, write=timeout, pool=5.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            follow_redirects=False))
        return cls(settings=settings, verifier=verifier(auth.audience), id_verifier=verifier(settings.client_id),
                   realm=RealmClient(settings.keycloak_url, settings.client_id, keycloak_http),
                   upstream_http=upstream_http, portals=PortalDirectory(upstream_http, settings.upstreams))

    async def aclose(self) -> None:
        await self.upstream_http.aclose()
        await self.realm.http.aclose()  # shared by both verifiers


def gateway_of(state: State) -> Gateway:
    return state["gateway"]


InjectedGateway: TypeAlias = NamedDependency[Gateway]
"""How route handlers ask for the gateway (provided as `gateway` in app.py)."""
