"""Hot writes: the few POSTs that arrive by the hundred in a short while (an application's submission in the last
seconds before a call's deadline), answered in front of Litestar when all goes well, and by Litestar otherwise.

Why (bench/README.md, "Submissions at the deadline"): once the submission itself was seven statements, Litestar's
layers around its handler (the middlewares, the router, the signature model, the dependencies, the guard, the
response object) were about a quarter of what grants spent on a submission, paid by every submission of a
deadline's clusters while the next ones waited. Here the same work is a handful of calls: match the path, verify
the token (kept verified by shared.auth), check the role, open the unit of work for the province, run the
service's own write, commit, encode the answer.

What keeps it honest, as for the hot reads (shared/hot_reads.py): the hot path answers only the happy path. A
request with a query string or a body, a path that does not match exactly, a missing token, a token that does
not verify, a role that may not write, anything the write refuses or raises (a deadline passed, a stale
If-Match, an Idempotency-Key, which Litestar's handler keeps): the unit of work is rolled back, nothing was
sent, and the request goes on to Litestar untouched, which answers it as it answers every request (its problem,
in the person's language). A write refused here is run again there, in a unit of work of its own, and refused
there again, the same way. The Litestar handler of each hot route stays the reference: the OpenAPI document shows
it, and it computes its answer with the very function the hot path calls (`HotWrite.answer`); a test writes both
ways and compares them. As with Litestar's session, the unit of work commits before the answer goes out."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from litestar.serialization import encode_json
from litestar.types import Scope, Send
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, bearer_token
from shared.logs import tenant_var
from shared.requests import header, send_json, tenant_and_id
from shared.tenancy import is_tenant

Header = Callable[[str], str | None]
"""A request header by its lower-case name (None: absent)."""

Answer = Callable[[AsyncSession, Principal, uuid.UUID, Header], Awaitable[tuple[Any, dict[str, str]]]]
"""(the province's unit of work, the person, the id, the request's headers) → (the body, its headers): raises as
the service does."""

ANSWERED = Counter("regie_hot_writes_total", "Writes answered in front of Litestar (shared/hot_writes.py)",
                   ["service", "route"])


@dataclass(frozen=True)
class HotWrite:
    """One POST without a body on one entry: `route` is the path template of the Litestar handler it stands in
    front of, with `{tenant}` and one id (`/{tenant}/applications/{application_id}/submit`); `roles` are that
    handler's guard's, `status` its status code."""

    route: str
    roles: tuple[str, ...]
    answer: Answer
    status: int = 200
    pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", tenant_and_id(self.route))


def without_body(scope: Scope) -> bool:
    """The request announces no body (a POST that is only its path and headers)."""
    length = header(scope, b"content-length")
    return header(scope, b"transfer-encoding") is None and length in (None, "0")


async def answered(app: Litestar, service: str, write: HotWrite, found: re.Match[str], scope: Scope,
                   send: Send) -> bool:
    """Answers the request when all goes well (True); otherwise has written and sent nothing (False)."""
    tenant = found["tenant"]
    token = bearer_token(header(scope, b"authorization"))
    runtime = app.state.get("runtime")
    if token is None or not is_tenant(tenant) or runtime is None or not without_body(scope):
        return False

    def asked(name: str) -> str | None:
        return header(scope, name.encode("latin-1"))

    try:
        principal = await runtime.verifier.verify(token, expected_tenant=tenant)
        if not principal.has_any(write.roles):
            return False
        async with runtime.db.transaction(tenant) as session:
            body, headers = await write.answer(session, principal, uuid.UUID(found["id"]), asked)
        encoded = encode_json(body)
    except Exception:  # noqa: BLE001 - whatever went wrong was rolled back; Litestar answers it (the docstring)
        return False
    tenant_var.set(tenant)  # the log line's, as the authentication middleware sets it
    scope["path_template"] = write.route  # the metrics' and the log line's route
    await send_json(send, write.status, headers, encoded)
    ANSWERED.labels(service, write.route).inc()
    return True
