"""Token verification against the real Keycloak realms."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.auth import TokenVerifier
from shared.problems import InvalidToken, WrongTenant
from shared.tenancy import TENANTS


class CountingClient(httpx.AsyncClient):
    def __init__(self) -> None:
        super().__init__(timeout=5.0)
        self.jwks_fetches = 0

    async def get(self, url, **kwargs):  # type: ignore[override]
        if url.endswith("/certs"):
            self.jwks_fetches += 1
        return await super().get(url, **kwargs)


@pytest.fixture
async def verifier(stack: Stack, stack_config: StackConfig) -> AsyncIterator[TokenVerifier]:
    verifier = TokenVerifier(stack_config.keycloak_url, TENANTS, http=CountingClient())
    yield verifier
    await verifier.aclose()


async def test_a_real_token_gives_the_principal_with_tenant_roles_and_enterprise_number(verifier, tokens) -> None:
    principal = await verifier.verify(tokens("antwerpen", "applicant"), expected_tenant="antwerpen")
    assert principal.tenant == "antwerpen"
    assert principal.roles == {"applicant"}
    assert principal.username == "applicant"
    assert principal.email == "applicant@antwerpen.regie.test"
    assert principal.enterprise_number is not None and len(principal.enterprise_number) == 10


async def test_a_token_of_one_province_is_refused_on_another(verifier, tokens) -> None:
    with pytest.raises(WrongTenant, match="antwerpen"):
        await verifier.verify(tokens("antwerpen", "call-manager"), expected_tenant="limburg")


async def test_an_expired_token_is_refused(stack_config: StackConfig, stack: Stack, tokens) -> None:
    later = TokenVerifier(stack_config.keycloak_url, TENANTS, clock=lambda: time.time() + 3600)
    with pytest.raises(InvalidToken, match="verlopen"):
        await later.verify(tokens("limburg", "juror"), expected_tenant="limburg")
    await later.aclose()


async def test_a_token_seen_before_is_still_checked_for_its_province_and_its_time(stack_config: StackConfig,
                                                                                 stack: Stack, tokens) -> None:
    """The second use skips the signature, not the checks: another province is refused, and so is the same token
    once the clock passes its expiry."""
    clock = {"now": time.time()}
    verifier = TokenVerifier(stack_config.keycloak_url, TENANTS, clock=lambda: clock["now"])
    token = tokens("limburg", "juror")
    first = await verifier.verify(token, expected_tenant="limburg")
    assert await verifier.verify(token, expected_tenant="limburg") == first
    with pytest.raises(WrongTenant, match="limburg"):
        await verifier.verify(token, expected_tenant="antwerpen")
    clock["now"] += 3600
    with pytest.raises(InvalidToken, match="verlopen"):
        await verifier.verify(token, expected_tenant="limburg")
    await verifier.aclose()


async def test_a_token_signed_with_another_key_is_refused(verifier, tokens) -> None:
    genuine = tokens("limburg", "juror")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    claims["realm_access"] = {"roles": ["province-admin"]}
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, forger, algorithm="RS256", headers={"kid": jwt.get_unverified_header(genuine)["kid"]})
    with pytest.raises(InvalidToken, match="handtekening"):
        await verifier.verify(forged, expected_tenant="limburg")
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(InvalidToken):
        await verifier.verify(unsigned, expected_tenant="limburg")


async def test_unknown_key_ids_refresh_the_key_set_but_not_for_every_request(verifier, tokens) -> None:
    genuine = tokens("vlaams-brabant", "driver")
    await verifier.verify(genuine)
    assert verifier.http.jwks_fetches == 1
    claims = jwt.decode(genuine, options={"verify_signature": False})
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for attempt in range(5):
        forged = jwt.encode(claims, forger, algorithm="RS256", headers={"kid": f"forged-{attempt}"})
        with pytest.raises(InvalidToken, match="onbekende sleutel"):
            await verifier.verify(forged)
    assert verifier.http.jwks_fetches == 1  # within the refresh interval: no request to Keycloak at all
    verifier.min_refresh = 0  # the interval has passed
    with pytest.raises(InvalidToken, match="onbekende sleutel"):
        await verifier.verify(jwt.encode(claims, forger, algorithm="RS256", headers={"kid": "forged-late"}))
    assert verifier.http.jwks_fetches == 2


async def test_a_rotated_realm_key_is_picked_up_without_restart(stack: Stack, stack_config: StackConfig) -> None:
    keycloak = stack_config.keycloak_url
    verifier = TokenVerifier(keycloak, TENANTS, min_refresh_seconds=0)
    realm = "west-vlaanderen"
    async with httpx.AsyncClient(timeout=20) as http:
        admin = (await http.post(f"{keycloak}/realms/master/protocol/openid-connect/token", data={
            "grant_type": "password", "client_id": "admin-cli", "username": stack_config.keycloak_admin,
            "password": stack_config.keycloak_admin_password})).json()["access_token"]
        headers = {"Authorization": f"Bearer {admin}"}

        async def token() -> str:
            response = await http.post(f"{keycloak}/realms/{realm}/protocol/openid-connect/token", data={
                "grant_type": "password", "client_id": "regie-cli", "username": "coordinator", "password": "demo"})
            return response.json()["access_token"]

        before = await token()
        await verifier.verify(before, expected_tenant=realm)
        realm_id = (await http.get(f"{keycloak}/admin/realms/{realm}", headers=headers)).json()["id"]
        created = await http.post(f"{keycloak}/admin/realms/{realm}/components", headers=headers, json={
            "name": "rotation-test", "providerId": "rsa-generated", "providerType": "org.keycloak.keys.KeyProvider",
            "parentId": realm_id, "config": {"priority": [str(10_000 + int(time.time()) % 10_000)]}})
        assert created.status_code == 201, created.text
        component = created.headers["location"].rsplit("/", 1)[-1]
        try:
            after = await token()
            assert jwt.get_unverified_header(after)["kid"] != jwt.get_unverified_header(before)["kid"]
            principal = await verifier.verify(after, expected_tenant=realm)
            assert principal.roles == {"coordinator"}
        finally:
            await http.delete(f"{keycloak}/admin/realms/{realm}/components/{component}", headers=headers)
    await verifier.aclose()


async def test_the_realms_id_and_refresh_tokens_are_refused_where_an_access_token_is_wanted(
        verifier: TokenVerifier, stack_config: StackConfig) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        issued = (await http.post(
            f"{stack_config.keycloak_url}/realms/limburg/protocol/openid-connect/token",
            data={"grant_type": "password", "client_id": "regie-cli", "username": "coordinator", "password": "demo",
                  "scope": "openid"})).json()
    assert (await verifier.verify(issued["access_token"], expected_tenant="limburg")).username == "coordinator"
    for kind in ("id_token", "refresh_token"):
        with pytest.raises(InvalidToken):
            await verifier.verify(issued[kind], expected_tenant="limburg")
