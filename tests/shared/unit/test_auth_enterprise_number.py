"""The enterprise number a token names: normalised to the ten digits every table stores, and a malformed one
refused with 403 (not a 500 further on). Tokens signed here with a key whose JWKS an in-memory transport
serves, so no Keycloak is needed."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.auth import TokenVerifier
from shared.problems import Forbidden

KEYCLOAK = "http://keycloak.test"
TENANT = "limburg"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(request: httpx.Request) -> httpx.Response:
    public = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    return httpx.Response(200, json={"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})


def token(**claims: Any) -> str:
    now = int(time.time())
    body = {"iss": f"{KEYCLOAK}/realms/{TENANT}", "aud": "regie-api", "sub": "s-1", "exp": now + 300,
            "iat": now, "typ": "Bearer", "azp": "regie-portal", "preferred_username": "applicant",
            "realm_access": {"roles": ["applicant"]}, **claims}
    return jwt.encode(body, KEY, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
async def verifier() -> AsyncIterator[TokenVerifier]:
    verifier = TokenVerifier(KEYCLOAK, [TENANT], http=httpx.AsyncClient(transport=httpx.MockTransport(jwks)))
    yield verifier
    await verifier.aclose()


@pytest.mark.parametrize("claim", ["0123456749", "BE0123.456.749", "be 0123 456 749", "123456749", 123456749])
async def test_an_enterprise_number_in_any_kbo_notation_is_the_ten_digits(verifier: TokenVerifier, claim) -> None:
    principal = await verifier.verify(token(enterprise_number=claim), expected_tenant=TENANT)
    assert principal.enterprise_number == "0123456749"


@pytest.mark.parametrize("claim", [None, ""])
async def test_a_token_without_an_enterprise_number_names_no_organisation(verifier: TokenVerifier, claim) -> None:
    claims = {} if claim is None else {"enterprise_number": claim}
    assert (await verifier.verify(token(**claims), expected_tenant=TENANT)).enterprise_number is None


@pytest.mark.parametrize("claim", ["0123.456.748", "12345", "onbekend", ["0123456749"], True])
async def test_a_malformed_enterprise_number_is_refused_with_403(verifier: TokenVerifier, claim) -> None:
    with pytest.raises(Forbidden) as refused:
        await verifier.verify(token(enterprise_number=claim), expected_tenant=TENANT)
    assert refused.value.status == 403 and "ondernemingsnummer" in refused.value.detail
