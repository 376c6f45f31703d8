from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.testing import TestClient

from services.gateway.app import create_app
from services.gateway.oidc import IdentityProviderUnavailable, LoginFailed, TokenSet
from services.gateway.sessions import SessionCookies, UserSession, cookie_name, fresh_user, load_user, store_user
from services.gateway.settings import GatewaySettings
from shared.auth import Principal

SETTINGS = GatewaySettings(public_url="http://gateway.test", session_secret="s" * 40)


def session_cookie(tenant: str, data: dict[str, Any], settings: GatewaySettings = SETTINGS) -> str:
    backend = SessionCookies(CookieBackendConfig(secret=settings.session_key(tenant), key=cookie_name(tenant)))
    chunks = backend.dump_data(data)
    assert len(chunks) == 1
    return f"{cookie_name(tenant)}={chunks[0].decode()}"


def a_user(**changes: Any) -> UserSession:
    fields: dict[str, Any] = dict(access_token="at", refresh_token="rt", expires_at=int(time.time()) + 300,
                                  refresh_expires_at=int(time.time()) + 1800, name="An Peeters",
                                  roles=("applicant",), csrf="csrf-token")
    return UserSession(**(fields | changes))


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Any]]:
    with TestClient(create_app(SETTINGS), base_url="http://gateway.test") as client:
        yield client


def test_a_session_of_antwerpen_logs_you_in_on_antwerpens_pages(client: TestClient[Any]) -> None:
    cookie = session_cookie("antwerpen", {"user": a_user().to_dict()})
    page = client.get("/antwerpen/", headers={"cookie": cookie})
    assert page.status_code == 200
    assert "Welkom, An Peeters" in page.text
    assert "aanvrager" in page.text


def test_a_session_of_antwerpen_does_not_log_you_in_in_limburg(client: TestClient[Any]) -> None:
    # Even sent on purpose (the browser would not: Path=/antwerpen), under limburg's cookie name …
    stolen = session_cookie("antwerpen", {"user": a_user().to_dict()})
    for cookie in (stolen, stolen.replace("regie_antwerpen=", "regie_limburg=")):
        page = client.get("/limburg/", headers={"cookie": cookie})
        assert "Welkom, An Peeters" not in page.text
        assert "Aanmelden" in page.text


def test_the_session_cookie_is_per_tenant_httponly_and_lax(client: TestClient[Any]) -> None:
    response = client.get("/limburg/aanmelden", follow_redirects=False)
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith("regie_limburg=")
    assert "Path=/limburg" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=lax" in set_cookie
    assert "Secure" not in set_cookie  # plain http on a developer machine


def test_behind_https_the_cookie_is_secure_and_hsts_is_sent() -> None:
    settings = GatewaySettings(public_url="https://regie.example", session_secret=secrets.token_urlsafe(32))
    with TestClient(create_app(settings), base_url="https://regie.example") as client:
        response = client.get("/antwerpen/aanmelden", follow_redirects=False)
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_the_dev_secret_is_refused_behind_https() -> None:
    with pytest.raises(ValueError, match="REGIE_SESSION_SECRET"):
        GatewaySettings(public_url="https://regie.example")


@pytest.mark.parametrize("secret", ["x" * 40, "dev-only-session-secret-0123456789abcdef",
                                    "my-password-is-long-and-has-many-letters-1"])
def test_a_known_or_weak_session_secret_is_refused_behind_https(secret: str) -> None:
    with pytest.raises(ValueError, match="REGIE_SESSION_SECRET is"):
        GatewaySettings(public_url="https://regie.example", session_secret=secret)
    assert GatewaySettings(public_url="http://127.0.0.1:8000", session_secret=secret).session_secret == secret


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        GatewaySettings(session_secret="short")


def test_a_cleared_cookie_still_in_the_browser_does_not_spoil_the_session(client: TestClient[Any]) -> None:
    # Litestar clears cookies with an expiry of "now"; the browser may send the "null" once more.
    cookie = session_cookie("antwerpen", {"user": a_user().to_dict()}).replace("regie_antwerpen=", "regie_antwerpen-0=")
    page = client.get("/antwerpen/", headers={"cookie": f"regie_antwerpen=null; {cookie}"})
    assert "Welkom, An Peeters" in page.text


def test_the_logged_in_session_fits_one_cookie() -> None:
    # Keycloak's real tokens are about 1.1 kB (access) and 0.7 kB (refresh).
    user = a_user(access_token="a" * 1400, refresh_token="r" * 900, name="Marie-Christine Van den Bossche")
    backend = SessionCookies(CookieBackendConfig(secret=SETTINGS.session_key("antwerpen"), key="regie_antwerpen"))
    assert len(backend.dump_data({"user": user.to_dict()})) == 1


class FakeRealm:
    def __init__(self, outcome: TokenSet | Exception) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, str]] = []

    async def refresh(self, tenant: str, refresh_token: str) -> TokenSet:
        self.calls.append((tenant, refresh_token))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


class FakeVerifier:
    async def verify(self, token: str, expected_tenant: str | None = None) -> Principal:
        return Principal(subject="s", tenant=expected_tenant or "", roles=frozenset({"juror"}), name="An", token=token)


NEW_TOKENS = TokenSet(access_token="new-at", refresh_token="new-rt", id_token="", expires_in=300,
                      refresh_expires_in=1800)


async def test_a_token_far_from_expiry_is_used_as_it_is() -> None:
    session: dict[str, Any] = {}
    store_user(session, a_user())
    realm = FakeRealm(NEW_TOKENS)
    user = await fresh_user(session, "antwerpen", realm, FakeVerifier(), 60)  # type: ignore[arg-type]
    assert user is not None and user.access_token == "at"
    assert realm.calls == []


async def test_a_token_near_expiry_is_refreshed_and_the_session_updated() -> None:
    session: dict[str, Any] = {}
    store_user(session, a_user(expires_at=int(time.time()) + 10))
    realm = FakeRealm(NEW_TOKENS)
    user = await fresh_user(session, "antwerpen", realm, FakeVerifier(), 60)  # type: ignore[arg-type]
    assert realm.calls == [("antwerpen", "rt")]
    assert user is not None and user.access_token == "new-at" and user.roles == ("juror",)
    assert user.csrf == "csrf-token"  # a refresh does not break the pages already open
    assert load_user(session) == user


async def test_a_refused_refresh_logs_out() -> None:
    session: dict[str, Any] = {}
    store_user(session, a_user(expires_at=int(time.time()) + 10))
    realm = FakeRealm(LoginFailed("sessie beëindigd"))
    assert await fresh_user(session, "antwerpen", realm, FakeVerifier(), 60) is None  # type: ignore[arg-type]
    assert session == {}


async def test_an_expired_refresh_token_logs_out_without_asking_keycloak() -> None:
    session: dict[str, Any] = {}
    store_user(session, a_user(expires_at=int(time.time()) - 10, refresh_expires_at=int(time.time()) - 5))
    realm = FakeRealm(NEW_TOKENS)
    assert await fresh_user(session, "antwerpen", realm, FakeVerifier(), 60) is None  # type: ignore[arg-type]
    assert realm.calls == [] and session == {}


async def test_keycloak_down_keeps_a_token_that_is_still_valid() -> None:
    session: dict[str, Any] = {}
    store_user(session, a_user(expires_at=int(time.time()) + 10))
    realm = FakeRealm(IdentityProviderUnavailable("weg"))
    user = await fresh_user(session, "antwerpen", realm, FakeVerifier(), 60)  # type: ignore[arg-type]
    assert user is not None and user.access_token == "at"
