"""The API read lane: the gateway's one ASGI layer in front of everything else (uvicorn's proxy headers aside).

Most calls through the gateway are an API client's reads: a GET with a bearer token, no body, no session. For
those, the gateway's full path (the request-id middleware, the province hosts, Litestar's router, the rate limits,
the sessions, the language, the `api` route's handler) cost about 230 µs of CPU per forwarded read on the bench's
2-core machine, the lane 130–145 µs, and a bare forwarder 26–32 µs (bench/README.md, "The gateway's read lane, and
the floor of a hop"). The lane does the same checks in one place, in the same order, and forwards the read:

- the province is one this deployment serves, the service one it knows, and (on a province's own host) the path
  is that province's: else the province hosts' redirect or the route's 404 answers;
- the bearer token verifies for the province (kept verified, shared.auth.TokenVerifier): else the route answers
  its problem;
- the rate limits count it (limits.py), with the client address uvicorn's proxy headers gave;
- the request id, the trace context and the language, as shared.requests sets them; the forwarded headers as the
  route's (proxy.forwarded_headers); the answer with the gateway's security headers and the request id; the
  request's metrics and log line (shared.requests.answered), under the route's template.

Anything else goes on, untouched, to the full path, which stays the reference (the tests compare the two,
tests/gateway/integration/test_gateway_forwarding.py): a write, a body, a query's `taal=`, the province's session
cookie, an integration token, a header given twice, a token that does not verify, a limit exceeded (the rate
limits answer it, from the count the lane made: limits.COUNTED), a service that cannot be reached or an answer
larger than upstream_reads.MAX_BYTES (the route tries once more, answers its problem in the caller's format or
streams the answer). What the lane has counted is not counted again."""

from __future__ import annotations

import re
import time
from typing import Any, cast

from litestar.datastructures import State
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send
from prometheus_client import Counter

from services.gateway.hosts import province_of_host, served_on
from services.gateway.integrations import is_integration_token
from services.gateway.limits import COUNTED, LimitCounts
from services.gateway.proxy import API_ROUTE, answer_headers, forwarded_headers, upstream_path, upstream_target
from services.gateway.runtime import Gateway
from services.gateway.security import add_security_headers
from services.gateway.sessions import cookie_name, token_only
from services.gateway.settings import GatewaySettings
from services.gateway.upstream_reads import UpstreamFailed
from shared.auth import bearer_token
from shared.requests import answered, request_context

API_PATH = re.compile(r"^/(?P<tenant>[a-z-]+)/api/(?P<service>[a-z]+)(?:/.*)?$")
LANE = Counter("regie_gateway_read_lane_total", "API reads forwarded by the gateway's read lane", ["service"])
NO_BODY = (None, b"0")
NO_CONTENT = (204, 304)
NOT_THE_LANES = (b"transfer-encoding", b"expect", b"upgrade")
"""A body, or a protocol change: the full path's."""


class ReadLane:
    """ASGI middleware in front of the gateway's app (shared.service_app.serve's `front`). `state` is the Litestar
    app's: the gateway's live parts are in it while the app runs (its lifespan); before and after, everything takes
    the full path."""

    def __init__(self, app: ASGIApp, settings: GatewaySettings, state: State) -> None:
        self.app = app
        self.settings = settings
        self.state = state
        self.upstreams = settings.upstreams
        self.tenants = frozenset(settings.service.tenants)
        self.limits = LimitCounts.of(settings)
        self.forwarded_by_service = {service: LANE.labels(service) for service in self.upstreams}
        self.secured = add_security_headers(settings)
        self.scheme = "https" if settings.https else "http"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gateway: Gateway | None = self.state.get("gateway")
        if (scope["type"] != "http" or scope.get("method") != "GET" or gateway is None
                or not await self.forwarded(scope, send, gateway)):
            await self.app(scope, receive, send)

    async def forwarded(self, scope: Scope, send: Send, gateway: Gateway) -> bool:
        """Whether the read was the lane's and is answered."""
        found = API_PATH.match(scope["path"])
        if found is None:
            return False
        tenant, service = found["tenant"], found["service"]
        upstream = self.upstreams.get(service)
        given = list(scope["headers"])
        headers = dict(given)
        if (upstream is None or tenant not in self.tenants or len(headers) != len(given)
                or headers.get(b"content-length") not in NO_BODY or any(name in headers for name in NOT_THE_LANES)
                or b"taal=" in scope["query_string"] or not self.province_path(headers.get(b"host"), scope["path"])
                or not token_only(scope, cookie_name(tenant))):  # the province's session: its language, its CSRF
            return False
        authorization = headers.get(b"authorization")
        token = bearer_token(authorization.decode("latin-1") if authorization else None)
        if token is None or is_integration_token(token):
            return False
        try:
            path = upstream_path(scope.get("raw_path"), scope["path"])
            await gateway.verifier.verify(token, expected_tenant=tenant)
        except Exception:  # noqa: BLE001 - the route answers it, with the problem it raises
            return False

        started = time.perf_counter()
        request_id, _context = request_context(headers, tenant)  # this request's task's own (uvicorn runs each in one)
        refused = await self.limits.refused(scope, gateway.counters)  # the client as uvicorn's proxy headers give it
        cast(dict[str, Any], scope)[COUNTED] = refused
        if refused is not None:
            return False  # the rate limits answer it
        try:
            answer = await gateway.reads.get(upstream, upstream_target(tenant, path, scope),
                                             forwarded_headers(scope, token, self.scheme))
        except UpstreamFailed:
            return False  # the route tries once more (streaming a large answer), and answers its problem

        # The service's headers minus the gateway's own, the request id (as shared.requests), the security headers
        # the answer does not set itself (the app's own before_send hook).
        sent = answer_headers(answer.headers)
        if answer.status not in NO_CONTENT:
            sent["content-length"] = str(len(answer.body))
        start: HTTPResponseStartEvent = {"type": "http.response.start", "status": answer.status, "headers": [
            *((name.encode("latin-1"), value.encode("latin-1")) for name, value in sent.items()),
            (b"x-request-id", request_id.encode())]}
        await self.secured(cast(Message, start), scope)
        try:
            await send(start)
            await send({"type": "http.response.body", "body": answer.body, "more_body": False})
        finally:
            answered(self.settings.service.service, "GET", scope["path"], API_ROUTE, answer.status,
                     time.perf_counter() - started)  # under the service's name, as shared.requests
        self.forwarded_by_service[service].inc()
        return True

    def province_path(self, host: bytes | None, path: str) -> bool:
        """Whether the path is served on this host as it is (hosts.province_hosts redirects the rest)."""
        domain = self.settings.province_domain
        return served_on(province_of_host(host.decode("latin-1"), domain, self.settings.service.tenants)
                         if domain and host else None, path)
