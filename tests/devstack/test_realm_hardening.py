"""The provinces' realms on the real Keycloak: a password must meet the policy (at least 12 characters, not the
username), and an account is locked after repeated failed logins, the right password included until the lock
ends. Each test makes an account of its own, so no demo login is ever locked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from devstack.config import StackConfig
from devstack.realms import BRUTE_FORCE, PASSWORD_POLICY
from devstack.stack import Stack

TENANT = "limburg"
GOOD = "een-lange-zin-als-wachtwoord"


@pytest.fixture
def admin(stack: Stack, stack_config: StackConfig) -> Iterator[httpx.Client]:
    token = httpx.post(f"{stack_config.keycloak_url}/realms/master/protocol/openid-connect/token", data={
        "grant_type": "password", "client_id": "admin-cli", "username": stack_config.keycloak_admin,
        "password": stack_config.keycloak_admin_password}, timeout=30).json()["access_token"]
    with httpx.Client(base_url=f"{stack_config.keycloak_url}/admin/realms/{TENANT}", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def new_user(admin: httpx.Client) -> tuple[str, str]:
    username = f"probe-{uuid.uuid4().hex[:10]}"
    made = admin.post("/users", json={"username": username, "enabled": True, "firstName": "Probe",
                                      "lastName": "Account", "email": f"{username}@example.be",
                                      "emailVerified": True})
    assert made.status_code == 201, made.text
    return username, made.headers["location"].rsplit("/", 1)[1]


def login(stack_config: StackConfig, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{stack_config.keycloak_url}/realms/{TENANT}/protocol/openid-connect/token", data={
        "grant_type": "password", "client_id": "regie-cli", "username": username, "password": password},
        timeout=30)


def test_the_realm_holds_the_policy_and_the_brute_force_protection(admin: httpx.Client) -> None:
    realm = admin.get("").json()
    assert realm["passwordPolicy"] == PASSWORD_POLICY
    assert {k: realm[k] for k in BRUTE_FORCE} == BRUTE_FORCE


def test_a_password_that_does_not_meet_the_policy_is_refused(admin: httpx.Client, stack_config: StackConfig) -> None:
    username, user_id = new_user(admin)

    def set_password(value: str) -> httpx.Response:
        return admin.put(f"/users/{user_id}/reset-password",
                         json={"type": "password", "value": value, "temporary": False})

    short = set_password("te-kort")
    assert short.status_code == 400, short.text
    assert set_password(username).status_code == 400  # 16 characters, but the username itself
    assert set_password(GOOD).status_code == 204
    assert login(stack_config, username, GOOD).status_code == 200


def test_after_five_failed_logins_even_the_right_password_is_refused_for_a_while(
        admin: httpx.Client, stack_config: StackConfig) -> None:
    username, user_id = new_user(admin)
    assert admin.put(f"/users/{user_id}/reset-password",
                     json={"type": "password", "value": GOOD, "temporary": False}).status_code == 204
    assert login(stack_config, username, GOOD).status_code == 200
    for _ in range(BRUTE_FORCE["failureFactor"]):
        # 401 for the wrong password; 400 once the account is locked (logins this fast lock it early)
        assert login(stack_config, username, "een-verkeerd-wachtwoord").status_code in {400, 401}
    refused = login(stack_config, username, GOOD)
    assert refused.status_code in {400, 401}, refused.text
    assert "access_token" not in refused.json()
    status = admin.get(f"/attack-detection/brute-force/users/{user_id}").json()
    # Locked (failures this fast lock it at once, before the fifth: later attempts are not even counted).
    assert status["disabled"] is True and status["numFailures"] >= 1
