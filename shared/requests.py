"""Per-request plumbing as a plain ASGI middleware around the whole application (outside Litestar, so that
it sees every request, also those refused before routing): a request id (taken from X-Request-Id when a
trusted proxy such as the gateway set one, made otherwise) echoed in the response and put into the log
context, the W3C trace context (`traceparent`) for the logs and the events the request stages, Prometheus
metrics by route template, and one structured log line per request."""

from __future__ import annotations

import logging
import re
import time
from contextvars import Token
from typing import Any

from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send
from prometheus_client import Counter, Histogram

from shared.i18n import language_var, preferred_language
from shared.ids import uuid7_text
from shared.logs import log_line, request_id_var, tenant_var, traceparent_var

log = logging.getLogger("regie.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
QUIET_PATHS = ("/health/", "/metrics")

REQUESTS = Counter("regie_http_requests_total", "HTTP requests answered",
                   ["service", "method", "route", "status"])
DURATION = Histogram("regie_http_request_duration_seconds", "Time to answer an HTTP request",
                     ["service", "method", "route"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def header(scope: Scope, name: bytes) -> str | None:
    """One request header straight from the ASGI scope (for middleware that runs before a Request exists)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


PARAMETER = re.compile(r"\{(\w+)\}")
UUID = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def tenant_and_id(route: str) -> re.Pattern[str]:
    """The paths of a route template with `{tenant}` and one id (`/{tenant}/calls/{call_id}`, also with a tail:
    `/{tenant}/applications/{application_id}/submit`), as a pattern with the groups `tenant` and `id`."""
    names = PARAMETER.findall(route)
    if len(names) != 2 or names[0] != "tenant":
        raise ValueError(f"not a route of /{{tenant}}/…/{{id}}[/…]: {route!r}")
    literal = [re.escape(part) for part in PARAMETER.split(route)[::2]]
    return re.compile(f"^{literal[0]}(?P<tenant>[a-z-]+){literal[1]}(?P<id>{UUID}){literal[2]}$")


async def send_json(send: Send, status: int, headers: dict[str, str], encoded: bytes) -> None:
    """An answer of JSON (`encoded`) with `headers`, sent as the two ASGI events an answer is (for the paths
    answered in front of Litestar: shared/hot_reads.py, shared/hot_writes.py)."""
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": [
        *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()),
        (b"content-type", b"application/json"), (b"content-length", str(len(encoded)).encode())]}
    await send(start)
    await send({"type": "http.response.body", "body": encoded, "more_body": False})


def request_id_of(supplied: bytes | None) -> str:
    """The request's id: the one a trusted proxy (the gateway) sent, when well formed; a new one otherwise."""
    text = supplied.decode("latin-1") if supplied else ""
    return text if REQUEST_ID.match(text) else uuid7_text()


def traceparent_of(supplied: bytes | None) -> str | None:
    """The caller's W3C trace context, when well formed."""
    trace = supplied.decode("latin-1").strip().lower() if supplied else ""
    return trace if TRACEPARENT.match(trace) else None


def request_context(headers: dict[bytes, bytes], tenant: str | None = None) -> tuple[str, list[Token[Any]]]:
    """A request's id, trace context, language and tenant set in the current context, from its headers: its id,
    and the tokens that reset them."""
    request_id = request_id_of(headers.get(b"x-request-id"))
    return request_id, [
        request_id_var.set(request_id), tenant_var.set(tenant),
        traceparent_var.set(traceparent_of(headers.get(b"traceparent"))),
        language_var.set(preferred_language(headers.get(b"accept-language", b"").decode("latin-1")))]


_series: dict[tuple[str, str, str, int], tuple[Counter, Histogram]] = {}
"""The metrics' series by their labels, looked up once (prometheus_client's `labels` takes a lock and builds the
key at every call). Routes are templates and statuses few: a bounded set."""


def series_of(service: str, method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    """The request metrics' series of an answer: its count and its duration's."""
    series = _series.get((service, method, route, status))
    if series is None:
        series = _series[service, method, route, status] = (
            REQUESTS.labels(service, method, route, str(status)), DURATION.labels(service, method, route))
    return series


def answered(service: str, method: str, path: str, route: str, status: int, elapsed: float, *,
             line: bool = True) -> None:
    """A request's metrics and its log line (unless `line` is False), once it is answered (also by what answers in
    front of the app: services/gateway/lane.py)."""
    if not path.startswith(QUIET_PATHS):
        series = series_of(service, method, route, status)
        series[0].inc()
        series[1].observe(elapsed)
    if line and (not path.startswith(QUIET_PATHS) or status >= 400):
        # A server error's line is a warning: written at once (shared.logs.BatchedHandler), and found by a
        # search on the level.
        log_line(log, logging.WARNING if status >= 500 else logging.INFO, "request",
                 {"method": method, "path": path, "route": route, "status": status,
                  "duration_ms": round(elapsed * 1000, 1)})


def request_id_middleware(app: ASGIApp, service: str = "regie") -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id, context = request_context(dict(scope["headers"]))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            # The template (/{tenant}/calls), never the raw path: one series per route, not per id.
            answered(service, str(scope.get("method", "")), scope["path"], scope.get("path_template") or "unmatched",
                     status, time.perf_counter() - started)
            for token in context:
                token.var.reset(token)

    return middleware
