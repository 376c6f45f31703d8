"""The real gateway process in front of the real partners service, with tokens from the real Keycloak."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

TokenFor = Callable[[str, str], str]


@pytest.fixture(scope="module")
def api(gateway_url: str, partners_url: str) -> httpx.Client:
    return httpx.Client(base_url=gateway_url, timeout=10)


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return str(response.json()["type"])


def test_a_coordinator_lists_the_organisations_of_their_own_province(api: httpx.Client, token_for: TokenFor) -> None:
    response = api.get("/antwerpen/api/partners/organisations", params={"limit": 5},
                       headers={"authorization": f"Bearer {token_for('antwerpen', 'coordinator')}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json()["items"], list)


def test_a_juror_gets_the_services_own_refusal_through_the_gateway(api: httpx.Client, token_for: TokenFor) -> None:
    response = api.get("/antwerpen/api/partners/organisations",
                       headers={"authorization": f"Bearer {token_for('antwerpen', 'juror')}"})
    assert response.status_code == 403
    assert problem_type(response) == "urn:regie:problem:forbidden"
    assert "coordinator" in response.json()["detail"]  # the service's guard names the roles it wants


def test_a_token_of_antwerpen_is_refused_on_limburgs_api(api: httpx.Client, token_for: TokenFor) -> None:
    response = api.get("/limburg/api/partners/organisations",
                       headers={"authorization": f"Bearer {token_for('antwerpen', 'coordinator')}"})
    assert response.status_code == 401
    assert problem_type(response) == "urn:regie:problem:wrong-tenant"


def test_a_token_signed_with_a_key_keycloak_never_had_is_refused(api: httpx.Client, keycloak_url: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    forged = jwt.encode({"iss": f"{keycloak_url}/realms/antwerpen", "aud": "regie-api", "sub": str(uuid.uuid4()),
                         "exp": now - 600, "iat": now - 900, "realm_access": {"roles": ["province-admin"]}},
                        key, algorithm="RS256", headers={"kid": "forged"})
    response = api.get("/antwerpen/api/partners/organisations", headers={"authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert problem_type(response) == "urn:regie:problem:invalid-token"


def test_a_call_without_a_token_is_refused(api: httpx.Client) -> None:
    response = api.get("/antwerpen/api/partners/organisations")
    assert response.status_code == 401
    assert problem_type(response) == "urn:regie:problem:unauthenticated"


def test_a_public_read_needs_no_token_but_a_write_or_another_path_still_does(api: httpx.Client) -> None:
    """/public/ paths are read without login (the supplier catalogue): forwarded anonymously; the service decides."""
    catalogue = api.get("/antwerpen/api/partners/public/catalogue", params={"q": "catering"})
    assert catalogue.status_code == 200, catalogue.text
    assert "items" in catalogue.json() and "counts" in catalogue.json()
    posted = api.post("/antwerpen/api/partners/public/catalogue", json={})
    assert posted.status_code == 401
    sneaked = api.get("/antwerpen/api/partners/public/../organisations")
    assert sneaked.status_code in (400, 401, 404)
    assert api.get("/antwerpen/api/partners/organisations").status_code == 401


def test_a_basic_authorization_header_is_not_a_token(api: httpx.Client) -> None:
    response = api.get("/antwerpen/api/partners/organisations", headers={"authorization": "Basic YTpi"})
    assert response.status_code == 401


def test_an_unknown_service_is_not_found(api: httpx.Client, token_for: TokenFor) -> None:
    token = token_for("antwerpen", "coordinator")
    response = api.get("/antwerpen/api/payroll/x", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert problem_type(response) == "urn:regie:problem:not-found"


def test_an_unknown_province_is_a_dutch_page_for_browsers_and_a_problem_for_the_api(api: httpx.Client) -> None:
    page = api.get("/gent/", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert 'lang="nl-BE"' in page.text and "Niet gevonden" in page.text
    response = api.get("/gent/api/partners/organisations", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert problem_type(response) == "urn:regie:problem:not-found"


def test_every_response_carries_the_security_headers_and_a_request_id(api: httpx.Client) -> None:
    for path in ("/", "/antwerpen/", "/gent/", "/antwerpen/api/partners/organisations", "/health/live"):
        response = api.get(path, headers={"x-request-id": "test-123"})
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"]
        assert "strict-transport-security" not in response.headers  # plain http here
        assert response.headers.get_list("x-request-id") == ["test-123"]


def test_the_login_page_may_post_to_keycloak(api: httpx.Client, keycloak_url: str) -> None:
    assert f"form-action 'self' {keycloak_url}" in api.get("/").headers["content-security-policy"]


def test_the_login_starts_at_the_provinces_realm_with_pkce(api: httpx.Client, keycloak_url: str) -> None:
    response = api.get("/limburg/aanmelden", params={"next": "https://evil.example/"})
    assert response.status_code in {302, 303}
    location = response.headers["location"]
    assert location.startswith(f"{keycloak_url}/realms/limburg/protocol/openid-connect/auth?")
    assert "code_challenge_method=S256" in location
    assert "evil.example" not in location


def test_a_callback_without_a_login_in_progress_is_refused(api: httpx.Client) -> None:
    response = api.get("/antwerpen/auth/callback", params={"code": "stolen", "state": "guess"})
    assert response.status_code == 400


def test_the_gateway_exposes_prometheus_metrics(api: httpx.Client) -> None:
    api.get("/antwerpen/")
    response = api.get("/metrics")
    assert response.status_code == 200
    assert 'regie_http_requests_total{method="GET",route="/{tenant}",service="gateway"' in response.text
