"""A stand-in for a service, served the way every service is: shared.service_app.serve with the settings read from
the environment (REGIE_HTTP_HOST/PORT, REGIE_HTTP_TLS_CERT, REGIE_HTTP_TLS_KEY). The gateway's TLS tests run it
as a process of its own (`python -m tests.gateway.integration.tls_service`) and call it through the gateway.

It answers a public read (`/<tenant>/public/echo`, which the gateway forwards without a token), its readiness,
and how many reads it served (`/calls`): so a test can tell that a refused connection never became a request."""

from __future__ import annotations

from litestar import Litestar, get

from shared.service_app import serve
from shared.settings import ServiceSettings

calls = {"echo": 0}


@get("/health/ready", sync_to_thread=False)
def ready() -> dict[str, str]:
    return {"status": "ok"}


@get("/{tenant:str}/public/echo", sync_to_thread=False)
def echo(tenant: str) -> dict[str, str]:
    calls["echo"] += 1
    return {"tenant": tenant, "served_by": "stand-in"}


@get("/calls", sync_to_thread=False)
def served() -> dict[str, int]:
    return dict(calls)


if __name__ == "__main__":
    serve(Litestar([ready, echo, served]), ServiceSettings())
