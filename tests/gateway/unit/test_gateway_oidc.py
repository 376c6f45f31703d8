from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from services.gateway.oidc import RealmClient, code_challenge, code_verifier


def test_the_s256_challenge_matches_the_rfc_7636_example() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636, appendix B
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_a_verifier_is_43_unreserved_characters_and_never_repeats() -> None:
    verifiers = {code_verifier() for _ in range(100)}
    assert len(verifiers) == 100
    for verifier in verifiers:
        assert len(verifier) == 43
        assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def test_the_authorization_url_asks_the_tenants_realm_for_a_code_with_pkce() -> None:
    realm = RealmClient("http://kc:8080/", "regie-portal", http=None)  # type: ignore[arg-type]
    url = realm.authorization_url("limburg", "http://gw/limburg/auth/callback", "st", "no", "verifier")
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://kc:8080/realms/limburg/protocol/openid-connect/auth"
    assert query == {"client_id": "regie-portal", "response_type": "code", "scope": "openid",
                     "redirect_uri": "http://gw/limburg/auth/callback", "state": "st", "nonce": "no",
                     "code_challenge": code_challenge("verifier"), "code_challenge_method": "S256",
                     "ui_locales": "nl"}


def test_the_end_session_url_names_the_client_and_comes_back_to_the_tenant_home() -> None:
    realm = RealmClient("http://kc:8080", "regie-portal", http=None)  # type: ignore[arg-type]
    url = realm.end_session_url("antwerpen", "http://gw/antwerpen/")
    assert url.startswith("http://kc:8080/realms/antwerpen/protocol/openid-connect/logout?")
    assert parse_qs(urlsplit(url).query) == {"client_id": ["regie-portal"],
                                             "post_logout_redirect_uri": ["http://gw/antwerpen/"]}
