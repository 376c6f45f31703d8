"""The gateway's wiring: the one entry point of Regie. Login and the session, the provinces' list and each
province's home, the portal pages and the API forwarded to the services that own them, and the hardening every
response gets. It owns no data, has no database and draws no page of a domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.plugins.prometheus import PrometheusController
from litestar.static_files import create_static_files_router

from services.gateway import (
    api_reference,
    branding,
    health,
    integration_pages,
    integration_tokens,
    languages,
    login,
    pages,
    proxy,
)
from services.gateway.errors import EXCEPTION_HANDLERS_HTML
from services.gateway.limits import UNLIMITED_PATHS, LimitCounts, RateLimits
from services.gateway.pages import LoginRequired, to_login
from services.gateway.runtime import Gateway, gateway_of
from services.gateway.security import add_security_headers
from services.gateway.sessions import TenantSessions
from services.gateway.settings import GatewaySettings
from shared.handler_path import lean_handler_path
from shared.heap import freeze_after_start
from shared.i18n import _
from shared.logs import configure_logging, tenant_var
from shared.portal import pages as portal_kit
from shared.problems import NotFound

HERE = Path(__file__).parent


async def known_tenant(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Every /<tenant>/… route: the tenant must be one this deployment serves. Also puts it in the log context.
    A coroutine function: Litestar would run a plain function guard in a worker thread, on every request."""
    tenant = connection.path_params.get("tenant")
    if tenant is None:
        return
    if tenant not in gateway_of(connection.app.state).settings.service.tenants:
        raise NotFound(_("onbekende provincie %(tenant)r") % {"tenant": tenant})
    tenant_var.set(tenant)


INTERNAL_PATHS = ("/health/", "/metrics")


async def internal_only(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The probes and the metrics answer the cluster (the kubelet and Prometheus ask the pod itself), never a
    request that came through the ingress, which always adds X-Forwarded-For: from outside they are not found."""
    if connection.scope["path"].startswith(INTERNAL_PATHS) and "x-forwarded-for" in connection.headers:
        raise NotFound(_("deze pagina bestaat niet"))


def provide_gateway(request: Request[Any, Any, Any]) -> Gateway:
    """From the app's state itself (a `state: State` parameter would be a copy of it, per request)."""
    return gateway_of(request.app.state)


def create_app(settings: GatewaySettings | None = None) -> Litestar:
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.service.log_level, settings.service.log_format)
    lean_handler_path()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        gateway = Gateway.start(settings)
        gateway.counters.start()
        gateway.integrations.start()
        app.state["gateway"] = gateway
        freeze_after_start()
        try:
            yield
        finally:
            await gateway.aclose()

    return Litestar(
        route_handlers=[
            health.live, health.ready, PrometheusController,
            create_static_files_router(path="/static", directories=[portal_kit.STATIC], include_in_schema=False),
            branding.provinces_css, pages.provinces, pages.home, pages.page,
            login.start_login, login.finish_login, login.logout, login.logout_link, languages.choose_language,
            integration_tokens.list_tokens, integration_tokens.create_token, integration_tokens.revoke_token,
            integration_pages.integrations_page, integration_pages.make_token, integration_pages.revoke_token,
            proxy.api,
            api_reference.openapi, api_reference.asyncapi, api_reference.reference,
        ],
        lifespan=[lifespan],
        # Request metrics and ids come from shared.requests' outer middleware (wrapped in serve()).
        middleware=[
            DefineMiddleware(RateLimits, counts=LimitCounts.of(settings), exclude=UNLIMITED_PATHS),
            DefineMiddleware(TenantSessions, tenants=settings.service.tenants, key_of=settings.session_key,
                             secure=settings.https),
            languages.SessionLanguage,
        ],
        guards=[known_tenant, internal_only],
        dependencies={"gateway": Provide(provide_gateway, sync_to_thread=False)},
        before_send=[add_security_headers(settings)],
        exception_handlers={**EXCEPTION_HANDLERS_HTML, LoginRequired: to_login},
        template_config=portal_kit.template_config(HERE / "templates"),
        request_max_body_size=settings.service.http.max_body_bytes,
        openapi_config=None,
        debug=False,
        logging_config=None,
    )

