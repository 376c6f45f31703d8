"""The person's language (switch, session, Accept-Language, the login page's language) and the front door per
province (host names, colours and logo from the province's configuration, explicit switching between provinces)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from services.gateway.app import create_app
from services.gateway.branding import stylesheet
from services.gateway.hosts import province_hosts, province_of_host
from services.gateway.login import SIGNED_IN_COOKIE
from services.gateway.settings import GatewaySettings
from shared.requests import request_id_middleware
from shared.tenancy import PROVINCES
from tests.gateway.unit.test_gateway_sessions import a_user, session_cookie

SETTINGS = GatewaySettings(public_url="http://gateway.test", session_secret="s" * 40,
                           province_domain="regie.test")
TENANTS = SETTINGS.service.tenants


def the_gateway(base_url: str = "http://gateway.test") -> TestClient[Any]:
    # As served: the province hosts' wrapper and the request middleware (which reads Accept-Language) outside.
    app = request_id_middleware(province_hosts(create_app(SETTINGS), SETTINGS))
    return TestClient(app, base_url=base_url)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Any]]:
    with the_gateway() as client:
        yield client


def lang_of(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', page)
    assert found is not None
    return found.group(1)


def test_the_browsers_language_decides_until_the_person_chooses(client: TestClient[Any]) -> None:
    assert lang_of(client.get("/limburg/").text) == "nl-BE"
    english = client.get("/limburg/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert lang_of(english.text) == "en" and "Welcome to Province of Limburg" in english.text
    french = client.get("/limburg/", headers={"accept-language": "fr-BE"})
    assert lang_of(french.text) == "fr-BE" and "Bienvenue à la Province de Limbourg" in french.text


def test_the_switch_keeps_the_choice_in_the_provinces_session() -> None:
    with the_gateway() as client:
        answer = client.post("/limburg/taal", data={"lang": "fr", "next": "/limburg/?x=1"}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/limburg/?x=1"
        page = client.get("/limburg/", headers={"accept-language": "en"})  # the choice beats the browser's
        assert lang_of(page.text) == "fr-BE"
        assert 'aria-current="true">Français</button>' in page.text
        # Another province's session knows nothing of it.
        assert lang_of(client.get("/antwerpen/").text) == "nl-BE"
        # Problems follow the choice too.
        problem = client.get("/limburg/api/grants/calls")
        assert problem.status_code == 401 and problem.json()["title"] == "Authentification requise"


def test_the_switch_refuses_an_unknown_language_and_a_foreign_next() -> None:
    with the_gateway() as client:
        assert client.post("/limburg/taal", data={"lang": "de"}, follow_redirects=False).status_code == 400
        answer = client.post("/limburg/taal", data={"lang": "en", "next": "https://evil.example/"},
                             follow_redirects=False)
        assert answer.headers["location"] == "/limburg/"


def test_a_signed_in_person_switches_only_with_the_sessions_csrf_token() -> None:
    with the_gateway() as client:
        cookie = session_cookie("limburg", {"user": a_user().to_dict()})
        refused = client.post("/limburg/taal", data={"lang": "en"}, headers={"cookie": cookie})
        assert refused.status_code == 403
        answer = client.post("/limburg/taal", data={"lang": "en", "_csrf": "csrf-token"}, headers={"cookie": cookie},
                             follow_redirects=False)
        assert answer.status_code == 303
        renewed = answer.cookies.get("regie_limburg")
        assert renewed
        page = client.get("/limburg/", headers={"cookie": f"regie_limburg={renewed}"})
        assert lang_of(page.text) == "en" and "Welcome, An Peeters" in page.text and "applicant" in page.text


def test_the_login_page_is_asked_in_the_persons_language() -> None:
    with the_gateway() as client:
        answer = client.get("/limburg/aanmelden", headers={"accept-language": "fr"}, follow_redirects=False)
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["ui_locales"] == ["fr"]


def test_the_provinces_page_switches_by_query_and_lists_names_in_the_language(client: TestClient[Any]) -> None:
    page = client.get("/?taal=en")
    assert lang_of(page.text) == "en" and "Province of West Flanders" in page.text
    assert 'href="?taal=fr"' in page.text


@pytest.mark.parametrize(("host", "expected"), [
    ("limburg.regie.test", "limburg"), ("LIMBURG.regie.test:8443", "limburg"), ("regie.test", None),
    ("limburg.regie.test.evil.example", None), ("evil.example", None), ("gent.regie.test", None), (None, None),
    ("limburg.regie.test:@evil.example", None), ("limburg.regie.test:8443:1", None),
])
def test_a_province_host_is_its_slug_under_the_configured_domain(host: str | None, expected: str | None) -> None:
    assert province_of_host(host, "regie.test", TENANTS) == expected


def test_each_province_host_opens_on_its_own_pages() -> None:
    for tenant in ("west-vlaanderen", "limburg"):
        with the_gateway(f"http://{tenant}.regie.test") as client:
            root = client.get("/?q=1", follow_redirects=False)
            assert root.status_code == 307 and root.headers["location"] == f"/{tenant}/?q=1"
            page = client.get("/")
            assert page.status_code == 200
            assert f'class="province-{tenant}"' in page.text
            assert f'src="/static/provinces/{tenant}.svg"' in page.text
            assert PROVINCES[tenant].names["nl"] in page.text
            deep = client.post("/aanvragen/x", follow_redirects=False)
            assert deep.status_code == 308 and deep.headers["location"] == f"/{tenant}/aanvragen/x"
            elsewhere = client.get("/antwerpen/aanvragen/?x=1", follow_redirects=False)  # on its own host
            assert elsewhere.status_code == 307
            assert elsewhere.headers["location"] == "http://antwerpen.regie.test/antwerpen/aanvragen/?x=1"
            assert client.get("/static/regie.css").status_code == 200
            # The login comes back to this host, not to the gateway's.
            login = client.get(f"/{tenant}/aanmelden", follow_redirects=False)
            back = parse_qs(urlsplit(login.headers["location"]).query)["redirect_uri"]
            assert back == [f"http://{tenant}.regie.test/{tenant}/auth/callback"]


def test_without_a_domain_hosts_change_nothing() -> None:
    plain = GatewaySettings(public_url="http://gateway.test", session_secret="s" * 40)
    app = create_app(plain)
    assert province_hosts(app, plain) is app


def contrast(hex_colour: str, other: str = "#ffffff") -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(hex_colour), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_each_provinces_colour_keeps_text_readable_and_is_served(client: TestClient[Any]) -> None:
    css = client.get("/brand/provinces.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.text == stylesheet()
    for slug, province in PROVINCES.items():
        # White on the header and the colour as link text on white: WCAG AA asks 4.5:1 for normal text.
        assert contrast(province.colour) >= 4.5, slug
        assert f".province-{slug} {{ --brand: {province.colour}; }}" in css.text
        assert client.get(province.logo_url).status_code == 200


def test_the_provinces_list_marks_where_this_browser_is_signed_in(client: TestClient[Any]) -> None:
    page = client.get("/", headers={"cookie": f"{SIGNED_IN_COOKIE}=limburg.antwerpen.nowhere"})
    marked = re.findall(r'href="/([a-z-]+)/"><span class="card__title">[^<]*</span>\s*<span class="card__text">',
                        page.text)
    assert sorted(marked) == ["antwerpen", "limburg"]
    logout = client.post("/limburg/afmelden", headers={"cookie": f"{SIGNED_IN_COOKIE}=limburg.antwerpen"},
                         follow_redirects=False)
    assert f"{SIGNED_IN_COOKIE}=antwerpen;" in logout.headers["set-cookie"]


def test_the_probes_and_the_metrics_are_not_found_through_a_proxy(client: TestClient[Any]) -> None:
    """The kubelet and Prometheus ask the pod itself; whatever came through the ingress carries X-Forwarded-For."""
    assert client.get("/health/live").status_code == 200
    assert client.get("/metrics").status_code == 200
    for path in ("/health/live", "/health/ready", "/metrics"):
        hidden = client.get(path, headers={"x-forwarded-for": "203.0.113.7"})
        assert hidden.status_code == 404, path
        assert "regie_" not in hidden.text and "checks" not in hidden.text
