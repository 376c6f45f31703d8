"""Login and logout through the tenant's realm: /<tenant>/aanmelden, /<tenant>/auth/callback, /<tenant>/afmelden.

The state, nonce and PKCE verifier of a login in progress live in the tenant's encrypted session cookie, not in
process memory: the callback may reach another replica than the one that started the login."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from services.gateway.oidc import code_verifier, verify_id_token
from services.gateway.runtime import Gateway, InjectedGateway
from services.gateway.sessions import LOGIN_KEY, clear, load_user, safe_next, store_user, user_from_tokens
from shared.problems import BadRequest, Unauthenticated


def callback_url(gateway: Gateway, tenant: str) -> str:
    return f"{gateway.settings.public_url}/{tenant}/auth/callback"


@get("/{tenant:str}/aanmelden", sync_to_thread=False)
def start_login(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway,
                next_url: Annotated[str | None, QueryParameter(name="next")] = None) -> Redirect:
    target = safe_next(next_url, tenant)
    if load_user(request.session) is not None:
        return Redirect(target)
    verifier, state, nonce = code_verifier(), secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    request.session[LOGIN_KEY] = {"state": state, "nonce": nonce, "verifier": verifier, "next": target}
    return Redirect(gateway.realm.authorization_url(tenant, callback_url(gateway, tenant), state, nonce, verifier))


@get("/{tenant:str}/auth/callback")
async def finish_login(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway,
                       code: FromQuery[str | None] = None, error: FromQuery[str | None] = None,
                       returned_state: Annotated[str | None, QueryParameter(name="state")] = None) -> Redirect:
    pending = request.session.get(LOGIN_KEY)
    if error:
        request.session.pop(LOGIN_KEY, None)
        raise Unauthenticated(f"de aanmelding werd afgebroken ({error})")
    if not isinstance(pending, dict) or not code or not returned_state \
            or not secrets.compare_digest(returned_state, str(pending.get("state", ""))):
        # No login in progress in this browser, or someone else's callback: never exchange that code.
        raise BadRequest("deze aanmelding is verlopen of niet in deze browser gestart; probeer opnieuw")
    tokens = await gateway.realm.exchange_code(tenant, code, callback_url(gateway, tenant), pending["verifier"])
    principal = await gateway.verifier.verify(tokens.access_token, expected_tenant=tenant)
    claims = await verify_id_token(gateway.id_verifier, tokens.id_token, tenant, pending["nonce"])
    name = principal.name or str(claims.get("name") or "") or principal.username
    store_user(request.session, user_from_tokens(tokens, name, principal.roles))
    return Redirect(pending["next"])


@get("/{tenant:str}/afmelden")
async def logout(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Redirect:
    user = load_user(request.session)
    clear(request.session)
    if user is not None:
        await gateway.realm.revoke_session(tenant, user.refresh_token)
    home = f"{gateway.settings.public_url}/{tenant}/"
    return Redirect(gateway.realm.end_session_url(tenant, home))
