"""A province admin's integration tokens on the real platform: created (shown once, kept hashed in NATS), used
for the services' API through the gateway with the roles they were given, their last use recorded, and revoked:
the next call gets 401, also at another replica of the gateway."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from devstack.config import StackConfig
from devstack.stack import Stack
from tests.gateway.integration.test_gateway_rate_limits import wait_ready

TENANT = "limburg"
REPLICA_PORT_OFFSET = 998
TokenFor = Callable[[str, str], str]


@pytest.fixture(scope="module")
def api(gateway_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway_url, timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def second_replica(stack: Stack, stack_config: StackConfig, gateway_url: str) -> Iterator[str]:
    port = stack_config.port_base + REPLICA_PORT_OFFSET
    env = {**stack_config.service_env("gateway"), "REGIE_HTTP_PORT": str(port)}
    process = subprocess.Popen([sys.executable, "-m", "services.gateway"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_an_integration_token_from_creation_to_revocation(api: httpx.Client, token_for: TokenFor,
                                                          second_replica: str, partners_url: str) -> None:
    admin = bearer(token_for(TENANT, "province-admin"))
    made = api.post(f"/{TENANT}/api/integrations/tokens", headers=admin,
                    json={"name": "Boekhouding", "roles": ["coordinator"], "days": 30})
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    token = made.json()["token"]
    assert token.startswith("regie_") and made.json()["active"] is True
    listed = api.get(f"/{TENANT}/api/integrations/tokens", headers=admin).json()["items"]
    mine = next(item for item in listed if item["id"] == made.json()["id"])
    assert "token" not in mine and "secret_sha256" not in mine and token.split("_")[-1] not in str(listed)
    assert mine["last_used_at"] is None and mine["roles"] == ["coordinator"]

    # It acts with its role, in its province only, and only through the gateway.
    read = api.get(f"/{TENANT}/api/partners/organisations", params={"limit": 1}, headers=bearer(token))
    assert read.status_code == 200, read.text
    assert api.get(f"/{TENANT}/api/grants/calls", headers=bearer(token)).status_code in {200, 403}
    assert api.get("/antwerpen/api/partners/organisations", headers=bearer(token)).status_code == 401
    assert httpx.get(f"{partners_url}/{TENANT}/organisations", headers=bearer(token)).status_code == 401
    assert httpx.get(f"{second_replica}/{TENANT}/api/partners/organisations", params={"limit": 1},
                     headers=bearer(token), timeout=15).status_code == 200
    # It does not manage tokens, and neither does anyone but the province admin.
    assert api.get(f"/{TENANT}/api/integrations/tokens", headers=bearer(token)).status_code == 401
    coordinator = bearer(token_for(TENANT, "coordinator"))
    assert api.post(f"/{TENANT}/api/integrations/tokens", headers=coordinator,
                    json={"name": "x", "roles": ["coordinator"], "days": 1}).status_code == 403
    assert api.get("/antwerpen/api/integrations/tokens", headers=admin).status_code == 401  # limburg's admin
    refused = api.post(f"/{TENANT}/api/integrations/tokens", headers=admin,
                       json={"name": "Te machtig", "roles": ["province-admin"], "days": 30})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        listed = api.get(f"/{TENANT}/api/integrations/tokens", headers=admin).json()["items"]
        if next(item for item in listed if item["id"] == made.json()["id"])["last_used_at"]:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the last use was not recorded")

    revoked = api.delete(f"/{TENANT}/api/integrations/tokens/{made.json()['id']}", headers=admin)
    assert revoked.status_code == 204
    after = api.get(f"/{TENANT}/api/partners/organisations", params={"limit": 1}, headers=bearer(token))
    assert after.status_code == 401 and "ingetrokken" in after.json()["detail"]
    deadline = time.monotonic() + 5
    while True:  # the other replica hears of it through its watch on the bucket
        elsewhere = httpx.get(f"{second_replica}/{TENANT}/api/partners/organisations", params={"limit": 1},
                              headers=bearer(token), timeout=15)
        if elsewhere.status_code == 401 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert elsewhere.status_code == 401
    listed = api.get(f"/{TENANT}/api/integrations/tokens", headers=admin).json()["items"]
    gone = next(item for item in listed if item["id"] == made.json()["id"])
    assert gone["active"] is False and gone["revoked_at"] is not None
