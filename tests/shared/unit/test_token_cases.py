"""The tokens a service refuses, as a table: each case is a token someone might send instead of a valid
access token of the province (another realm, no signature, an HMAC signed with the realm's public key, expired,
not yet valid, another audience, an ID or a refresh token, another client's, an unknown key id); each answers
401, and the valid one passes. Then the realm's keys: a key removed from the realm stops working once the key
set's maximum age has passed, without a restart; a key set that cannot be fetched answers 503 (not 500), and is
not asked for again at once.

Tokens are signed here with keys whose key set (JWKS) an in-memory transport serves in Keycloak's place, so the
cases can name keys and times Keycloak would never issue; tests/shared/integration/test_auth.py checks the
same verifier against the real realms (their ID and refresh tokens included)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.auth import TokenVerifier
from shared.problems import InvalidToken, Problem, Unavailable, WrongTenant

KEYCLOAK = "http://keycloak.test"
TENANT = "limburg"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


class Realm:
    """Keycloak's key-set endpoint, in memory: the keys it publishes, whether it answers, how often it was asked."""

    def __init__(self) -> None:
        self.keys = {"k1": KEY}
        self.up = True
        self.asked = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.asked += 1
        if not self.up:
            return httpx.Response(502, text="bad gateway")
        published = [{**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig", "alg": "RS256"}
                     for kid, key in self.keys.items()]
        return httpx.Response(200, json={"keys": published})


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    body = {"iss": f"{KEYCLOAK}/realms/{TENANT}", "aud": "regie-api", "sub": "s-1", "exp": now + 300, "iat": now,
            "typ": "Bearer", "azp": "regie-portal", "preferred_username": "coordinator",
            "realm_access": {"roles": ["coordinator"]}}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def signed(body: dict[str, Any], key: Any = KEY, kid: str = "k1", alg: str = "RS256") -> str:
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def hmac_with_public_key() -> str:
    """HS256 with the realm's public key as the secret: what a verifier that let the token choose its
    algorithm would accept. PyJWT refuses to sign with a PEM as HMAC secret, so the token is put together here."""
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(json.dumps(claims()).encode())
    signature = hmac.new(PUBLIC_PEM, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


CASES: dict[str, tuple[Callable[[], str], type[Problem] | None]] = {
    "a valid access token": (lambda: signed(claims()), None),
    "another realm's issuer": (lambda: signed(claims(iss=f"{KEYCLOAK}/realms/antwerpen")), WrongTenant),
    "an issuer that is no realm": (lambda: signed(claims(iss="http://elsewhere.test/realms/limburg")), InvalidToken),
    "no signature (alg none)": (lambda: jwt.encode(claims(), None, algorithm="none"), InvalidToken),
    "HS256 keyed with the realm's public key": (hmac_with_public_key, InvalidToken),
    "signed with another key under the realm's key id": (lambda: signed(claims(), key=OTHER), InvalidToken),
    "an unknown key id": (lambda: signed(claims(), key=OTHER, kid="forged"), InvalidToken),
    "expired": (lambda: signed(claims(exp=int(time.time()) - 120)), InvalidToken),
    "not yet valid": (lambda: signed(claims(nbf=int(time.time()) + 600)), InvalidToken),
    "another audience": (lambda: signed(claims(aud="account")), InvalidToken),
    "no audience": (lambda: signed(claims(aud=None)), InvalidToken),
    "an ID token": (lambda: signed(claims(typ="ID", aud="regie-portal")), InvalidToken),
    "an ID token with the API's audience": (lambda: signed(claims(typ="ID")), InvalidToken),
    "a refresh token": (lambda: signed(claims(typ="Refresh")), InvalidToken),
    "no type": (lambda: signed(claims(typ=None)), InvalidToken),
    "another client's token": (lambda: signed(claims(azp="account-console")), InvalidToken),
    "no client": (lambda: signed(claims(azp=None)), InvalidToken),
    "no subject": (lambda: signed(claims(sub=None)), InvalidToken),
    "no expiry": (lambda: signed(claims(exp=None)), InvalidToken),
    "not a JWT": (lambda: "not.a.token", InvalidToken),
}


@pytest.fixture
def realm() -> Realm:
    return Realm()


@pytest.fixture
async def verifier(realm: Realm) -> AsyncIterator[TokenVerifier]:
    verifier = TokenVerifier(KEYCLOAK, [TENANT, "antwerpen"], min_refresh_seconds=0.3, max_key_age_seconds=0.5,
                             http=httpx.AsyncClient(transport=httpx.MockTransport(realm.handle)))
    yield verifier
    await verifier.aclose()


@pytest.mark.parametrize("case", list(CASES))
async def test_each_token_but_a_valid_access_token_is_refused_with_401(verifier: TokenVerifier, case: str) -> None:
    make, refused = CASES[case]
    token = make()
    if refused is None:
        assert (await verifier.verify(token, expected_tenant=TENANT)).roles == {"coordinator"}
        return
    with pytest.raises(refused) as raised:
        await verifier.verify(token, expected_tenant=TENANT)
    assert raised.value.status == 401, case


async def test_a_key_removed_from_the_realm_stops_working_within_the_maximum_age(
        verifier: TokenVerifier, realm: Realm) -> None:
    token = signed(claims())
    await verifier.verify(token, expected_tenant=TENANT)
    realm.keys = {"k2": OTHER}  # the realm rotated k1 out
    await verifier.verify(token, expected_tenant=TENANT)  # within the maximum age: still the known key set
    await asyncio.sleep(0.6)
    with pytest.raises(InvalidToken):
        await verifier.verify(token, expected_tenant=TENANT)
    assert (await verifier.verify(signed(claims(), key=OTHER, kid="k2"), expected_tenant=TENANT)).username


async def test_a_key_set_that_cannot_be_fetched_answers_503_and_is_not_asked_again_at_once(
        verifier: TokenVerifier, realm: Realm) -> None:
    realm.up = False
    token = signed(claims())
    with pytest.raises(Unavailable) as first:
        await verifier.verify(token, expected_tenant=TENANT)
    assert first.value.status == 503
    asked = realm.asked
    for _ in range(20):
        with pytest.raises(Unavailable):
            await verifier.verify(token, expected_tenant=TENANT)
    assert realm.asked == asked, "every request asked the realm again"
    await asyncio.sleep(0.35)
    realm.up = True
    assert (await verifier.verify(token, expected_tenant=TENANT)).username == "coordinator"


async def test_a_realm_out_of_reach_leaves_its_last_keys_in_service(verifier: TokenVerifier, realm: Realm) -> None:
    token = signed(claims())
    await verifier.verify(token, expected_tenant=TENANT)
    realm.up = False
    await asyncio.sleep(0.6)  # the key set is due for a refresh, which fails
    assert (await verifier.verify(signed(claims(sub="s-2")), expected_tenant=TENANT)).subject == "s-2"


async def test_a_kept_token_is_good_without_waiting_until_its_times_or_its_keys_age_end(
        verifier: TokenVerifier) -> None:
    """kept_until (the gateway's read lane): until when a verified token is good without asking anything, for its
    own province only; nothing for a token never verified; the earlier of its expiry and its key set's age."""
    token = signed(claims())
    assert verifier.kept_until(token, TENANT) is None  # never verified: verify has work to do
    await verifier.verify(token, expected_tenant=TENANT)
    until = verifier.kept_until(token, TENANT)
    assert until is not None and 0.4 < until - time.monotonic() <= 0.5  # the key set's maximum age comes first
    assert verifier.kept_until(token, "antwerpen") is None  # another province's: verify refuses it
    expiring = signed(claims(exp=int(time.time()) + 2))
    await verifier.verify(expiring, expected_tenant=TENANT)
    verifier.max_key_age = 300.0
    soon = verifier.kept_until(expiring, TENANT)
    assert soon is not None and soon - time.monotonic() <= 2 + verifier.leeway  # its expiry (and leeway) first
    verifier.clock = lambda: time.time() + 3 + verifier.leeway  # its times ran out
    assert verifier.kept_until(expiring, TENANT) is None
    with pytest.raises(InvalidToken):
        await verifier.verify(expiring, expected_tenant=TENANT)
