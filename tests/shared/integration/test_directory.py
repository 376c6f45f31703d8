"""The realm's directory as the notices' e-mail reads it, on the real Keycloak: the regie-directory client's
service account finds a person by username (their account's address and language), the holders of a role, and
nothing at all with a wrong secret (logged, never raised: a notice never fails for its e-mail)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.directory import Directory

TENANT = "vlaams-brabant"


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20) as client:
        yield client


async def admin_headers(http: httpx.AsyncClient, config: StackConfig) -> dict[str, str]:
    token = (await http.post(f"{config.keycloak_url}/realms/master/protocol/openid-connect/token", data={
        "grant_type": "password", "client_id": "admin-cli", "username": config.keycloak_admin,
        "password": config.keycloak_admin_password})).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def test_a_named_person_and_a_roles_holders_come_with_their_address_and_language(
        http: httpx.AsyncClient, stack_config: StackConfig) -> None:
    admin = await admin_headers(http, stack_config)
    base = f"{stack_config.keycloak_url}/admin/realms/{TENANT}/users"
    (juror,) = (await http.get(base, params={"username": "juror2", "exact": "true"}, headers=admin)).json()
    full = (await http.get(f"{base}/{juror['id']}", headers=admin)).json()
    attributes = full.get("attributes") or {}
    try:
        changed = await http.put(f"{base}/{juror['id']}", headers=admin,
                                 json={**full, "attributes": {**attributes, "locale": ["fr"]}})
        assert changed.status_code == 204, changed.text
        directory = Directory(stack_config.keycloak_url, stack_config.directory_secret, http)
        (found,) = await directory.people(TENANT, users=["juror2"])
        assert (found.username, found.email, found.language) == ("juror2", f"juror2@{TENANT}.regie.test", "fr")
        coordinators = await directory.people(TENANT, roles=["coordinator"])
        assert "coordinator" in {p.username for p in coordinators}
        assert all(p.email.endswith(f"@{TENANT}.regie.test") for p in coordinators)
        assert await directory.people(TENANT, users=["nobody-of-that-name"]) == []
    finally:
        await http.put(f"{base}/{juror['id']}", headers=admin, json={**full, "attributes": attributes})


async def test_a_wrong_secret_finds_nobody_and_raises_nothing(http: httpx.AsyncClient,
                                                              stack_config: StackConfig) -> None:
    assert await Directory(stack_config.keycloak_url, "wrong", http).people(TENANT, users=["juror2"]) == []
    assert await Directory(stack_config.keycloak_url, "", http).people(TENANT, users=["juror2"]) == []
