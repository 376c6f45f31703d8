"""What the gateway does to a request on its way to a service, seen by a recording upstream. The gateway runs
in-process under uvicorn on a real socket, as services.gateway.__main__ serves it (its read lane in front); the
tokens and their keys are the real Keycloak's."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import uvicorn
from litestar.middleware.session.client_side import CookieBackendConfig

from services.gateway.app import create_app
from services.gateway.hosts import province_hosts
from services.gateway.lane import LANE, ReadLane
from services.gateway.proxy import API_ROUTE
from services.gateway.sessions import SessionCookies, UserSession, cookie_name
from services.gateway.settings import GatewaySettings
from services.gateway.upstream_reads import MAX_BYTES
from shared.requests import REQUESTS
from shared.service_app import server_config
from shared.settings import AuthSettings, HttpSettings, ServiceSettings

TokenFor = Callable[[str, str], str]
MAX_BODY = 2 * 1024 * 1024
LARGE = MAX_BYTES + 1
SLOW_SECONDS = 1.0
"""How long the recording service takes to answer a path with /slow in it."""
NOT_HERE = "192.0.2.1"
"""The trusted proxy: not the tests' own address, so what they claim in X-Forwarded-For is not believed."""


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
            if self.headers.get("transfer-encoding", "").lower() == "chunked":  # read as a service reads it
                while (size_line := self.rfile.readline()) and (size := int(size_line.split(b";")[0], 16)):
                    body += self.rfile.read(size)
                    self.rfile.readline()
                if not size_line:  # cut off on the way: nothing to answer
                    return
                self.rfile.readline()
            recorder.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                  "body_length": len(body)})
            payload = json.dumps({"ok": True}).encode() if "/large" not in self.path else b"x" * LARGE
            if "/slow" in self.path:
                time.sleep(SLOW_SECONDS)
            self.send_response(201 if self.command == "POST" else 200)
            self.send_header("content-type", "application/json")
            self.send_header("x-path", self.path)
            # as a service does (shared.requests): the id it was given, else one of its own
            self.send_header("x-request-id", self.headers.get("x-request-id") or f"svc-{len(recorder.seen)}")
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
    service = ServiceSettings(auth=AuthSettings(keycloak_url=keycloak_url), log_format="text",
                              http=HttpSettings(max_body_bytes=MAX_BODY, trusted_proxies=NOT_HERE))
    return GatewaySettings(service=service, public_url="http://gateway.test", partners_url=upstream.url,
                           grants_url="http://127.0.0.1:9", session_secret="t" * 40)


@pytest.fixture(scope="module")
def client(settings: GatewaySettings) -> Iterator[httpx.Client]:
    with served(settings) as client:
        yield client


@contextlib.contextmanager
def served(settings: GatewaySettings) -> Iterator[httpx.Client]:
    """The gateway as services.gateway.__main__ serves it (the read lane in front of uvicorn's parser, the request
    ids, the province hosts and the app), on a socket of its own, and a client of it as gateway.test."""
    app = create_app(settings)
    config = server_config(province_hosts(app, settings), settings.service,
                           protocol=ReadLane(settings, app.state).protocol())
    server = uvicorn.Server(config)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            time.sleep(0.02)
        assert server.started, "the gateway did not start"
        with httpx.Client(transport=httpx.HTTPTransport(), base_url=f"http://127.0.0.1:{port}",
                          headers={"host": "gateway.test"}, timeout=15) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listening.close()


def raw(client: httpx.Client, request: bytes, *later: bytes) -> bytes:
    """`request` as bytes on a connection of its own to the gateway `client` calls, then each of `later` a third
    of SLOW_SECONDS after the one before: what came back before the gateway closed it."""
    port = client.base_url.port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=15) as connection:
        connection.sendall(request)
        for more in later:
            time.sleep(SLOW_SECONDS / 3)
            connection.sendall(more)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_the_request_reaches_the_tenants_path_of_the_service_with_its_context(
        client: httpx.Client, upstream: Recorder, token_for: TokenFor) -> None:
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
    assert headers["x-forwarded-for"] == "127.0.0.1"  # the caller's own claim is not passed on
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == "gateway.test"
    assert "cookie" not in headers and "x-secret" not in headers
    # The service's cookies never reach the browser; its other headers do.
    assert not any("upstream=" in cookie for cookie in response.headers.get_list("set-cookie"))
    assert response.headers["x-upstream"] == "recorder"
    assert response.headers.get_list("x-request-id") == ["req-42"]


def test_a_trace_is_started_when_the_caller_has_none(client: httpx.Client, upstream: Recorder,
                                                     token_for: TokenFor) -> None:
    client.get("/antwerpen/api/partners/organisations", headers=bearer(token_for("antwerpen", "coordinator")))
    headers = {k.lower(): v for k, v in upstream.seen[-1]["headers"].items()}
    assert len(headers["traceparent"].split("-")) == 4


def test_a_token_of_another_province_never_reaches_the_service(client: httpx.Client, upstream: Recorder,
                                                               token_for: TokenFor) -> None:
    before = len(upstream.seen)
    response = client.post("/limburg/api/partners/organisations", json={"name": "x"},
                           headers=bearer(token_for("antwerpen", "coordinator")))
    assert response.status_code == 401
    assert response.json()["type"] == "urn:regie:problem:wrong-tenant"
    assert len(upstream.seen) == before


def test_an_upload_is_passed_on_whole(client: httpx.Client, upstream: Recorder, token_for: TokenFor) -> None:
    body = b"x" * (MAX_BODY - 10)
    response = client.post("/antwerpen/api/partners/documents", content=body,
                           headers={**bearer(token_for("antwerpen", "coordinator")),
                                    "content-type": "application/octet-stream"})
    assert response.status_code == 201
    assert upstream.seen[-1]["body_length"] == len(body)


def test_a_body_over_the_limit_is_refused_before_the_service_sees_it(client: httpx.Client, upstream: Recorder,
                                                                      token_for: TokenFor) -> None:
    before = len(upstream.seen)
    response = client.post("/antwerpen/api/partners/documents", content=b"x" * (MAX_BODY + 1),
                           headers=bearer(token_for("antwerpen", "coordinator")))
    assert response.status_code == 413
    assert response.json()["type"] == "urn:regie:problem:payload-too-large"
    assert len(upstream.seen) == before


def test_a_service_that_is_down_is_a_503_problem(client: httpx.Client, token_for: TokenFor) -> None:
    response = client.get("/antwerpen/api/grants/calls", headers=bearer(token_for("antwerpen", "coordinator")))
    assert response.status_code == 503
    assert response.json()["type"] == "urn:regie:problem:unavailable"


def test_dot_segments_cannot_climb_into_another_province(client: httpx.Client, upstream: Recorder,
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
        client: httpx.Client, settings: GatewaySettings, upstream: Recorder, token_for: TokenFor) -> None:
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


def test_a_streamed_body_that_grows_over_the_limit_is_cut_off(client: httpx.Client, token_for: TokenFor) -> None:
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
        client: httpx.Client, settings: GatewaySettings, upstream: Recorder, token_for: TokenFor) -> None:
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


def test_reads_the_lane_leaves_to_the_full_path(client: httpx.Client, settings: GatewaySettings,
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


def test_a_header_given_twice_is_left_to_the_full_path(client: httpx.Client, upstream: Recorder,
                                                       token_for: TokenFor) -> None:
    """Which of two values counts is the full path's to say."""
    token = token_for("antwerpen", "coordinator")
    head = (f"GET /antwerpen/api/partners/organisations HTTP/1.1\r\nhost: gateway.test\r\n"
            f"authorization: Bearer {token}\r\naccept-language: fr\r\n").encode()
    before = lane_reads()
    twice = raw(client, head + b"accept-language: en\r\nconnection: close\r\n\r\n")
    assert twice.startswith(b"HTTP/1.1 200 ") and lane_reads() == before
    once = raw(client, head + b"connection: close\r\n\r\n")
    assert once.startswith(b"HTTP/1.1 200 ") and once.endswith(b'{"ok": true}') and lane_reads() == before + 1
    assert b"\r\nconnection: close\r\n" in once.lower()
    assert upstream.seen[-1]["headers"]["accept-language"] == "fr"


def answers(received: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """The answers in what came back on one connection, in order: status, headers (lower-case names), body."""
    found = []
    while received:
        head, _blank, rest = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _colon, value in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        found.append((int(lines[0].split(" ")[1]), headers, rest[:length]))
        received = rest[length:]
    return found


def test_pipelined_requests_are_answered_in_order_whoever_answers_each(client: httpx.Client, upstream: Recorder,
                                                                      token_for: TokenFor) -> None:
    """Four requests on one connection, the lane's and the full path's in turn, the first of them slow and the
    other three sent while it is on its way: four answers, in the order asked, each its own."""
    token = token_for("antwerpen", "coordinator")

    def read(path: str, request_id: str) -> bytes:
        return (f"GET /antwerpen/api/partners{path} HTTP/1.1\r\nhost: gateway.test\r\n"
                f"authorization: Bearer {token}\r\nx-request-id: {request_id}\r\n\r\n").encode()

    write = (f"POST /antwerpen/api/partners/organisations HTTP/1.1\r\nhost: gateway.test\r\n"
             f"authorization: Bearer {token}\r\nx-request-id: w-2\r\ncontent-type: application/json\r\n"
             f"content-length: 2\r\n\r\n{{}}").encode()
    last = (f"GET /antwerpen/api/partners/organisations/4 HTTP/1.1\r\nhost: gateway.test\r\n"
            f"authorization: Bearer {token}\r\nx-request-id: r-4\r\nconnection: close\r\n\r\n").encode()
    before = lane_reads()
    received = answers(raw(client, read("/slow/1", "r-1"), write + read("/organisations/3", "r-3") + last))
    assert [(status, headers["x-request-id"], headers["x-path"]) for status, headers, _body in received] == [
        (200, "r-1", "/antwerpen/slow/1"), (201, "w-2", "/antwerpen/organisations"),
        (200, "r-3", "/antwerpen/organisations/3"), (200, "r-4", "/antwerpen/organisations/4")]
    assert all(body == b'{"ok": true}' for _status, _headers, body in received)
    assert lane_reads() >= before + 1  # the first at least: uvicorn takes what came behind the write with it


def test_a_head_that_comes_in_parts_is_read_whole(client: httpx.Client, token_for: TokenFor) -> None:
    token = token_for("antwerpen", "coordinator")
    request = (f"GET /antwerpen/api/partners/organisations HTTP/1.1\r\nhost: gateway.test\r\n"
               f"authorization: Bearer {token}\r\nconnection: close\r\n\r\n").encode()
    port = client.base_url.port
    assert port is not None
    before = lane_reads()
    with socket.create_connection(("127.0.0.1", port), timeout=15) as connection:
        for start in range(0, len(request), 40):
            connection.sendall(request[start:start + 40])
            time.sleep(0.01)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200 ") and received.endswith(b'{"ok": true}')
    assert lane_reads() == before + 1


def test_the_client_a_trusted_proxy_names_is_the_one_counted_and_forwarded(
        settings: GatewaySettings, upstream: Recorder, token_for: TokenFor) -> None:
    """X-Forwarded-For is believed from a trusted proxy (here the tests' own address), and only from one (the
    module's gateway: test_the_request_reaches_the_tenants_path_of_the_service_with_its_context)."""
    behind_proxy = replace(settings, service=replace(settings.service, http=replace(settings.service.http,
                                                                                    trusted_proxies="127.0.0.1")))
    token = token_for("antwerpen", "coordinator")
    before = lane_reads()
    with served(behind_proxy) as client:
        answer = client.get("/antwerpen/api/partners/organisations",
                            headers={**bearer(token), "x-forwarded-for": "203.0.113.9, 127.0.0.1"})
    assert answer.status_code == 200 and lane_reads() == before + 1
    assert upstream.seen[-1]["headers"]["x-forwarded-for"] == "203.0.113.9"


def test_each_read_of_a_kept_connection_is_checked_for_its_own_token(client: httpx.Client, upstream: Recorder,
                                                                     token_for: TokenFor) -> None:
    """What a connection's last read found serves its next only for the same header lines and token: another
    province's token, or none, on the same connection is the full path's refusal; the first token again, the
    lane's read."""
    own, other = token_for("antwerpen", "coordinator"), token_for("limburg", "coordinator")
    path = "/antwerpen/api/partners/organisations"
    before, reached = lane_reads(), len(upstream.seen)
    first = [client.get(path, headers=bearer(own)).status_code for _ in range(2)]  # the second: from what it kept
    assert first == [200, 200] and lane_reads() == before + 2
    wrong = client.get(path, headers=bearer(other))
    assert wrong.status_code == 401 and wrong.json()["type"] == "urn:regie:problem:wrong-tenant"
    assert client.get(path).status_code == 401
    assert lane_reads() == before + 2 and len(upstream.seen) == reached + 2
    again = client.get(path, headers={**bearer(own), "x-request-id": "req-again"})
    assert again.status_code == 200 and again.headers["x-request-id"] == "req-again" and lane_reads() == before + 3
    assert upstream.seen[-1]["headers"]["x-request-id"] == "req-again"


def test_a_read_without_a_request_id_carries_the_one_its_service_made(client: httpx.Client, upstream: Recorder,
                                                                       token_for: TokenFor) -> None:
    """The lane sends no id of its own: the service makes one, logs under it and answers with it, and the caller
    gets that one (the full path makes one and sends it on: the caller gets the same id the service used, too)."""
    token = token_for("antwerpen", "coordinator")
    before = lane_reads()
    fast = client.get("/antwerpen/api/partners/organisations", headers=bearer(token))
    seen = upstream.seen[-1]
    assert lane_reads() == before + 1 and "x-request-id" not in {name.lower() for name in seen["headers"]}
    assert fast.headers.get_list("x-request-id") == [f"svc-{len(upstream.seen)}"]
    slow = client.request("GET", "/antwerpen/api/partners/organisations", headers={
        **bearer(token), "transfer-encoding": "chunked"}, content=iter([b""]))
    given = {name.lower(): value for name, value in upstream.seen[-1]["headers"].items()}["x-request-id"]
    assert lane_reads() == before + 1 and slow.headers.get_list("x-request-id") == [given]


def test_many_reads_at_once_each_get_their_own_answer(client: httpx.Client, token_for: TokenFor) -> None:
    """Reads from 32 connections at once, 8 each: every answer is the one its request asked for."""
    token = token_for("antwerpen", "coordinator")
    port = client.base_url.port
    assert port is not None
    wrong: list[str] = []
    before = lane_reads()

    def reader(number: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"host": "gateway.test"}, timeout=15) as own:
            for turn in range(8):
                answer = own.get(f"/antwerpen/api/partners/organisations/{number}-{turn}",
                                 headers={**bearer(token), "x-request-id": f"req-{number}-{turn}"})
                if (answer.status_code, answer.headers["x-request-id"], answer.headers["x-path"]) != (
                        200, f"req-{number}-{turn}", f"/antwerpen/organisations/{number}-{turn}"):
                    wrong.append(f"{number}-{turn}: {answer.status_code} {answer.headers}")

    threads = [threading.Thread(target=reader, args=(number,)) for number in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert lane_reads() == before + 32 * 8


def test_a_read_on_its_way_is_answered_before_the_gateway_shuts_down(settings: GatewaySettings,
                                                                     token_for: TokenFor) -> None:
    token = token_for("antwerpen", "coordinator")
    with served(settings) as client:
        port = client.base_url.port
        assert port is not None
        connection = socket.create_connection(("127.0.0.1", port), timeout=15)
        connection.sendall((f"GET /antwerpen/api/partners/slow HTTP/1.1\r\nhost: gateway.test\r\n"
                            f"authorization: Bearer {token}\r\n\r\n").encode())
        time.sleep(SLOW_SECONDS / 3)  # on its way to the service
    # served() has shut the gateway down: the read was answered first, then the connection closed
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    connection.close()
    assert received.startswith(b"HTTP/1.1 200 ") and received.endswith(b'{"ok": true}')


def test_a_client_gone_before_its_answer_leaves_the_gateway_serving(client: httpx.Client, upstream: Recorder,
                                                                    token_for: TokenFor) -> None:
    token = token_for("antwerpen", "coordinator")
    port = client.base_url.port
    assert port is not None
    reached = len(upstream.seen)
    with socket.create_connection(("127.0.0.1", port), timeout=15) as connection:
        connection.sendall((f"GET /antwerpen/api/partners/slow/gone HTTP/1.1\r\nhost: gateway.test\r\n"
                            f"authorization: Bearer {token}\r\n\r\n").encode())
        time.sleep(SLOW_SECONDS / 3)
    time.sleep(SLOW_SECONDS)  # the service answers the read of a client that is gone
    assert upstream.seen[reached]["path"] == "/antwerpen/slow/gone"
    after = client.get("/antwerpen/api/partners/organisations", headers=bearer(token_for("antwerpen", "coordinator")))
    assert after.status_code == 200 and after.json() == {"ok": True}
