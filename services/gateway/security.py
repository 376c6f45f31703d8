"""Security headers on every response the gateway sends, errors and 404s included (a before_send hook runs
for every response, unlike route middleware)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.types import Message, Scope

from services.gateway.settings import GatewaySettings


def security_headers(settings: GatewaySettings) -> dict[str, str]:
    csp = "; ".join([
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        # The login form posts to Keycloak and the login redirect passes through its origin.
        f"form-action 'self' {settings.keycloak_origin}",
        "frame-ancestors 'none'",
    ])
    headers = {
        "content-security-policy": csp,
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(self)",
    }
    if settings.https:
        # Over plain http (a developer machine) HSTS would be ignored at best and sticky at worst.
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return headers


def add_security_headers(settings: GatewaySettings) -> Callable[[Message, Scope], Awaitable[None]]:
    """Each header the response does not set itself (a page may set a stricter policy), added to the raw header
    list in one pass: on every response of the gateway, so kept to a set lookup per header."""
    fixed = [(name.encode(), value.encode()) for name, value in security_headers(settings).items()]

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or ())
        present = {bytes(name).lower() for name, _value in headers}
        headers += [(name, value) for name, value in fixed if name not in present]
        message["headers"] = headers

    return before_send
