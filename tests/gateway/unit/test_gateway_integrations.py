"""Integration tokens' rules: their format, what a call with one becomes (a token the services verify with the
gateway's public key, and nothing else does), and the refusals (revoked, expired, another province, a role an
integration may not have)."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from services.gateway.integrations import (
    GRANTABLE,
    Integrations,
    TokenRecord,
    digest,
    is_integration_token,
    parse,
)
from shared.auth import INTEGRATION_ISSUER, Principal, TokenVerifier
from shared.problems import Invalid, InvalidToken, Unauthenticated, WrongTenant


def key_pair() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


PRIVATE, PUBLIC = key_pair()
ADMIN = Principal(subject="s", tenant="limburg", roles=frozenset({"province-admin"}), username="province-admin")
SECRET = "s" * 43
TOKEN_ID = "0" * 31 + "1"


def integrations(**changes: object) -> Integrations:
    store = Integrations({"servers": "nats://127.0.0.1:9"}, 1, PRIVATE, "regie-api")
    store.ready.set()
    fields: dict[str, object] = dict(id=TOKEN_ID, tenant="limburg", name="Boekhouding", roles=["coordinator"],
                                     secret_sha256=digest(SECRET), created_at=time.time(), created_by="admin",
                                     expires_at=time.time() + 3600)
    store.records[TOKEN_ID] = TokenRecord(**(fields | changes))  # type: ignore[arg-type]
    return store


def test_the_tokens_format() -> None:
    token = f"regie_{TOKEN_ID}_{SECRET}"
    assert is_integration_token(token) and parse(token) == (TOKEN_ID, SECRET)
    assert parse(f"regie_{TOKEN_ID}_kort") is None and parse("eyJhbGciOi.x.y") is None
    assert parse(f"regie_{TOKEN_ID[:-1]}_{SECRET}") is None


def test_a_call_goes_on_with_a_token_the_services_verify() -> None:
    minted = asyncio.run(integrations().call_token(f"regie_{TOKEN_ID}_{SECRET}", "limburg"))
    services = TokenVerifier("http://keycloak.test", ["limburg", "antwerpen"], integration_public_keys=PUBLIC)
    principal = asyncio.run(services.verify(minted, expected_tenant="limburg"))
    assert principal.tenant == "limburg" and principal.roles == {"coordinator"}
    assert principal.subject == f"integration:{TOKEN_ID}"
    claims = jwt.decode(minted, options={"verify_signature": False})
    assert claims["iss"] == f"{INTEGRATION_ISSUER}limburg" and claims["exp"] - claims["iat"] <= 300
    # Not in another province, and not where the gateway's key is not trusted.
    with pytest.raises(WrongTenant):
        asyncio.run(services.verify(minted, expected_tenant="antwerpen"))
    with pytest.raises(InvalidToken):
        asyncio.run(TokenVerifier("http://keycloak.test", ["limburg"]).verify(minted))
    other_private, _other_public = key_pair()
    forged = jwt.encode({**claims, "realm_access": {"roles": ["province-admin"]}},
                        Integrations({}, 1, other_private, "regie-api").signing.key,  # type: ignore[union-attr]
                        algorithm="ES256", headers={"kid": jwt.get_unverified_header(minted)["kid"]})
    with pytest.raises(InvalidToken):
        asyncio.run(TokenVerifier("http://keycloak.test", ["limburg"], integration_public_keys=PUBLIC).verify(forged))


@pytest.mark.parametrize(("changes", "token", "tenant", "refusal"), [
    ({}, f"regie_{TOKEN_ID}_{'x' * 43}", "limburg", Unauthenticated),  # wrong secret
    ({"revoked_at": time.time()}, f"regie_{TOKEN_ID}_{SECRET}", "limburg", Unauthenticated),
    ({"expires_at": time.time() - 1}, f"regie_{TOKEN_ID}_{SECRET}", "limburg", Unauthenticated),
    ({}, f"regie_{TOKEN_ID}_{SECRET}", "antwerpen", WrongTenant),
    ({}, f"regie_{'2' * 32}_{SECRET}", "limburg", Unauthenticated),  # unknown
])
def test_refusals(changes: dict[str, object], token: str, tenant: str, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        asyncio.run(integrations(**changes).call_token(token, tenant))


@pytest.mark.parametrize(("name", "roles", "days"), [
    ("", ["coordinator"], 30), ("x" * 101, ["coordinator"], 30), ("Boekhouding", [], 30),
    ("Boekhouding", ["province-admin"], 30), ("Boekhouding", ["coordinator"], 0),
    ("Boekhouding", ["coordinator"], 366),
])
def test_what_a_token_may_not_be(name: str, roles: list[str], days: int) -> None:
    with pytest.raises(Invalid):
        asyncio.run(integrations().create("limburg", ADMIN, name, roles, days))
    assert "province-admin" not in GRANTABLE


def test_without_a_signing_key_there_are_no_integration_tokens() -> None:
    store = Integrations({"servers": "nats://127.0.0.1:9"}, 1, "", "regie-api")
    store.start()  # starts nothing
    assert store.task is None
    with pytest.raises(Exception, match="niet ingesteld"):
        asyncio.run(store.call_token(f"regie_{TOKEN_ID}_{SECRET}", "limburg"))


def test_a_sessions_change_to_the_tokens_needs_its_csrf_token() -> None:
    """Through the portal session (a cookie), the API's token operations are changes like any other: without the
    session's X-CSRF-Token they are refused before anything else is looked at."""
    from litestar.testing import TestClient

    from services.gateway.app import create_app
    from services.gateway.settings import GatewaySettings
    from tests.gateway.unit.test_gateway_sessions import a_user, session_cookie

    settings = GatewaySettings(public_url="http://gateway.test", session_secret="s" * 40)
    cookie = session_cookie("limburg", {"user": a_user(roles=("province-admin",)).to_dict()}, settings)
    with TestClient(create_app(settings), base_url="http://gateway.test") as client:
        for method, path in (("POST", "/limburg/api/integrations/tokens"),
                             ("DELETE", f"/limburg/api/integrations/tokens/{TOKEN_ID}")):
            refused = client.request(method, path, headers={"cookie": cookie},
                                     json={"name": "x", "roles": ["coordinator"], "days": 1})
            assert refused.status_code == 403, refused.text
            assert "CSRF" in refused.json()["detail"]
