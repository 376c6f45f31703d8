"""The committed realm files are the generator's output and hold what the platform relies on."""

from __future__ import annotations

import json

import pytest

from devstack import realms
from devstack.config import TENANTS

ROLES = {"applicant", "juror", "call-manager", "partner", "coordinator", "driver", "province-admin"}
EXTRA_JURORS = {"juror2", "juror3", "jury-chair"}
EXTRA_APPLICANTS = {f"applicant{n}" for n in range(2, 9)}
EXTRA_PARTNERS = {"partner2", "partner3"}
EXTRA_DRIVERS = {"driver2", "driver3"}


@pytest.mark.parametrize("tenant", TENANTS)
def test_realm_file_is_in_sync_with_generator(tenant: str) -> None:
    path = realms.REALMS_DIR / f"{tenant}.json"
    assert path.read_text() == realms.render(tenant), "run: python -m devstack.realms"


@pytest.mark.parametrize("tenant", TENANTS)
def test_realm_content(tenant: str) -> None:
    realm = json.loads((realms.REALMS_DIR / f"{tenant}.json").read_text())
    assert realm["realm"] == tenant
    assert realm["displayName"].startswith("Provincie ")
    assert realm["defaultLocale"] == "nl" and realm["internationalizationEnabled"] is True
    assert {role["name"] for role in realm["roles"]["realm"]} == ROLES

    clients = {client["clientId"]: client for client in realm["clients"]}
    portal = clients["regie-portal"]
    assert portal["publicClient"] and portal["standardFlowEnabled"]
    assert not portal["directAccessGrantsEnabled"] and not portal["implicitFlowEnabled"]
    assert portal["attributes"]["pkce.code.challenge.method"] == "S256"
    assert portal["redirectUris"] == [f"{realms.GATEWAY_URL_PLACEHOLDER}/*"]
    cli = clients["regie-cli"]
    assert cli["publicClient"] and cli["directAccessGrantsEnabled"] and not cli["standardFlowEnabled"]
    for client in (portal, cli):
        audiences = [
            m["config"].get("included.custom.audience") for m in client["protocolMappers"]
        ]
        assert "regie-api" in audiences

    users = {user["username"]: user for user in realm["users"] if not user.get("serviceAccountClientId")}
    (account,) = [user for user in realm["users"] if user.get("serviceAccountClientId")]
    assert account["serviceAccountClientId"] == "regie-directory" and "credentials" not in account
    assert account["clientRoles"] == {"realm-management": ["view-users", "view-realm"]}  # reading, nothing more
    assert set(users) == ROLES | EXTRA_JURORS | EXTRA_APPLICANTS | EXTRA_PARTNERS | EXTRA_DRIVERS
    for username, user in users.items():
        role = ("juror" if username in EXTRA_JURORS else "applicant" if username in EXTRA_APPLICANTS
                else "partner" if username in EXTRA_PARTNERS else "driver" if username in EXTRA_DRIVERS
                else username)
        assert user["realmRoles"] == [role]
        assert user["email"] == f"{username}@{tenant}.regie.test"
        assert user["credentials"][0]["temporary"] is False
    numbers = set()
    for username in ("applicant", "juror", "partner", *EXTRA_JURORS, *EXTRA_APPLICANTS, *EXTRA_PARTNERS):
        number = users[username]["attributes"]["enterprise_number"][0]
        assert len(number) == 10 and number.isdigit()
        assert int(number[8:]) == 97 - int(number[:8]) % 97
        numbers.add(number)
    assert len(numbers) == 6 + len(EXTRA_APPLICANTS) + len(EXTRA_PARTNERS) - 1, \
        "every demo organisation has its own enterprise number"
    assert users["applicant8"]["attributes"] == users["juror"]["attributes"], "colleagues at the same brewery"

    profile = json.loads(
        realm["components"]["org.keycloak.userprofile.UserProfileProvider"][0]["config"][
            "kc.user.profile.config"
        ][0]
    )
    assert "enterprise_number" in {attribute["name"] for attribute in profile["attributes"]}
