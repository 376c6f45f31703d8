"""The person's language: chosen with the switch on every page (POST /<tenant>/taal), kept in the province's
session and in the Keycloak account (so the login page and the next login speak it too), and passed on to the
services as the Accept-Language of every forwarded request, so their pages and problem details follow it.

Without a choice the browser's Accept-Language decides (shared.requests sets the request's language from it);
the provinces' list (no province, so no session) takes `?taal=` for the one page."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send

from services.gateway.runtime import InjectedGateway
from services.gateway.sessions import LANGUAGE_KEY, check_token, load_user, safe_next
from shared.i18n import LANGUAGES, _, language_var
from shared.portal.headers import CSRF_FIELD
from shared.problems import BadRequest

log = logging.getLogger("regie.gateway.languages")


def chosen_language(session: Any) -> str | None:
    lang = session.get(LANGUAGE_KEY) if isinstance(session, dict) else None
    return lang if lang in LANGUAGES else None


def asked_language(query: bytes) -> str | None:
    """`?taal=fr`: the language switch of a page outside any province (no session to keep it in)."""
    for pair in query.split(b"&"):
        if pair.startswith(b"taal="):
            lang = pair[5:].decode("latin-1")
            return lang if lang in LANGUAGES else None
    return None


class SessionLanguage:
    """ASGI middleware inside the sessions': a language chosen in this province's session overrides the
    browser's, for the gateway's own pages and problems and, through the Accept-Language the proxy sends
    (proxy.forwarded_headers), for the services."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lang = None
        if scope["type"] == "http":
            lang = chosen_language(scope.get("session")) or asked_language(scope.get("query_string", b""))
        if lang is None:
            await self.app(scope, receive, send)
            return
        token = language_var.set(lang)
        try:
            await self.app(scope, receive, send)
        finally:
            language_var.reset(token)


LanguageForm = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


@post("/{tenant:str}/taal", status_code=303)
async def choose_language(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway,
                          data: LanguageForm) -> Redirect:
    lang = data.get("lang", "")
    if lang not in LANGUAGES:
        raise BadRequest(_("kies Nederlands, Frans of Engels"))
    user = load_user(request.session)
    if user is not None:
        # A signed-in person's choice also changes their account: only with this session's own form.
        check_token(data.get(CSRF_FIELD), user)
        if not await gateway.realm.remember_locale(tenant, user.access_token, lang):
            log.info("the account's language was not saved in Keycloak; the session keeps it")
    request.session[LANGUAGE_KEY] = lang
    target = safe_next(data.get("next"), tenant)
    if target.split("?", 1)[0] == f"/{tenant}/taal":  # the switch on an error page after a post to it
        target = f"/{tenant}/"
    return Redirect(target, status_code=303)
