"""What the gateway does to a request on its way to a service, seen by a recording upstream. The gateway runs
in-process; the tokens and their keys are the real Keycloak's."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar.datastructures import State
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.testing import TestClient
from litestar.types import Message, Receive, Scope, Send

from services.gateway.app import create_app
from services.gateway.hosts import province_hosts
from services.gateway.lane import LANE, ReadLane
from services.gateway.proxy import API_ROUTE
from services.gateway.runtime import Gateway
from services.gateway.sessions import SessionCookies, UserSession, cookie_name
from services.gateway.settings import GatewaySettings
from services.gateway.upstream_reads import MAX_BYTES
from shared.requests import REQUESTS, request_id_middleware
from shared.settings import AuthSettings, HttpSettings, ServiceSettings

TokenFor = Callable[[str, str], str]
MAX_BODY = 2 * 1024 * 1024
LARGE = MAX_BYTES + 1


@dataclass
class Recorder:
    seen: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture(scope="module")
def upstream() -> Iterator[Recorder]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            recorder.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                  "body_length": len(body)})
            payload = json.dumps({"ok": True}).encode() if "/large" not in self.path else b"x" * LARGE
            self.send_response(201 if self.command == "POST" else 200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.send_header("set-cookie", "upstream=1")
            self.send_header("x-upstream", "recorder")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield recorder
    server.shutdown()


@pytest.fixture(scope="module")
def settings(keycloak_url: str, upstream: Recorder) -> GatewaySettings:
    service = ServiceSettings(auth=AuthSettings(keycloak_url=keycloak_url), http=HttpSettings(max_body_bytes=MAX_BODY),
                              log_format="text")
    return GatewaySettings(service=service, public_url="http://gateway.test", partners_url=upstream.url,
                           grants_url="http://127.0.0.1:9", session_secret="t" * 40)


@pytest.fixture(scope="module")
def client(settings: GatewaySettings) -> Iterator[TestClient[Any]]:
    with served(settings) as client:
        yield client


def served(settings: GatewaySettings) -> TestClient[Any]:
    """The gateway as services.gateway.__main__ serves it (uvicorn's proxy headers aside): the read lane in front
    of the request ids, the province hosts and the app."""
    app = create_app(settings)
    front = ReadLane(request_id_middleware(province_hosts(app, settings)), settings, app.state)
    return TestClient(front, base_url="http://gateway.test")  # type: ignore[arg-type]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_the_request_reaches_the_tenants_path_of_the_service_with_its_context(
        client: TestClient[Any], upstream: Recorder, token_for: TokenFor) -> None:
    token = token_for("antwerpen", "coordinator")
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = client.get("/antwerpen/api/partners/organisations/a%2Fb?limit=5&cursor=x", headers={
        **bearer(token), "x-request-id": "req-42", "traceparent": trace, "cookie": "regie_antwerpen=abc; other=1",
        "connection": "x-secret", "x-secret": "hop", "x-forwarded-for": "6.6.6.6"})
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    seen = upstream.seen[-1]
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert seen["path"] == "/antwerpen/organisations/a%2Fb?limit=5&cursor=x"
    assert headers["authorization"] == f"Bearer {token}"
    assert headers["x-request-id"] == "req-42"
    assert headers["traceparent"] == trace
    assert headers["x-forwarded-for"] == "testclient"  # the caller's own claim is not passed on
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == "gateway.test"
    assert "cookie" not in headers and "x-secret" not in headers
    # The service's cookies never reach the browser; its other headers do.
    assert not any("upstream=" in cookie for cookie in response.headers.get_list("set-cookie"))
    assert response.headers["x-upstream"] == "recorder"
    assert response.headers.get_list("x-request-id") == ["req-42"]


def test_a_trace_is_started_when_the_caller_has_none(client: TestClient[Any], upstream: Recorder,
                                                     token_for: TokenFor) -> None:
    client.get("/antwerpen/api/partners/organisations", headers=bearer(token_for("antwerpen", "coordinator")))
    headers = {k.lower(): v for k, v in upstream.seen[-1]["headers"].items()}
    assert len(headers["traceparent"].split("-")) == 4


def test_a_token_of_another_province_never_reaches_the_service(client: TestClient[Any], upstream: Recorder,
                                                               token_for: TokenFor) -> None:
    before = len(upstream.seen)
    response = client.post("/limburg/api/partners/organisations", json={"name": "x"},
                           headers=bearer(token_for("antwerpen", "coordinator")))
    assert response.status_code == 401
    assert response.json()["type"] == "urn:regie:problem:wrong-tenant"
    assert len(upstream.seen) == before


def test_an_upload_is_passed_on_whole(client: TestClient[Any], upstream: Recorder, token_for: TokenFor) -> None:
    body = b"x" * (MAX_BODY - 10)
    response = client.post("/antwerpen/api/partners/documents", content=body,
                           headers={**bearer(token_for("antwerpen", "coordinator")),
                                    "content-type": "application/octet-stream"})
    assert response.status_code == 201
    assert upstream.seen[-1]["body_length"] == len(body)


def test_a_body_over_the_limit_is_refused_before_the_service_sees_it(client: TestClient[Any], upstream: Recorder,
                                                                      token_for: TokenFor) -> None:
    before = len(upstream.seen)
    response = client.post("/antwerpen/api/partners/documents", content=b"x" * (MAX_BODY + 1),
                           headers=bearer(token_for("antwerpen", "coordinator")))
    assert response.status_code == 413
    assert response.json()["type"] == "urn:regie:problem:payload-too-large"
    assert len(upstream.seen) == before


def test_a_service_that_is_down_is_a_503_problem(client: TestClient[Any], token_for: TokenFor) -> None:
    response = client.get("/antwerpen/api/grants/calls", headers=bearer(token_for("antwerpen", "coordinator")))
    assert response.status_code == 503
    assert response.json()["type"] == "urn:regie:problem:unavailable"


def test_dot_segments_cannot_climb_into_another_province(client: TestClient[Any], upstream: Recorder,
                                                         token_for: TokenFor) -> None:
    before = len(upstream.seen)
    response = client.get("/antwerpen/api/partners/%2E%2E/%2E%2E/limburg/organisations",
                          headers=bearer(token_for("antwerpen", "coordinator")))
    assert response.status_code in {400, 404}
    assert len(upstream.seen) == before


def browser_session(settings: GatewaySettings, tenant: str, token: str) -> tuple[str, str]:
    user = UserSession(access_token=token, refresh_token="unused", expires_at=int(time.time()) + 240,
                       refresh_expires_at=0, name="Sofie", roles=("coordinator",), csrf="the-csrf-token")
    backend = SessionCookies(CookieBackendConfig(secret=settings.session_key(tenant), key=cookie_name(tenant)))
    return f"{cookie_name(tenant)}={backend.dump_data({'user': user.to_dict()})[0].decode()}", user.csrf


def test_the_portal_calls_the_api_on_its_session_and_changes_need_the_csrf_token(
        client: TestClient[Any], settings: GatewaySettings, upstream: Recorder, token_for: TokenFor) -> None:
    cookie, csrf = browser_session(settings, "antwerpen", token_for("antwerpen", "coordinator"))
    assert client.get("/antwerpen/api/partners/organisations", headers={"cookie": cookie}).status_code == 200
    before = len(upstream.seen)
    refused = client.post("/antwerpen/api/partners/organisations", json={}, headers={"cookie": cookie})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert len(upstream.seen) == before
    accepted = client.post("/antwerpen/api/partners/organisations", json={},
                           headers={"cookie": cookie, "x-csrf-token": csrf})
    assert accepted.status_code == 201
    forwarded = {k.lower(): v for k, v in upstream.seen[-1]["headers"].items()}
    assert forwarded["authorization"] == f"Bearer {token_for('antwerpen', 'coordinator')}"
    assert "x-csrf-token" not in forwarded and "cookie" not in forwarded


def test_a_streamed_body_that_grows_over_the_limit_is_cut_off(client: TestClient[Any], token_for: TokenFor) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY // 65536 + 2):
            yield b"x" * 65536

    response = client.post("/antwerpen/api/partners/documents", content=chunks(),
                           headers=bearer(token_for("antwerpen", "coordinator")))
    assert response.status_code == 413


def lane_reads(service: str = "partners") -> float:
    """The read lane's count of reads it forwarded (services.gateway.lane.ReadLane)."""
    return LANE.labels(service)._value.get()


def answered_reads(settings: GatewaySettings) -> float:
    """The request metrics' count of the api route's answered reads (shared.requests)."""
    return REQUESTS.labels(settings.service.service, "GET", API_ROUTE, "200")._value.get()


def test_a_read_with_a_bearer_token_takes_the_fast_lane_and_answers_as_the_route_itself(
        client: TestClient[Any], settings: GatewaySettings, upstream: Recorder, token_for: TokenFor) -> None:
    token = token_for("antwerpen", "coordinator")
    path = "/antwerpen/api/partners/organisations?limit=5"
    client.cookies.clear()  # an earlier test's session: the province's session cookie is the full path's
    before = lane_reads()
    answered_before = answered_reads(settings)
    fast = client.get(path, headers={**bearer(token), "x-request-id": "req-fast"})
    fast_seen = upstream.seen[-1]
    assert lane_reads() == before + 1
    # A body to stream (here an empty chunked one) is the route's own: the reference for the same read.
    slow = client.request("GET", path, headers={**bearer(token), "x-request-id": "req-slow",
                                                "transfer-encoding": "chunked"}, content=iter([b""]))
    slow_seen = upstream.seen[-1]
    assert lane_reads() == before + 1
    assert (fast.status_code, fast.content) == (slow.status_code, slow.content) == (200, b'{"ok": true}')
    varying = {"date", "x-request-id", "set-cookie"}  # the session cookie is sealed afresh each time
    assert [c.split("=", 1)[0] for c in fast.headers.get_list("set-cookie")] == [
        c.split("=", 1)[0] for c in slow.headers.get_list("set-cookie")]
    assert ({k: v for k, v in fast.headers.items() if k not in varying}
            == {k: v for k, v in slow.headers.items() if k not in varying})
    assert fast.headers["x-request-id"] == "req-fast" and "upstream=1" not in fast.headers.get("set-cookie", "")
    assert answered_reads(settings) == answered_before + 2, "both in the same series: the service's, the route's"
    assert fast.headers["x-frame-options"] == "DENY" and fast.headers["content-length"] == str(len(fast.content))
    unlike = {"x-request-id", "traceparent", "transfer-encoding", "content-length", "content-type"}
    assert fast_seen["path"] == slow_seen["path"] == "/antwerpen/organisations?limit=5"
    assert ({k.lower(): v for k, v in fast_seen["headers"].items() if k.lower() not in unlike}
            == {k.lower(): v for k, v in slow_seen["headers"].items() if k.lower() not in unlike})

    # Not the lane's: the portal's session, a write, another province's token (the route answers its problem),
    # a service that is down (the lane raises the route's problem).
    cookie, _csrf = browser_session(settings, "antwerpen", token)
    assert client.get("/antwerpen/api/partners/organisations", headers={"cookie": cookie}).status_code == 200
    assert client.post("/antwerpen/api/partners/organisations", json={}, headers=bearer(token)).status_code == 201
    reached = len(upstream.seen)
    wrong = client.get("/limburg/api/partners/organisations", headers=bearer(token))
    assert wrong.status_code == 401 and wrong.json()["type"] == "urn:regie:problem:wrong-tenant"
    assert len(upstream.seen) == reached and lane_reads() == before + 1
    down = client.get("/antwerpen/api/grants/calls", headers=bearer(token))
    assert down.status_code == 503 and down.headers["content-type"].startswith("application/problem+json")
    assert lane_reads("grants") == 0 and down.headers["x-frame-options"] == "DENY"


def test_the_lane_counts_a_read_once_whoever_answers_it(settings: GatewaySettings, upstream: Recorder,
                                                        token_for: TokenFor) -> None:
    """A read the lane counted and then left to the full path (a service down) is not counted again; one over its
    limit is refused by the rate limits from the lane's own count."""
    left = 60 - time.time() % 60  # the counts restart with every minute: all four in one window
    if left < 10:
        time.sleep(left + 0.5)
    limited = replace(settings, token_rate_limit_per_minute=3, rate_limit_scope=f"lane-{secrets.token_hex(4)}")
    token = token_for("antwerpen", "coordinator")
    before = lane_reads()
    with served(limited) as client:
        statuses = [client.get(path, headers=bearer(token)).status_code for path in [
            "/antwerpen/api/partners/organisations", "/antwerpen/api/grants/calls",
            "/antwerpen/api/partners/organisations", "/antwerpen/api/partners/organisations"]]
        refused = client.get("/antwerpen/api/partners/organisations", headers=bearer(token))
    assert statuses == [200, 503, 200, 429]
    assert refused.status_code == 429 and refused.headers["ratelimit-policy"] == '"token";q=3;w=60'
    assert refused.json()["type"] == "urn:regie:problem:rate-limited" and refused.headers["x-frame-options"] == "DENY"
    assert lane_reads() == before + 2


def test_reads_the_lane_leaves_to_the_full_path(client: TestClient[Any], settings: GatewaySettings,
                                               upstream: Recorder, token_for: TokenFor) -> None:
    client.cookies.clear()
    token = token_for("antwerpen", "coordinator")
    before = lane_reads()
    # An answer larger than the lane reads whole: the route streams it.
    large = client.get("/antwerpen/api/partners/large", headers=bearer(token))
    assert (large.status_code, len(large.content)) == (200, LARGE)
    # The language asked for in the query: the route's (SessionLanguage).
    asked = client.get("/antwerpen/api/partners/organisations?taal=fr", headers=bearer(token))
    assert asked.status_code == 200 and upstream.seen[-1]["headers"]["accept-language"] == "fr"
    assert lane_reads() == before
    # On another province's own host, the province hosts redirect: nothing reaches the service.
    on_hosts = replace(settings, province_domain="regie.test")
    reached = len(upstream.seen)
    with served(on_hosts) as hosted:
        moved = hosted.get("/antwerpen/api/partners/organisations", headers={**bearer(token),
                                                                             "host": "limburg.regie.test"},
                           follow_redirects=False)
        own = hosted.get("/antwerpen/api/partners/organisations", headers={**bearer(token),
                                                                           "host": "antwerpen.regie.test"})
    assert moved.status_code == 307 and moved.headers["location"].startswith("http://antwerpen.regie.test")
    assert own.status_code == 200 and len(upstream.seen) == reached + 1 and lane_reads() == before + 1


async def test_a_header_given_twice_is_left_to_the_full_path(settings: GatewaySettings, upstream: Recorder,
                                                             token_for: TokenFor) -> None:
    """Which of two values counts is the full path's to say (an HTTP client joins them; here the scope has both)."""
    gateway = Gateway.start(settings)
    passed_on: list[str] = []
    sent: list[Message] = []

    async def full_path(scope: Scope, receive: Receive, send: Send) -> None:
        passed_on.append(scope["path"])

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    lane = ReadLane(full_path, settings, State({"gateway": gateway}))
    token = token_for("antwerpen", "coordinator")
    headers = [(b"host", b"gateway.test"), (b"authorization", f"Bearer {token}".encode()),
               (b"accept-language", b"fr"), (b"accept-language", b"en")]
    path = "/antwerpen/api/partners/organisations"
    scope: Any = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
                  "headers": headers, "client": ("127.0.0.1", 50000), "scheme": "http"}
    try:
        await lane(scope, receive, send)
        assert passed_on == [path] and sent == []
        headers.pop()  # given once: the lane's
        await lane(dict(scope), receive, send)
        assert passed_on == [path] and sent[0]["status"] == 200 and sent[1]["body"] == b'{"ok": true}'
        assert upstream.seen[-1]["headers"]["accept-language"] == "fr"
    finally:
        await gateway.aclose()
