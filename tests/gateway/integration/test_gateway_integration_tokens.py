"""A province admin's integration tokens on the real platform: created (shown once, kept hashed in NATS), used
for the services' API through the gateway with the roles they were given, their last use recorded, and revoked:
the next call gets 401, also at another replica of the gateway."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import msgspec
import nats
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


def test_a_last_use_written_late_never_undoes_a_revocation(stack: Stack, stack_config: StackConfig) -> None:
    """Two replicas: one revokes while the other, not yet told, writes the token's last use over the state it
    knew. The write is made over that state's revision, fails, is made again over the revoked record."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from services.gateway.integrations import Integrations
    from shared.auth import Principal

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    bucket = f"INTEGRATIONS_TEST_{uuid.uuid4().hex[:8].upper()}"
    admin = Principal(subject="s", tenant=TENANT, roles=frozenset({"province-admin"}), username="province-admin")

    async def scenario() -> tuple[float | None, float | None]:
        first = Integrations({"servers": stack_config.nats_url}, 1, pem, "regie-api", bucket=bucket)
        second = Integrations({"servers": stack_config.nats_url}, 1, pem, "regie-api", bucket=bucket)
        first.start()
        await first.available()
        record, _token = await first.create(TENANT, admin, "Laat", ["coordinator"], 1)
        # The second replica knows the record as it was made, and hears nothing more (no watch).
        second.nc = await nats.connect(stack_config.nats_url)
        second.kv = await second.nc.jetstream().key_value(bucket)
        entry = await second.kv.get(f"{TENANT}.{record.id}")
        second._apply(entry.key, entry.value, entry.operation, entry.revision)
        second.ready.set()
        await first.revoke(TENANT, record.id, admin)
        await second._used(record.id, time.time())
        final = await first.kv.get(f"{TENANT}.{record.id}")
        stored = msgspec.json.decode(final.value, type=type(record))
        await first.kv.delete(f"{TENANT}.{record.id}")
        await first.nc.jetstream().delete_key_value(bucket)
        await first.aclose()
        await second.aclose()
        return stored.revoked_at, stored.last_used_at

    revoked_at, last_used_at = asyncio.run(scenario())
    assert revoked_at is not None  # still revoked
    assert last_used_at is not None  # and the late last use is there too
