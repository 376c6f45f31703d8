"""The portal pages at the edge: the gateway forwards each page prefix of its table to the owning service with
the person's token, the session's CSRF token and the flash message; checks every form post's CSRF field before
the service sees it (an upload's too, without reading the file); turns a service's 401 into the login that
returns to the page, and its other problems into the error page for people. The gateway runs in-process in
front of a scripted upstream; the tokens are the real Keycloak's."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.testing import TestClient

from services.gateway.app import create_app
from services.gateway.sessions import SessionCookies, UserSession, cookie_name
from services.gateway.settings import GatewaySettings
from shared.portal.headers import FLASH_HEADER, decode_flash, encode_flash
from shared.requests import request_id_middleware
from shared.settings import AuthSettings, ServiceSettings

TokenFor = Callable[[str, str], str]
CSRF = "the-session-csrf-token"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"<html><body><h1>Aanvragen</h1></body></html>"
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ScriptedService:
    """Answers each path with what a test scripted (a page by default) and records what it received."""

    url: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    seen: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def grants() -> Iterator[ScriptedService]:
    service = ScriptedService()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("transfer-encoding") == "chunked":
                body = read_chunked(self.rfile)
            service.seen.append({"method": self.command, "path": self.path, "body": body,
                                 "headers": {k.lower(): v for k, v in self.headers.items()}})
            answer = service.answers.get(self.path.split("?", 1)[0], Answer())
            self.send_response(answer.status)
            self.send_header("content-type", answer.content_type)
            self.send_header("content-length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield service
    server.shutdown()


def read_chunked(stream: Any) -> bytes:
    body = b""
    while True:
        size = int(stream.readline().strip(), 16)
        if size == 0:
            stream.readline()
            return body
        body += stream.read(size)
        stream.readline()


@pytest.fixture(scope="module")
def settings(keycloak_url: str, grants: ScriptedService) -> GatewaySettings:
    service = ServiceSettings(auth=AuthSettings(keycloak_url=keycloak_url), log_format="text")
    return GatewaySettings(service=service, public_url="http://gateway.test", grants_url=grants.url,
                           partners_url="http://127.0.0.1:9", foodsavers_url="http://127.0.0.1:9",
                           session_secret="t" * 40)


@pytest.fixture()
def client(settings: GatewaySettings) -> Iterator[TestClient[Any]]:
    app = request_id_middleware(create_app(settings))
    with TestClient(app, base_url="http://gateway.test") as client:  # type: ignore[arg-type]
        yield client


def signed_in(client: TestClient[Any], settings: GatewaySettings, token: str, tenant: str = "antwerpen") -> None:
    user = UserSession(access_token=token, refresh_token="unused", expires_at=int(time.time()) + 240,
                       refresh_expires_at=0, name="An", roles=("applicant",), csrf=CSRF)
    backend = SessionCookies(CookieBackendConfig(secret=settings.session_key(tenant), key=cookie_name(tenant)))
    client.cookies.set(cookie_name(tenant), backend.dump_data({"user": user.to_dict()})[0].decode(),
                       domain="gateway.test", path=f"/{tenant}")


def problem(status: int, detail: str, kind: str) -> Answer:
    return Answer(status=status, content_type="application/problem+json", body=json.dumps({
        "type": f"urn:regie:problem:{kind}", "title": "Niet gevonden" if status == 404 else "Aanmelden is vereist",
        "status": status, "detail": detail, "request_id": "req-7"}).encode())


def test_a_page_reaches_its_service_with_the_token_the_csrf_token_and_the_request_context(
        client: TestClient[Any], settings: GatewaySettings, grants: ScriptedService, token_for: TokenFor) -> None:
    token = token_for("antwerpen", "applicant")
    signed_in(client, settings, token)
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = client.get("/antwerpen/aanvragen/?oproep=3", headers={
        "traceparent": trace, "accept-language": "fr-BE,fr;q=0.9", "x-csrf-token": "forged", FLASH_HEADER: "x"})
    assert response.status_code == 200 and "<h1>Aanvragen</h1>" in response.text
    seen = grants.seen[-1]
    assert seen["path"] == "/antwerpen/aanvragen/?oproep=3"
    assert seen["headers"]["authorization"] == f"Bearer {token}"
    assert seen["headers"]["x-csrf-token"] == CSRF  # the session's, never the caller's
    assert FLASH_HEADER not in seen["headers"]
    assert seen["headers"]["traceparent"] == trace
    assert seen["headers"]["accept-language"] == "fr"  # the language the gateway settled on, for the service too
    assert seen["headers"]["x-request-id"] == response.headers["x-request-id"]
    assert "cookie" not in seen["headers"]


def test_a_page_without_a_session_is_forwarded_without_a_token(client: TestClient[Any],
                                                                grants: ScriptedService) -> None:
    grants.answers["/antwerpen/oproepen/0193a000-0000-7000-8000-000000000001"] = Answer(body=b"<h1>Oproep</h1>")
    response = client.get("/antwerpen/oproepen/0193a000-0000-7000-8000-000000000001")
    assert response.status_code == 200 and response.text == "<h1>Oproep</h1>"
    assert "authorization" not in grants.seen[-1]["headers"]
    assert "x-csrf-token" not in grants.seen[-1]["headers"]


def test_a_401_of_the_service_becomes_the_login_that_returns_to_the_page(client: TestClient[Any],
                                                                        grants: ScriptedService) -> None:
    grants.answers["/antwerpen/jury/"] = problem(401, "een Bearer-toegangsbewijs is vereist", "unauthenticated")
    response = client.get("/antwerpen/jury/", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/antwerpen/aanmelden?next=/antwerpen/jury/"


def test_a_problem_of_the_service_becomes_the_error_page_for_people(
        client: TestClient[Any], settings: GatewaySettings, grants: ScriptedService, token_for: TokenFor) -> None:
    signed_in(client, settings, token_for("antwerpen", "applicant"))
    grants.answers["/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000002"] = problem(
        404, "deze aanvraag bestaat niet of u hebt er geen toegang toe", "not-found")
    response = client.get("/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000002")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "deze aanvraag bestaat niet of u hebt er geen toegang toe" in response.text
    assert '<link rel="stylesheet" href="/static/regie.css">' in response.text  # the kit's layout
    assert "req-7" in response.text


def test_a_form_post_without_the_sessions_csrf_token_never_reaches_the_service(
        client: TestClient[Any], settings: GatewaySettings, grants: ScriptedService, token_for: TokenFor) -> None:
    signed_in(client, settings, token_for("antwerpen", "applicant"))
    before = len(grants.seen)
    for data in ({"title": "x"}, {"_csrf": "stolen", "title": "x"}):
        refused = client.post("/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000003/bewerken", data=data,
                              headers={"accept": "text/html"})
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert len(grants.seen) == before
    accepted = client.post("/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000003/bewerken",
                           data={"_csrf": CSRF, "title": "Fietsherstel op maat"})
    assert accepted.status_code == 200
    assert b"title=Fietsherstel+op+maat" in grants.seen[-1]["body"]


def test_an_upload_is_checked_by_its_first_field_and_streams_on_untouched(
        client: TestClient[Any], settings: GatewaySettings, grants: ScriptedService, token_for: TokenFor) -> None:
    signed_in(client, settings, token_for("antwerpen", "applicant"))
    path = "/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000004/bijlagen"
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 2000
    ordered = client.post(path, data={"_csrf": CSRF, "code": "begroting"},
                          files={"file": ("begroting.pdf", pdf, "application/pdf")})
    assert ordered.status_code == 200
    sent = grants.seen[-1]["body"]
    assert hashlib.sha256(pdf).hexdigest() in {hashlib.sha256(sent[i:i + len(pdf)]).hexdigest()
                                               for i in [sent.find(b"%PDF-1.4")]}
    before = len(grants.seen)
    boundary = "grens"
    late = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--{boundary}\r\n"
            f"Content-Disposition: form-data; name=\"_csrf\"\r\n\r\n{CSRF}\r\n--{boundary}--\r\n").encode()
    refused = client.post(path, content=late, headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert refused.status_code == 403
    assert len(grants.seen) == before


def test_a_flash_message_is_kept_for_the_next_page_and_never_shown_raw(
        client: TestClient[Any], settings: GatewaySettings, grants: ScriptedService, token_for: TokenFor) -> None:
    signed_in(client, settings, token_for("antwerpen", "applicant"))
    path = "/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000005/indienen"
    grants.answers[path] = Answer(status=303, body=b"", headers={
        "location": "/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000005",
        FLASH_HEADER: encode_flash("Je aanvraag is ingediend — «Fietsherstel»")})
    posted = client.post(path, data={"_csrf": CSRF}, follow_redirects=False)
    assert posted.status_code == 303 and FLASH_HEADER not in posted.headers
    client.get("/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000005")
    assert decode_flash(grants.seen[-1]["headers"].get(FLASH_HEADER)) == {
        "text": "Je aanvraag is ingediend — «Fietsherstel»", "kind": "ok"}
    client.get("/antwerpen/aanvragen/0193a000-0000-7000-8000-000000000005")
    assert FLASH_HEADER not in grants.seen[-1]["headers"]  # shown once


def test_the_home_shows_the_tiles_the_service_announced_for_the_persons_roles(
        client: TestClient[Any], settings: GatewaySettings, grants: ScriptedService, token_for: TokenFor) -> None:
    grants.answers["/portals"] = Answer(content_type="application/json", body=json.dumps([
        {"prefix": "aanvragen", "roles": ["applicant"], "tile": {"title": "Aanvragen", "description": "Indienen."}},
        {"prefix": "jury", "roles": ["juror"], "tile": {"title": "Jury", "description": "Beoordelen."}},
        {"prefix": "chauffeur", "roles": ["applicant"], "tile": {"title": "Chauffeur", "description": "Ritten."}},
        {"prefix": "berichten", "roles": ["applicant"]},
    ]).encode())
    signed_in(client, settings, token_for("antwerpen", "applicant"))
    home = client.get("/antwerpen/")
    assert home.status_code == 200
    # The applicant's tile; not the juror's; not one for a prefix the gateway does not route here.
    assert 'href="/antwerpen/aanvragen/"' in home.text and "Indienen." in home.text
    assert "/antwerpen/jury/" not in home.text and "/antwerpen/chauffeur/" not in home.text


def test_a_prefix_outside_the_table_is_no_page(client: TestClient[Any], grants: ScriptedService) -> None:
    before = len(grants.seen)
    assert client.get("/antwerpen/bestelwagen/", headers={"accept": "text/html"}).status_code == 404
    assert len(grants.seen) == before


def test_the_home_counts_the_persons_unread_notices_from_the_service_of_the_notices(
        client: TestClient[Any], settings: GatewaySettings, grants: ScriptedService, token_for: TokenFor) -> None:
    token = token_for("antwerpen", "applicant")
    grants.answers["/antwerpen/portal-header"] = Answer(content_type="application/json",
                                                        body=b'{"unread_notices": 3, "anything": "else"}')
    signed_in(client, settings, token)
    home = client.get("/antwerpen/", headers={"accept-language": "fr"})
    assert home.status_code == 200
    assert 'class="badge unread-count">3<' in home.text and "anything" not in home.text
    asked = [seen for seen in grants.seen if seen["path"] == "/antwerpen/portal-header"][-1]
    assert asked["headers"]["authorization"] == f"Bearer {token}"  # the person's own token: the service checks it
    grants.answers["/antwerpen/portal-header"] = Answer(status=503, content_type="application/problem+json")
    quiet = client.get("/antwerpen/")
    assert quiet.status_code == 200 and "unread-count" not in quiet.text and "/antwerpen/berichten/" in quiet.text


def test_logging_out_takes_the_sessions_own_form_and_a_link_logs_nobody_out(
        client: TestClient[Any], settings: GatewaySettings, token_for: TokenFor) -> None:
    signed_in(client, settings, token_for("antwerpen", "applicant"))
    link = client.get("/antwerpen/afmelden", follow_redirects=False)
    assert link.status_code in (302, 307) and link.headers["location"] == "/antwerpen/"
    assert 'class="account"' in client.get("/antwerpen/").text  # still signed in
    for data in ({}, {"_csrf": "stolen"}):
        refused = client.post("/antwerpen/afmelden", data=data, headers={"accept": "text/html"},
                              follow_redirects=False)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert 'class="account"' in client.get("/antwerpen/").text
    out = client.post("/antwerpen/afmelden", data={"_csrf": CSRF}, follow_redirects=False)
    assert out.status_code == 303 and "/protocol/openid-connect/logout" in out.headers["location"]
    assert 'class="account"' not in client.get("/antwerpen/").text
