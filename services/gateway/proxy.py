"""/<tenant>/api/<service>/<path> → <upstream>/<tenant>/<path>, and the forwarding the portal pages use too.

The token is verified here before anything is forwarded (the service verifies it again: defence in depth), so a
token of another realm never reaches a service. Bodies stream both ways: an upload is not held in memory.

The services are called through aiohttp (runtime.upstream_client): on the hot path of every API call and page it
costs a fraction of the CPU httpx did per request (its pool checks, anyio layers and pure-Python parser were a
third of the gateway's time in a profile under load, bench/README.md)."""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
from litestar import HttpMethod, Request, Response, route
from litestar.params import FromPath
from litestar.response import Stream
from litestar.types import Scope

from services.gateway.integrations import is_integration_token
from services.gateway.runtime import Gateway, InjectedGateway
from services.gateway.sessions import fresh_user
from shared.auth import bearer_token
from shared.i18n import _, language
from shared.logs import request_id_var
from shared.portal.headers import CSRF_HEADER, FLASH_HEADER
from shared.problems import BadRequest, Forbidden, NotFound, PayloadTooLarge, Problem, Unauthenticated
from shared.requests import header

log = logging.getLogger("regie.gateway.proxy")

# RFC 9110 §7.6.1 hop-by-hop headers, plus what the gateway sets or must not leak to a service.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "transfer-encoding", "upgrade", "proxy-connection"})
DROPPED_REQUEST = HOP_BY_HOP | {"host", "cookie", "authorization", "forwarded", "x-forwarded-for", "accept-language",
                                "x-forwarded-proto", "x-forwarded-host", "x-request-id", "traceparent",
                                "tracestate", CSRF_HEADER, "x-real-ip", FLASH_HEADER}
# The service's own request id, date and server would duplicate the gateway's; cookies stay the gateway's.
DROPPED_RESPONSE = HOP_BY_HOP | {"set-cookie", "x-request-id", "date", "server", FLASH_HEADER}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UpstreamUnavailable(Problem):
    kind, status = "unavailable", 503


class UpstreamTimeout(Problem):
    kind, status = "unavailable", 504


def upstream_path(raw_path: bytes | None, path: str) -> str:
    """The part after /<tenant>/api/<service>, as the client encoded it (so %2F stays %2F). Dot segments are
    refused: an HTTP client would normalise `/antwerpen/../limburg` into another tenant's URL."""
    if any(segment in {".", ".."} for segment in path.split("/")):
        raise BadRequest(_("het pad mag geen '.'- of '..'-segmenten bevatten"))
    source = raw_path.decode("latin-1").split("?", 1)[0] if raw_path else path
    parts = source.split("/", 4)
    return "/" + parts[4] if len(parts) > 4 else ""


def traceparent(incoming: str | None) -> str:
    """Pass on the caller's W3C trace context; start one when it has none, so the service logs join up. Its ids
    need to be unique, not secret (W3C Trace Context §3.2.2): from the process's random generator, not from the
    system's (two system calls per forwarded request)."""
    if incoming and len(incoming.split("-")) == 4:
        return incoming
    return f"00-{random.getrandbits(128):032x}-{random.getrandbits(64):016x}-01"


def forwarded_headers(scope: Scope, token: str | None, public_scheme: str) -> list[tuple[str, str]]:
    """The request's headers as the service should see them: read from the raw ASGI list in one pass (this runs
    for every call through the gateway)."""
    received = [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in scope["headers"]]
    given = dict(received)
    connection_listed = {h.strip() for h in given.get("connection", "").lower().split(",")}
    headers = [(k, v) for k, v in received if k not in DROPPED_REQUEST and k not in connection_listed]
    peer = scope.get("client")
    client = peer[0] if peer else ""
    if token is not None:
        headers.append(("authorization", f"Bearer {token}"))
    headers += [
        ("x-forwarded-for", client),
        ("x-forwarded-proto", public_scheme),
        ("x-forwarded-host", given.get("host", "")),
        ("traceparent", traceparent(given.get("traceparent"))),
        # The language this request is answered in: the person's choice, else what the browser asked for.
        ("accept-language", language()),
    ]
    if (request_id := request_id_var.get()) is not None:
        headers.append(("x-request-id", request_id))
    return headers


def check_csrf(request: Request[Any, Any, Any], session_csrf: str) -> None:
    """Session-authenticated (cookie) calls that change something must carry the session's CSRF token in the
    X-CSRF-Token header (synchronizer token, rendered into the portal pages). A cross-site form cannot set a
    header, and a cross-site script cannot read the token; SameSite=Lax on the cookie is a second fence."""
    if request.method not in UNSAFE_METHODS:
        return
    supplied = request.headers.get(CSRF_HEADER, "")
    if not supplied or not secrets.compare_digest(supplied, session_csrf):
        raise Forbidden(_("de CSRF-controle faalde: stuur de X-CSRF-Token-header van deze sessie mee"))


def has_body(request: Request[Any, Any, Any], max_bytes: int) -> bool:
    """Whether there is a body to stream on. One announced as too large is refused before the service is
    called; one that only turns out too large while streaming is cut off by Litestar's own limit."""
    try:
        announced = int(request.headers.get("content-length") or 0)
    except ValueError as exc:
        raise BadRequest(_("ongeldige Content-Length")) from exc
    if announced > max_bytes:
        raise PayloadTooLarge(_("de aanvraag is groter dan %(mib)s MiB") % {"mib": max_bytes // (1024 * 1024)})
    return announced > 0 or "transfer-encoding" in request.headers


SAFE_TO_RETRY = frozenset({"GET", "HEAD"})


class WatchedBody:
    """The client's body as it streams on, remembering what went wrong reading it (the body limit's 413, a
    client gone): the HTTP client reports that only as a failed request, and the caller should hear the cause."""

    def __init__(self, source: AsyncIterator[bytes]) -> None:
        self.source = source
        self.failure: BaseException | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.source:
                yield chunk
        except Exception as exc:
            self.failure = exc
            raise


async def send_upstream(request: Request[Any, Any, Any], http: aiohttp.ClientSession, url: str, token: str | None,
                        public_scheme: str, *, extra_headers: list[tuple[str, str]] | None = None,
                        content: AsyncIterator[bytes] | bytes | None = None) -> aiohttp.ClientResponse:
    """The request, as the service should see it, sent with its body streaming on; the answer's body is left to
    read (the caller releases it). `content` replaces the body when the gateway had to read part of it.

    A read without a body that finds its pooled connection closed by the service (restarted, or its keep-alive
    ended just then) is sent once more on a new connection: a read is safe to repeat, a change is not (it may
    have reached the service's handler before the connection broke)."""
    if content is None:
        max_bytes = request.route_handler.resolve_request_max_body_size() or 0
        content = request.stream() if has_body(request, max_bytes) else None
    body = WatchedBody(content) if content is not None and not isinstance(content, bytes) else None
    headers = forwarded_headers(request.scope, token, public_scheme) + list(extra_headers or [])
    return await request_upstream(http, request.method, url, headers, body, content)


async def request_upstream(http: aiohttp.ClientSession, method: str, url: str, headers: list[tuple[str, str]],
                           body: WatchedBody | None = None,
                           content: AsyncIterator[bytes] | bytes | None = None) -> aiohttp.ClientResponse:
    """`send_upstream`'s call itself, with its one retry of a read and its problems."""
    retries = 1 if method in SAFE_TO_RETRY and content is None else 0
    upstream = url.split("/", 3)[2]
    while True:
        try:
            return await http.request(method, url, headers=headers, data=body or content, allow_redirects=False)
        except TimeoutError as exc:
            log.warning("upstream timed out", extra={"upstream": upstream})
            raise UpstreamTimeout(_("de dienst antwoordde niet op tijd")) from exc
        except aiohttp.ClientError as exc:
            if body is not None and body.failure is not None:
                raise body.failure from None
            if retries and isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
                retries -= 1
                continue
            log.warning("upstream unreachable", extra={"upstream": upstream, "error": type(exc).__name__})
            raise UpstreamUnavailable(_("de dienst is niet bereikbaar")) from exc


SMALL_BYTES = 64 * 1024
"""An answer announced at most this large is read whole and sent on in one piece (most API answers and pages):
fewer steps per request than streaming it; a larger or unannounced one streams."""


def is_small(headers: dict[str, str]) -> bool:
    """Announced at most SMALL_BYTES: read whole and sent on in one piece."""
    announced = headers.get("content-length", "")
    return announced.isdigit() and int(announced) <= SMALL_BYTES


def answer_headers(raw_headers: Iterable[tuple[bytes, bytes]], dropped: frozenset[str] = DROPPED_RESPONSE
                   ) -> dict[str, str]:
    """The service's answer headers, minus those the gateway owns. Litestar keeps one value per name; repeated
    headers (Vary, Link) are joined, as RFC 9110 §5.3 allows."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name not in dropped:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def read_whole(response: aiohttp.ClientResponse) -> bytes:
    """The whole body, the connection then back in the pool (or closed on an error)."""
    try:
        return await response.read()
    except TimeoutError as exc:
        raise UpstreamTimeout(_("de dienst antwoordde niet op tijd")) from exc
    except aiohttp.ClientError as exc:
        raise UpstreamUnavailable(_("de dienst brak zijn antwoord af")) from exc
    finally:
        response.release()


async def streamed(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The body as it arrives; afterwards the connection goes back to the pool, or is closed when the body was
    not read to its end (the client went away)."""
    try:
        async for chunk in response.content.iter_any():
            yield chunk
    finally:
        if response.content.at_eof():
            response.release()
        else:
            response.close()


async def relayed(response: aiohttp.ClientResponse, dropped: frozenset[str] = DROPPED_RESPONSE
                  ) -> Response[bytes] | Stream:
    """The service's answer sent on to the client, minus the headers the gateway owns."""
    headers = answer_headers(response.raw_headers, dropped)
    media_type = headers.get("content-type")
    if is_small(headers):
        content = await read_whole(response)
        headers.pop("content-length", None)  # Litestar sets it from the content
        return Response(content, status_code=response.status, headers=headers, media_type=media_type)
    return Stream(streamed(response), status_code=response.status, headers=headers, media_type=media_type)


def upstream_url(upstream: str, tenant: str, path: str, scope: Scope) -> str:
    return upstream + upstream_target(tenant, path, scope)


def upstream_target(tenant: str, path: str, scope: Scope) -> str:
    """The service's path and query for a forwarded call: the province's path, the caller's query as it came."""
    query = scope.get("query_string", b"").decode("latin-1")
    return f"/{tenant}{path}" + (f"?{query}" if query else "")


PUBLIC_API = "/public/"
"""Every service's API for anyone (a call's public page, the supplier catalogue) lives under /public/: read
without login, so forwarded without a token when the caller brings none. The service still decides."""


async def caller_token(request: Request[Any, Any, Any], tenant: str, gateway: Gateway, path: str) -> str | None:
    """API clients bring a bearer token; the portal's own pages ride on the session (then CSRF applies); a read of
    a public path may come with neither (None: forwarded anonymously)."""
    authorization = header(request.scope, b"authorization")  # not .headers: a parse of them all
    if authorization:
        token = bearer_token(authorization)
        if token is None:
            raise Unauthenticated(_("alleen een Bearer-toegangsbewijs wordt aanvaard"))
        return token
    user = await fresh_user(request.session, tenant, gateway.realm, gateway.verifier,
                            gateway.settings.refresh_margin_seconds)
    if user is None:
        if request.method in {"GET", "HEAD"} and path.startswith(PUBLIC_API):
            return None
        raise Unauthenticated(_("een Bearer-toegangsbewijs of een aanmelding is vereist"))
    check_csrf(request, user.csrf)
    return user.access_token


API_ROUTE = "/{tenant}/api/{service}/{rest}"
"""The route's template: the metrics' and the log line's route of every forwarded call (also the read lane's)."""


@route(["/{tenant:str}/api/{service:str}", "/{tenant:str}/api/{service:str}/{rest:path}"],
       http_method=[HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE],
       include_in_schema=False)
async def api(request: Request[Any, Any, Any], tenant: FromPath[str], service: FromPath[str],
              gateway: InjectedGateway) -> Response[bytes] | Stream:
    # The path after the service is taken from the raw path, never from a parameter.
    upstream = gateway.settings.upstreams.get(service)
    if upstream is None:
        raise NotFound(_("onbekende dienst %(service)r") % {"service": service})
    path = upstream_path(request.scope.get("raw_path"), request.scope["path"])
    token = await caller_token(request, tenant, gateway, path)
    if token is not None and is_integration_token(token):
        token = await gateway.integrations.call_token(token, tenant)  # checked at every call; 401 once revoked
    elif token is not None:
        await gateway.verifier.verify(token, expected_tenant=tenant)
    scheme = "https" if gateway.settings.https else "http"
    response = await send_upstream(request, gateway.upstream, upstream_url(upstream, tenant, path, request.scope),
                                   token, scheme)
    return await relayed(response)
