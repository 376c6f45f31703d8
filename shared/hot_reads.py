"""Hot reads: the few GETs by id that clients repeat most (an organisation in partners, a call in grants), answered
in front of Litestar when all goes well, and by Litestar otherwise.

Why (bench/README.md, "A tenant-scoped read"): once the read itself was one statement on a pooled connection,
most of a read's CPU was Litestar's layers around its handler: two exception middlewares, the authentication
middleware, the router, the signature model and the dependency resolution, the guards, the response object. For
these reads, the same work is a handful of calls: match the path, verify the token (kept verified by
shared.auth), check the role, run the service's own read, encode the answer.

What keeps it honest: the hot path answers only the happy path. A request with a query string, a path that does not
match exactly, a missing token, a token that does not verify, a role that may not read, an entry the service does
not find or refuses, any error at all: the request goes on to Litestar untouched, and Litestar answers it as it
answers every request (its problem, in the person's language). The Litestar handler of each hot route stays the
reference: it is what the OpenAPI document shows and it computes its answer with the very function the hot path
calls (`HotRead.answer`), so both give the same status, headers and bytes (tests/shared/integration/test_hot_reads.py
compares them, route by route). The request-id middleware still wraps both: the log line, the metrics and the
request id are the same either way; `regie_hot_reads_total` counts the reads answered here."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from litestar.serialization import encode_json
from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import Counter

from shared import hot_writes
from shared.auth import Principal, bearer_token
from shared.hot_writes import HotWrite
from shared.logs import tenant_var
from shared.reads import TenantReads
from shared.requests import header, send_json, tenant_and_id
from shared.tenancy import is_tenant

Answer = Callable[[TenantReads, Principal, uuid.UUID], Awaitable[tuple[Any, dict[str, str]]]]
"""(the province's reads, the person, the id) → (the body, its headers): raises as the service does."""

ANSWERED = Counter("regie_hot_reads_total", "Reads answered in front of Litestar (shared/hot_reads.py)",
                   ["service", "route"])


@dataclass(frozen=True)
class HotRead:
    """One GET by id: `route` is the path template of the Litestar handler it stands in front of, with `{tenant}`
    and one id (`/{tenant}/organisations/{organisation_id}`); `roles` are that handler's guard's."""

    route: str
    roles: tuple[str, ...]
    answer: Answer
    pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", tenant_and_id(self.route))


def hot_path(app: Litestar, service: str, reads: Sequence[HotRead],
             writes: Sequence[HotWrite] = ()) -> ASGIApp:
    """`app`, with `reads` and `writes` (shared/hot_writes.py) answered in front of it (none: `app` itself)."""
    if not reads and not writes:
        return app

    async def hot(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("query_string"):
            method = scope.get("method")
            if method == "GET":
                for read in reads:
                    if (found := read.pattern.match(scope["path"])) is not None:
                        if await _answered(app, service, read, found, scope, send):
                            return
                        break
            elif method == "POST":
                for write in writes:
                    if (found := write.pattern.match(scope["path"])) is not None:
                        if await hot_writes.answered(app, service, write, found, scope, send):
                            return
                        break
        await app(scope, receive, send)

    return hot


async def _answered(app: Litestar, service: str, read: HotRead, found: re.Match[str], scope: Scope,
                    send: Send) -> bool:
    tenant = found["tenant"]
    token = bearer_token(header(scope, b"authorization"))
    runtime = app.state.get("runtime")
    if token is None or not is_tenant(tenant) or runtime is None:
        return False
    try:
        principal = await runtime.verifier.verify(token, expected_tenant=tenant)
        if not principal.has_any(read.roles):
            return False
        body, headers = await read.answer(runtime.reads, principal, uuid.UUID(found["id"]))
        encoded = encode_json(body)
    except Exception:  # noqa: BLE001 - whatever went wrong, Litestar answers it (the module's docstring)
        return False
    tenant_var.set(tenant)  # the log line's, as the authentication middleware sets it
    scope["path_template"] = read.route  # the metrics' and the log line's route
    await send_json(send, 200, headers, encoded)
    ANSWERED.labels(service, read.route).inc()
    return True
