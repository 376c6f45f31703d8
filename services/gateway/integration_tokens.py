"""The province admin's API for integration tokens (integrations.py): list, create (the token is in that
answer only) and revoke, at /<tenant>/api/integrations/tokens, with the admin's bearer token or portal session."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.params import Body, FromPath

from services.gateway.integrations import is_integration_token
from services.gateway.proxy import check_csrf
from services.gateway.runtime import Gateway, InjectedGateway
from services.gateway.sessions import fresh_user
from shared.auth import Principal, bearer_token
from shared.i18n import _
from shared.problems import Forbidden, Unauthenticated


class NewToken(msgspec.Struct, frozen=True):
    name: str
    roles: list[str]
    days: int = 90


async def province_admin(token: str, tenant: str, gateway: Gateway) -> Principal:
    """The province admin of `tenant` a realm's access token names; the API and the page both ask this."""
    if is_integration_token(token):
        raise Unauthenticated(_("een koppeling beheert geen toegangsbewijzen"))
    principal = await gateway.verifier.verify(token, expected_tenant=tenant)
    if "province-admin" not in principal.roles:
        raise Forbidden(_("alleen de provinciebeheerder beheert toegangsbewijzen voor koppelingen"))
    return principal


async def admin_of(request: Request[Any, Any, Any], tenant: str, gateway: Gateway) -> Principal:
    """The province admin of `tenant` behind this call: a bearer token of the realm, or the portal session
    (whose changes carry its CSRF token, as every session call to the API does: proxy.check_csrf)."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        user = await fresh_user(request.session, tenant, gateway.realm, gateway.verifier,
                                gateway.settings.refresh_margin_seconds)
        if user is None:
            raise Unauthenticated(_("een Bearer-toegangsbewijs of een aanmelding is vereist"))
        check_csrf(request, user.csrf)
        token = user.access_token
    return await province_admin(token, tenant, gateway)


TOKENS_PATH = "/{tenant:str}/api/integrations/tokens"


@get(TOKENS_PATH, summary="The province's integration tokens (never their secrets)", tags=["gateway: integrations"])
async def list_tokens(request: Request[Any, Any, Any], tenant: FromPath[str],
                      gateway: InjectedGateway) -> dict[str, Any]:
    await admin_of(request, tenant, gateway)
    await gateway.integrations.available()
    return {"items": [record.shown() for record in gateway.integrations.of(tenant)]}


@post(TOKENS_PATH, summary="Create an integration token (shown once, in this answer)",
      tags=["gateway: integrations"])
async def create_token(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway,
                       data: Annotated[NewToken, Body()]) -> Response[dict[str, Any]]:
    admin = await admin_of(request, tenant, gateway)
    record, token = await gateway.integrations.create(tenant, admin, data.name, data.roles, data.days)
    return Response({**record.shown(), "token": token}, status_code=201, headers={"cache-control": "no-store"})


@delete(TOKENS_PATH + "/{token_id:str}", summary="Revoke an integration token", status_code=204,
        tags=["gateway: integrations"])
async def revoke_token(request: Request[Any, Any, Any], tenant: FromPath[str], token_id: FromPath[str],
                       gateway: InjectedGateway) -> None:
    admin = await admin_of(request, tenant, gateway)
    await gateway.integrations.revoke(tenant, token_id, admin)
