"""/health/live and /health/ready. Ready means the gateway can do its job: every realm of Keycloak answers (no
login without it). The upstreams are reported but do not decide: one service being down must not take every
gateway replica out of rotation (the gateway answers 503 for that service alone). Checked concurrently with
short timeouts so a probe stays cheap, each through the client the gateway really uses for it: the services
through the upstream client (which trusts the internal CA only, REGIE_UPSTREAM_CA_FILE), Keycloak through the
realms' client (which trusts the public CAs of its public https address)."""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
from litestar import get
from litestar.datastructures import State

from services.gateway.runtime import gateway_of
from shared.problems import Problem

CHECK_TIMEOUT_SECONDS = 2.0


class NotReady(Problem):
    kind, status = "unavailable", 503


@get("/health/live", include_in_schema=False, sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


async def _answers(http: aiohttp.ClientSession, url: str) -> str:
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=CHECK_TIMEOUT_SECONDS)) as response:
            return "ok" if response.status == 200 else f"status {response.status}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        return type(exc).__name__


async def _keycloak_answers(http: httpx.AsyncClient, url: str) -> str:
    try:
        response = await http.get(url, timeout=CHECK_TIMEOUT_SECONDS)
        return "ok" if response.status_code == 200 else f"status {response.status_code}"
    except httpx.HTTPError as exc:
        return type(exc).__name__


@get("/health/ready", include_in_schema=False)
async def ready(state: State) -> dict[str, object]:
    gateway = gateway_of(state)
    services = {name: f"{url}/health/ready" for name, url in gateway.settings.upstreams.items()}
    realms = {f"keycloak:{tenant}": gateway.realm.issuer(tenant) for tenant in gateway.settings.service.tenants}
    results = await asyncio.gather(*(_answers(gateway.upstream, url) for url in services.values()),
                                   *(_keycloak_answers(gateway.realm.http, url) for url in realms.values()))
    checks = dict(zip([*services, *realms], results, strict=True))
    if any(result != "ok" for name, result in checks.items() if name.startswith("keycloak:")):
        raise NotReady("niet alle afhankelijkheden zijn bereikbaar", checks=checks)
    return {"status": "ok", "checks": checks}
