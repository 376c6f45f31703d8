"""Who is on a portal page, and what every page and form asks of them: being signed in, holding a role, and
(for every POST) the session's CSRF token in the form's hidden `_csrf` field."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
from litestar import Request, Response
from litestar.response import Redirect, Template

from services.gateway.runtime import Gateway
from services.gateway.sessions import UserSession, fresh_user
from shared.problems import Forbidden
from shared.tenancy import display_name

CSRF_FIELD = "_csrf"
FLASH_KEY = "flash"
PRIVATE = {"cache-control": "no-store"}
"""Pages with a user's name and data must not sit in shared caches or the back-forward cache."""


class LoginRequired(Exception):
    """Raised by a page that needs a signed-in user; answered with a redirect to the login."""

    def __init__(self, tenant: str, next_url: str) -> None:
        super().__init__(tenant)
        self.tenant = tenant
        self.next_url = next_url


def to_login(_: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    return Redirect(f"/{exc.tenant}/aanmelden?next={quote(exc.next_url, safe='/')}")


@dataclass
class Visitor:
    """A signed-in person on one tenant's portal."""

    tenant: str
    user: UserSession
    request: Request[Any, Any, Any] = field(repr=False)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.user.roles)

    @property
    def enterprise_number(self) -> str | None:
        """The organisation the user acts for (a token claim). Read for display and for naming the user's own
        organisation in a request; the service decides from the verified token what that allows."""
        try:
            claims = jwt.decode(self.user.access_token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        number = claims.get("enterprise_number")
        return number if isinstance(number, str) else None

    def holds(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def flash(self, message: str, kind: str = "ok") -> None:
        """A one-line notice shown on the next page (after the redirect of POST-redirect-GET)."""
        self.request.session[FLASH_KEY] = {"text": message, "kind": kind}

    def take_flash(self) -> dict[str, str] | None:
        flash = self.request.session.pop(FLASH_KEY, None)
        return flash if isinstance(flash, dict) else None

    def page(self, template: str, context: Mapping[str, Any] | None = None, status_code: int = 200) -> Template:
        """A portal page in the portal's layout, with the account bar, the CSRF token and any flash."""
        full = {"tenant": self.tenant, "province": display_name(self.tenant), "user": self.user,
                "csrf": self.user.csrf, "csrf_field": CSRF_FIELD, "flash": self.take_flash(), **(context or {})}
        return Template(template_name=template, context=full, status_code=status_code, headers=PRIVATE)


async def visitor(request: Request[Any, Any, Any], tenant: str, gateway: Gateway,
                  roles: Iterable[str] = ()) -> Visitor:
    """The signed-in visitor holding one of `roles` (any role when empty); otherwise to the login (not signed
    in) or a Dutch 403 page (signed in without the role). The service checks the roles again."""
    user = await fresh_user(request.session, tenant, gateway.realm, gateway.verifier,
                            gateway.settings.refresh_margin_seconds)
    if user is None:
        # After a form post the page to come back to is the one the form was on, not the form's action.
        next_url = request.url.path if request.method == "GET" else urlsplit(request.headers.get("referer", "")).path
        raise LoginRequired(tenant, next_url if next_url.startswith(f"/{tenant}/") else f"/{tenant}/")
    wanted = frozenset(roles)
    if wanted and wanted.isdisjoint(user.roles):
        raise Forbidden("deze pagina is er niet voor jouw rol in deze provincie")
    return Visitor(tenant=tenant, user=user, request=request)


async def optional_visitor(request: Request[Any, Any, Any], tenant: str, gateway: Gateway) -> Visitor | None:
    user = await fresh_user(request.session, tenant, gateway.realm, gateway.verifier,
                            gateway.settings.refresh_margin_seconds)
    return None if user is None else Visitor(tenant=tenant, user=user, request=request)


def check_csrf(form: Mapping[str, Any], who: Visitor) -> None:
    """Every form post carries the session's CSRF token (synchronizer token). A cross-site form cannot know
    it; SameSite=Lax on the cookie is the second fence."""
    supplied = form.get(CSRF_FIELD)
    if not isinstance(supplied, str) or not secrets.compare_digest(supplied, who.user.csrf):
        raise Forbidden("deze pagina was verouderd (CSRF-controle); laad ze opnieuw en probeer nog eens")
