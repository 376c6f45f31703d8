"""Per-request plumbing as a plain ASGI middleware: a request id (taken from X-Request-Id when a trusted
proxy such as the gateway set one, made otherwise), echoed in the response, put into the log context, and
one structured log line per request."""

from __future__ import annotations

import logging
import re
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shared.ids import uuid7
from shared.logs import request_id_var, tenant_var

log = logging.getLogger("regie.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
QUIET_PATHS = ("/health/", "/metrics")


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        supplied = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if REQUEST_ID.match(supplied) else str(uuid7())
        request_token = request_id_var.set(request_id)
        tenant_token = tenant_var.set(None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            path = scope["path"]
            if not path.startswith(QUIET_PATHS) or status >= 400:
                log.info("request", extra={"method": scope["method"], "path": path, "status": status,
                                           "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            request_id_var.reset(request_token)
            tenant_var.reset(tenant_token)

    return middleware
