"""The front door per province by host name: with REGIE_PROVINCE_DOMAIN=regie.example, each province is also
reachable at <province>.regie.example (west-vlaanderen.regie.example), besides /<province>/ on the gateway's own
host.

On a province's host every page keeps its /<province>/ path: a request for another path there (/, /aanvragen/…)
is redirected to the same path under /<province>/, so the URL the browser shows is always one the province's
session cookie (Path=/<province>) is sent to, and one link works on either host. Paths of no province (the
kit's static files, health, the API reference) are served as they are; a link to another province's pages leads
to that province's own host, where its own session lives. Login and logout come back to the host they started
on."""

from __future__ import annotations

from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from services.gateway.settings import GatewaySettings
from shared.requests import header

SHARED_PATHS = ("/static/", "/brand/", "/health/", "/metrics", "/api/")


def province_of_host(host: str | None, domain: str, tenants: tuple[str, ...]) -> str | None:
    """'west-vlaanderen.regie.example:8443' → 'west-vlaanderen'; None for any other host."""
    if not host or not domain:
        return None
    name, _colon, port = host.partition(":")
    if port and not port.isdigit():  # nothing but a port may follow the name (no "host:@elsewhere")
        return None
    label, _dot, rest = name.lower().partition(".")
    return label if rest == domain.lower() and label in tenants else None


def request_host(scope: Scope) -> str | None:
    return header(scope, b"host")


def public_base(scope: Scope, settings: GatewaySettings) -> str:
    """The origin a browser reached this request on, when it is a province's host; else the gateway's public URL.
    Used for the login's redirect URI and the logout's return, never for anything a Host header alone decides."""
    host = request_host(scope)
    if province_of_host(host, settings.province_domain, settings.service.tenants) is None:
        return settings.public_url
    scheme = "https" if settings.https else "http"
    return f"{scheme}://{host}"


def served_on(province: str | None, path: str) -> bool:
    """Whether `path` is served as it is on the host of `province` (None: not a province's host); else
    province_hosts redirects it."""
    return province is None or path == f"/{province}" or path.startswith((f"/{province}/", *SHARED_PATHS))


def province_hosts(app: ASGIApp, settings: GatewaySettings) -> ASGIApp:
    """ASGI wrapper around the gateway (outside routing): the redirects of a province's host."""
    domain, tenants = settings.province_domain, settings.service.tenants
    scheme = "https" if settings.https else "http"
    if not domain:
        return app

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        province = province_of_host(request_host(scope), domain, tenants) if scope["type"] == "http" else None
        path = scope.get("path", "")
        if served_on(province, path):
            await app(scope, receive, send)
            return
        first = path.strip("/").split("/", 1)[0]
        query = scope.get("query_string", b"")
        raw = (scope.get("raw_path") or path.encode()).split(b"?", 1)[0] + (b"?" + query if query else b"")
        status = 308 if scope.get("method") not in {"GET", "HEAD"} else 307
        if first in tenants:  # another province: on its own host
            port = (request_host(scope) or "").partition(":")[2]  # digits: province_of_host checked them
            location = f"{scheme}://{first}.{domain}{':' + port if port else ''}".encode() + raw
        else:
            location = f"/{province}".encode() + raw
        headers: list[tuple[bytes, bytes]] = [(b"content-length", b"0"), (b"location", location)]
        start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
        body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(start)
        await send(body)

    return wrapper
