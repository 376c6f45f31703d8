"""The realm's directory as the notices' e-mail reads it, on the real Keycloak: the regie-directory client's
service account finds a person by username (their account's address and language), the holders of a role, and
nothing at all with a wrong secret (logged, never raised: a notice never fails for its e-mail)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.config import StackConfig
from devstack.stack import Stack
from shared import directory as shared_directory
from shared.directory import ANSWERS, TOKENS, Directory

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
        ANSWERS.forget(lambda key: True)  # an answer kept from before the change would be a minute old at most
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


async def test_the_directorys_token_and_answers_are_kept_across_notices_and_a_refused_token_replaced(
        stack_config: StackConfig) -> None:
    """A Directory is made for each notice; its client's token is kept across them until shortly before it
    expires, the same question is answered from memory for a minute, and a kept token the realm refuses (401) is
    replaced at once rather than costing the e-mails."""
    asked: list[str] = []

    async def count(request: httpx.Request) -> None:
        asked.append("token" if request.url.path.endswith("/protocol/openid-connect/token") else "users")

    async with httpx.AsyncClient(timeout=20, event_hooks={"request": [count]}) as http:
        key = (stack_config.keycloak_url.rstrip("/"), TENANT, stack_config.directory_secret)
        TOKENS.pop(key, None)
        ANSWERS.forget(lambda _: True)
        for _ in range(3):  # three notices for the same person, three Directory objects
            (found,) = await Directory(stack_config.keycloak_url, stack_config.directory_secret, http).people(
                TENANT, users=["juror2"])
            assert found.username == "juror2"
        assert asked == ["token", "users"]
        coordinators = await Directory(stack_config.keycloak_url, stack_config.directory_secret, http).people(
            TENANT, roles=["coordinator"])
        assert "coordinator" in {p.username for p in coordinators}
        assert asked == ["token", "users", "users"]  # another question: asked, with the kept token

        TOKENS[key] = ("not-a-token-the-realm-gave", TOKENS[key][1])
        ANSWERS.forget(lambda _: True)
        (found,) = await Directory(stack_config.keycloak_url, stack_config.directory_secret, http).people(
            TENANT, users=["juror2"])
        assert found.username == "juror2"
        assert asked[3:] == ["users", "token", "users"]  # refused, a new token, asked again
        assert TOKENS[key][0] != "not-a-token-the-realm-gave"


async def test_a_directory_without_a_client_opens_one_only_for_what_it_has_not_kept(
        stack_config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the notices' e-mail makes it (no client of its own): a question not kept opens an HTTP client for
    itself and closes it; the same question again, from another Directory, is answered without one."""
    opened: list[httpx.AsyncClient] = []

    class Counted(httpx.AsyncClient):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            opened.append(self)

    monkeypatch.setattr(shared_directory.httpx, "AsyncClient", Counted)
    ANSWERS.forget(lambda _: True)
    (found,) = await Directory(stack_config.keycloak_url, stack_config.directory_secret).people(
        TENANT, users=["juror2"])
    assert found.email == f"juror2@{TENANT}.regie.test"
    assert len(opened) == 1 and opened[0].is_closed
    for _ in range(3):
        (again,) = await Directory(stack_config.keycloak_url, stack_config.directory_secret).people(
            TENANT, users=["juror2"])
        assert again == found
    assert len(opened) == 1
