"""Browser sessions: encrypted client-side cookies, one per tenant.

Each tenant gets its own cookie (`regie_<tenant>`, Path=/<tenant>) handled by its own Litestar cookie session
backend: the browser never even sends antwerpen's cookie to /limburg/…, so a login in one province cannot
authenticate anything in another. Being client-side (AES-GCM with REGIE_SESSION_SECRET), the session needs no
store and survives any replica answering the next request.

What is kept is only what the gateway needs to act for the user: the access and refresh tokens, their expiry,
the name and roles to render the portal, and the session's CSRF token. Not the ID token: it would push the cookie
past one 4 KB chunk, and logout does not need it (the refresh token ends the Keycloak session server to server)."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from services.gateway.oidc import IdentityProviderUnavailable, LoginFailed, RealmClient, TokenSet
from shared.auth import TokenVerifier
from shared.i18n import N_, _
from shared.problems import Forbidden
from shared.requests import header

log = logging.getLogger("regie.gateway.sessions")

SESSION_MAX_AGE = 12 * 3600
"""The cookie outlives no working day; Keycloak's own SSO session limits decide the rest."""
LOGIN_KEY = "login"
USER_KEY = "user"
LANGUAGE_KEY = "lang"
"""The person's chosen language (languages.py); it outlives a logout in this browser."""


def cookie_name(tenant: str) -> str:
    return f"regie_{tenant}"


class SessionCookies(ClientSideSessionBackend):
    """Litestar's cookie backend, minus one trap: it "clears" a cookie with an expiry of *now*, so a browser
    may still send the value "null" for a moment, and a stale "null" joined to the real chunks makes the whole
    session unreadable (silently logged out). Cleared cookies are ignored when reading."""

    def get_cookie_keys(self, connection: ASGIConnection[Any, Any, Any, Any]) -> list[str]:
        return [key for key in super().get_cookie_keys(connection) if connection.cookies.get(key) != "null"]


class TenantSessions:
    """ASGI middleware: routes each request to the session backend of the tenant in its first path segment.
    Paths outside any tenant (/, /static, /health) get an empty session that is never written."""

    def __init__(self, app: ASGIApp, tenants: tuple[str, ...], key_of: Callable[[str], bytes], secure: bool) -> None:
        self.app = app
        self.by_tenant: dict[str, SessionMiddleware[SessionCookies]] = {
            tenant: SessionMiddleware(app, backend=SessionCookies(CookieBackendConfig(
                secret=key_of(tenant), key=cookie_name(tenant), path=f"/{tenant}", max_age=SESSION_MAX_AGE,
                httponly=True, samesite="lax", secure=secure)))
            for tenant in tenants
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            tenant = scope["path"].lstrip("/").split("/", 1)[0]
            middleware = self.by_tenant.get(tenant)
            if middleware is not None and not token_only(scope, cookie_name(tenant)):
                await middleware(scope, receive, send)
                return
            scope["session"] = {}
        await self.app(scope, receive, send)


def token_only(scope: Scope, cookie: str) -> bool:
    """A call of an API client: a bearer token and no session cookie of the province. Its session would be empty
    and is never written (the proxy takes the token, not the session), so reading and signing the cookies is
    skipped: a sizeable part of the gateway's work per API call."""
    if header(scope, b"authorization") is None:
        return False
    cookies = header(scope, b"cookie")
    return cookies is None or cookie not in cookies


@dataclass(frozen=True)
class UserSession:
    access_token: str
    refresh_token: str
    expires_at: int
    refresh_expires_at: int
    """0 when Keycloak gave no limit (offline tokens); otherwise the refresh token's expiry."""
    name: str
    roles: tuple[str, ...]
    csrf: str

    def to_dict(self) -> dict[str, Any]:
        # Short keys: every byte here is sent with every request under /<tenant>/.
        return {"at": self.access_token, "rt": self.refresh_token, "exp": self.expires_at,
                "rexp": self.refresh_expires_at, "n": self.name, "r": list(self.roles), "c": self.csrf}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UserSession:
        return cls(access_token=data["at"], refresh_token=data["rt"], expires_at=int(data["exp"]),
                   refresh_expires_at=int(data.get("rexp", 0)), name=data.get("n", ""),
                   roles=tuple(data.get("r", ())), csrf=data["c"])


def user_from_tokens(tokens: TokenSet, name: str, roles: frozenset[str], csrf: str | None = None,
                     now: float | None = None) -> UserSession:
    now = time.time() if now is None else now
    return UserSession(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, expires_at=int(now) + tokens.expires_in,
        refresh_expires_at=int(now) + tokens.refresh_expires_in if tokens.refresh_expires_in else 0,
        name=name, roles=tuple(sorted(roles)), csrf=csrf or secrets.token_urlsafe(24))


def load_user(session: dict[str, Any]) -> UserSession | None:
    data = session.get(USER_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return UserSession.from_dict(data)
    except (KeyError, TypeError, ValueError):
        return None


def store_user(session: dict[str, Any], user: UserSession) -> None:
    session.pop(LOGIN_KEY, None)
    session[USER_KEY] = user.to_dict()


def clear(session: dict[str, Any]) -> None:
    """Forgets the person (tokens, login in progress, flash); keeps only the language this browser chose."""
    lang = session.get(LANGUAGE_KEY)
    session.clear()
    if lang is not None:
        session[LANGUAGE_KEY] = lang


async def fresh_user(session: dict[str, Any], tenant: str, realm: RealmClient, verifier: TokenVerifier,
                     margin_seconds: int, now: float | None = None) -> UserSession | None:
    """The session's user with an access token valid for at least `margin_seconds`, refreshed when needed.
    A refused refresh ends the session (logged out); Keycloak being unreachable keeps a still-valid token."""
    user = load_user(session)
    if user is None:
        return None
    now = time.time() if now is None else now
    if user.expires_at - now > margin_seconds:
        return user
    if user.refresh_expires_at and user.refresh_expires_at <= now:
        clear(session)
        return None
    try:
        tokens = await realm.refresh(tenant, user.refresh_token)
        principal = await verifier.verify(tokens.access_token, expected_tenant=tenant)
    except IdentityProviderUnavailable:
        if user.expires_at > now:
            return user
        raise
    except LoginFailed:
        log.info("session refresh refused; logged out")
        clear(session)
        return None
    refreshed = user_from_tokens(tokens, principal.name or principal.username or user.name, principal.roles,
                                 csrf=user.csrf, now=now)
    store_user(session, refreshed)
    return refreshed


def safe_next(value: str | None, tenant: str) -> str:
    """Where to go after login: only a relative path inside the tenant's own pages. Anything else (absolute
    URLs, protocol-relative `//host`, backslash tricks, control characters) becomes the tenant's home, so the
    login can never be turned into an open redirect."""
    home = f"/{tenant}/"
    if not value or any(ord(ch) < 0x20 or ch == "\\" for ch in value):
        return home
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return home
    if not (parts.path == f"/{tenant}" or parts.path.startswith(home)):
        return home
    if any(segment in {".", ".."} for segment in parts.path.split("/")):
        return home
    return value


STALE = N_("deze pagina was verouderd (CSRF-controle); laad ze opnieuw en probeer nog eens")


def check_token(supplied: str | None, user: UserSession) -> None:
    """A form of the gateway's own, or one it forwards: only with the session's CSRF token."""
    if not supplied or not secrets.compare_digest(supplied, user.csrf):
        raise Forbidden(_(STALE))
