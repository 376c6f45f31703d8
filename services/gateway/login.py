"""Login and logout through the tenant's realm: /<tenant>/aanmelden, /<tenant>/auth/callback, /<tenant>/afmelden.

The state, nonce and PKCE verifier of a login in progress live in the tenant's encrypted session cookie, not in
process memory: the callback may reach another replica than the one that started the login."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from services.gateway.hosts import public_base
from services.gateway.oidc import code_verifier, verify_id_token
from services.gateway.runtime import Gateway, InjectedGateway
from services.gateway.sessions import (
    LANGUAGE_KEY,
    LOGIN_KEY,
    SESSION_MAX_AGE,
    check_token,
    clear,
    load_user,
    safe_next,
    store_user,
    user_from_tokens,
)
from shared.i18n import LANGUAGES, _, language
from shared.portal.headers import CSRF_FIELD
from shared.problems import BadRequest, Unauthenticated
from shared.tenancy import TENANTS


def callback_url(request: Request[Any, Any, Any], gateway: Gateway, tenant: str) -> str:
    """On the host the login started on: the gateway's, or the province's own (hosts.py)."""
    return f"{public_base(request.scope, gateway.settings)}/{tenant}/auth/callback"


@get("/{tenant:str}/aanmelden", sync_to_thread=False)
def start_login(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway,
                next_url: Annotated[str | None, QueryParameter(name="next")] = None) -> Redirect:
    target = safe_next(next_url, tenant)
    if load_user(request.session) is not None:
        return Redirect(target)
    verifier, state, nonce = code_verifier(), secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    request.session[LOGIN_KEY] = {"state": state, "nonce": nonce, "verifier": verifier, "next": target}
    back = callback_url(request, gateway, tenant)
    return Redirect(gateway.realm.authorization_url(tenant, back, state, nonce, verifier, language()))


@get("/{tenant:str}/auth/callback")
async def finish_login(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway,
                       code: FromQuery[str | None] = None, error: FromQuery[str | None] = None,
                       returned_state: Annotated[str | None, QueryParameter(name="state")] = None) -> Redirect:
    pending = request.session.get(LOGIN_KEY)
    if error:
        request.session.pop(LOGIN_KEY, None)
        raise Unauthenticated(_("de aanmelding werd afgebroken (%(error)s)") % {"error": error})
    if not isinstance(pending, dict) or not code or not returned_state \
            or not secrets.compare_digest(returned_state, str(pending.get("state", ""))):
        # No login in progress in this browser, or someone else's callback: never exchange that code.
        raise BadRequest(_("deze aanmelding is verlopen of niet in deze browser gestart; probeer opnieuw"))
    back = callback_url(request, gateway, tenant)
    tokens = await gateway.realm.exchange_code(tenant, code, back, pending["verifier"])
    principal = await gateway.verifier.verify(tokens.access_token, expected_tenant=tenant)
    claims = await verify_id_token(gateway.id_verifier, tokens.id_token, tenant, pending["nonce"])
    name = principal.name or str(claims.get("name") or "") or principal.username
    store_user(request.session, user_from_tokens(tokens, name, principal.roles))
    if claims.get("locale") in LANGUAGES:
        # The account's language (chosen on an earlier visit, or on Keycloak's login page just now).
        request.session[LANGUAGE_KEY] = claims["locale"]
    return signed_in_provinces(request, Redirect(pending["next"]), add=tenant)


LogoutForm = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/{tenant:str}/afmelden")
async def logout_link(tenant: FromPath[str]) -> Redirect:
    """A link, a bookmark or a prefetch logs nobody out: back to the province's home, where the header's button
    does it (a POST with the session's CSRF token)."""
    return Redirect(f"/{tenant}/")


@post("/{tenant:str}/afmelden", status_code=303)
async def logout(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway,
                 data: LogoutForm) -> Redirect:
    """Ends the session here and in the realm, with this session's own form only: another site cannot log a
    person out behind their back. Without a session there is nothing to end, so no token to ask for."""
    user = load_user(request.session)
    if user is not None:
        check_token(data.get(CSRF_FIELD), user)
    clear(request.session)
    if user is not None:
        await gateway.realm.revoke_session(tenant, user.refresh_token)
    home = f"{public_base(request.scope, gateway.settings)}/{tenant}/"
    redirect = Redirect(gateway.realm.end_session_url(tenant, home), status_code=303)
    return signed_in_provinces(request, redirect, remove=tenant)


SIGNED_IN_COOKIE = "regie_provinces"
"""Which provinces this browser has a session in (slugs only, no secret): the provinces' list marks them, so a
person with accounts in several provinces sees where they are signed in and switches with one click. Each
province's session itself stays in its own cookie (sessions.py)."""


def signed_in_here(request: Request[Any, Any, Any]) -> list[str]:
    raw = request.cookies.get(SIGNED_IN_COOKIE, "")
    return [slug for slug in raw.split(".") if slug in TENANTS]


def signed_in_provinces(request: Request[Any, Any, Any], response: Redirect, add: str | None = None,
                        remove: str | None = None) -> Redirect:
    slugs = [slug for slug in signed_in_here(request) if slug != remove]
    if add is not None and add not in slugs:
        slugs.append(add)
    response.set_cookie(SIGNED_IN_COOKIE, ".".join(slugs), path="/", max_age=SESSION_MAX_AGE, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return response
