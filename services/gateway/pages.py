"""The pages of people, at the edge: the provinces' list and each province's home with its tiles (drawn here),
and every other portal page forwarded to the service that owns it (portals.PORTALS).

A forwarded page gets what the service cannot know: the signed-in person's fresh access token, the session's
CSRF token, the flash message the previous answer left, the request id, the trace context and the language.
Every form post's `_csrf` field is checked against the session here, before the service sees the request. What
comes back is passed on as it arrives, except: a 401 becomes the login that returns to the page, any other
problem becomes the error page for people, and a flash message is kept in the session for the next page."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from litestar import HttpMethod, Request, Response, get, route
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.gateway.errors import advice
from services.gateway.login import signed_in_here
from services.gateway.portals import PAGES, role_labels, tiles_for
from services.gateway.proxy import read_whole, relayed, send_upstream, upstream_url
from services.gateway.runtime import InjectedGateway
from services.gateway.sessions import STALE, USER_KEY, UserSession, check_token, fresh_user
from shared.i18n import _, language
from shared.portal.headers import CSRF_FIELD, CSRF_HEADER, FLASH_HEADER, decode_flash, encode_flash
from shared.portal.pages import PRIVATE, here
from shared.problems import PROBLEM_JSON, BadRequest, Forbidden, NotFound
from shared.tenancy import province_name

FLASH_KEY = "flash"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
MAX_FIRST_PART = 64 * 1024
"""How much of a multipart body may come before the end of its first part, the CSRF field."""


class LoginRequired(Exception):
    """A page needs a signed-in person: answered with the login, which comes back to `next_url`."""

    def __init__(self, tenant: str, next_url: str) -> None:
        super().__init__(tenant)
        self.tenant = tenant
        self.next_url = next_url


def to_login(_: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    return Redirect(f"/{exc.tenant}/aanmelden?next={quote(exc.next_url, safe='/')}")


def page_to_return_to(request: Request[Any, Any, Any], tenant: str) -> str:
    """After a form post the page to come back to is the one the form was on, not the form's action."""
    if request.method == "GET":
        target = here(request)
    else:
        target = urlsplit(request.headers.get("referer", "")).path
    return target if target.startswith(f"/{tenant}/") else f"/{tenant}/"


# ---- the pages the gateway draws itself ----------------------------------------------------------------

@get("/", sync_to_thread=False)
def provinces(request: Request[Any, Any, Any], gateway: InjectedGateway) -> Template:
    signed_in = set(signed_in_here(request))
    tenants = [(tenant, province_name(tenant), tenant in signed_in) for tenant in gateway.settings.service.tenants]
    return Template(template_name="provinces.html", context={"tenants": tenants}, headers=PRIVATE)


@get("/{tenant:str}/")
async def home(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Template:
    user = await fresh_user(request.session, tenant, gateway.realm, gateway.verifier,
                            gateway.settings.refresh_margin_seconds)
    context: dict[str, Any] = {"tenant": tenant, "province": province_name(tenant), "user": user,
                               "flash": take_flash(request)}
    if user is not None:
        context |= {"roles": role_labels(user.roles), "csrf": user.csrf,
                    "portals": tiles_for(user.roles, await gateway.portals.announced()),
                    "integrations": "province-admin" in user.roles}
        context |= await gateway.portals.header(tenant, user.access_token, language())
    return Template(template_name="home.html", context=context, headers=PRIVATE)


# ---- forwarding -------------------------------------------------------------------------------------------

def take_flash(request: Request[Any, Any, Any]) -> dict[str, str] | None:
    flash = request.session.pop(FLASH_KEY, None) if request.session else None
    return flash if isinstance(flash, dict) else None


def first_part(head: bytes, boundary: bytes) -> tuple[str, str] | None:
    """The name and value of a multipart body's first part, once `head` holds all of it; None before."""
    opening = b"--" + boundary + b"\r\n"
    start = head.find(opening)
    if start < 0:
        return None
    headers_end = head.find(b"\r\n\r\n", start + len(opening))
    if headers_end < 0:
        return None
    value_end = head.find(b"\r\n--" + boundary, headers_end + 4)
    if value_end < 0:
        return None
    disposition = head[start + len(opening):headers_end].decode("latin-1").lower()
    name = disposition.split('name="', 1)[1].split('"', 1)[0] if 'name="' in disposition else ""
    return name, head[headers_end + 4:value_end].decode("utf-8", "replace")


async def checked_form(request: Request[Any, Any, Any], user: UserSession) -> AsyncIterator[bytes] | bytes:
    """The body of a form post whose `_csrf` matches the session, to send on. A plain form is read whole (it is
    small); an upload only up to the end of its first part, which must be the CSRF field, and the rest streams
    on untouched."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == FORM:
        body = await request.body()
        check_token(parse_qs(body.decode("latin-1")).get(CSRF_FIELD, [None])[0], user)
        return body
    if media_type != MULTIPART or "boundary=" not in content_type:
        raise Forbidden(_(STALE))
    boundary = content_type.split("boundary=", 1)[1].split(";", 1)[0].strip().strip('"').encode("latin-1")
    stream = request.stream()
    head = b""
    async for chunk in stream:
        head += chunk
        part = first_part(head, boundary)
        if part is not None:
            name, value = part
            check_token(value if name == CSRF_FIELD else None, user)
            break
        if len(head) > MAX_FIRST_PART:
            break
    else:
        part = None
    if part is None:
        raise Forbidden(_(STALE))

    async def rest() -> AsyncIterator[bytes]:
        yield head
        async for chunk in stream:
            yield chunk
    return rest()


def error_page(request: Request[Any, Any, Any], tenant: str, status: int, body: Any) -> Template:
    problem = body if isinstance(body, dict) else {}
    return Template(template_name="error.html", status_code=status, headers=PRIVATE, context={
        "title": problem.get("title", ""), "detail": problem.get("detail"), "status": status,
        "advice": advice(status),
        "request_id": problem.get("request_id"), "tenant": tenant, "province": province_name(tenant)})


PAGE_PATHS = [path for prefix in PAGES
              for path in (f"/{{tenant:str}}/{prefix}", f"/{{tenant:str}}/{prefix}/{{rest:path}}")]


@route(PAGE_PATHS, http_method=[HttpMethod.GET, HttpMethod.POST], include_in_schema=False)
async def page(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Response[Any]:
    path = request.scope["path"]
    if any(segment in {".", ".."} for segment in path.split("/")):
        raise BadRequest(_("het pad mag geen '.'- of '..'-segmenten bevatten"))
    upstream = gateway.settings.upstreams.get(PAGES[path.split("/")[2]])
    if upstream is None:
        raise NotFound(_("deze pagina bestaat niet"))
    user = await fresh_user(request.session, tenant, gateway.realm, gateway.verifier,
                            gateway.settings.refresh_margin_seconds)
    content: AsyncIterator[bytes] | bytes | None = None
    if request.method == "POST":
        if user is None:
            raise LoginRequired(tenant, page_to_return_to(request, tenant))
        content = await checked_form(request, user)
    extra: list[tuple[str, str]] = []
    if user is not None:
        extra.append((CSRF_HEADER, user.csrf))
        if (flash := request.session.pop(FLASH_KEY, None)) is not None:
            extra.append((FLASH_HEADER, flash_header_of(flash)))
    scheme = "https" if gateway.settings.https else "http"
    # The page's path as the browser encoded it, from /<prefix> on: the service serves the same path.
    raw = (request.scope.get("raw_path") or path.encode()).decode("latin-1").split("?", 1)[0]
    url = upstream_url(upstream, tenant, "/" + raw.split("/", 2)[2], request.scope)
    response = await send_upstream(request, gateway.upstream, url,
                                   user.access_token if user else None, scheme, extra_headers=extra,
                                   content=content)
    if (flash_header := decode_flash(response.headers.get(FLASH_HEADER))) is not None:
        request.session[FLASH_KEY] = flash_header
    if response.status < 400 or response.headers.get("content-type", "").split(";")[0] != PROBLEM_JSON:
        return await relayed(response)
    try:
        body = json.loads(await read_whole(response))
    except ValueError:
        body = None
    if response.status == 401:
        # Not signed in, or a session the service no longer accepts: sign in again, and come back.
        request.session.pop(USER_KEY, None)
        raise LoginRequired(tenant, page_to_return_to(request, tenant))
    return error_page(request, tenant, response.status, body)


def flash_header_of(flash: Any) -> str:
    if isinstance(flash, dict) and isinstance(flash.get("text"), str):
        return encode_flash(flash["text"], "error" if flash.get("kind") == "error" else "ok")
    return ""
