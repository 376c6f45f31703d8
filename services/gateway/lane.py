"""The API read lane: the gateway's HTTP connection itself answers an API client's read, before uvicorn parses it.

Most calls through the gateway are an API client's reads: a GET with a bearer token, no body, no session. Through
uvicorn and ASGI each cost the gateway 140–165 µs of CPU on the bench's 2-core machine, where a bare forwarder
costs 31–34 µs; above about 60 µs per read the gateway and the service no longer fit on the two cores together,
and the gateway's overhead jumps (bench/README.md, "What a Python hop can cost here"). So the lane works on the
connection (`LaneProtocol`, uvicorn's own HTTP protocol with the lane in front of its parser): it reads the
request's head as bytes, does the checks below in one place, in the route's order, sends the read on over a kept
connection (upstream_reads.py) and writes the answer, all from the event loop's callbacks: no parser callbacks,
no ASGI scope or events, no task and no future per read.

- the request: `GET <path> HTTP/1.1`, a well-formed head, no body (no Content-Length but 0, no Transfer-Encoding),
  no Expect or Upgrade, no header given twice;
- the province is one this deployment serves, the service one it knows, the path without dot segments and (on a
  province's own host) that province's: else the province hosts' redirect or the route's answer;
- no `taal=` in the query and no session cookie of the province (the portal's calls: its language, its CSRF);
- the bearer token verifies for the province (kept verified, shared.auth.TokenVerifier): else the route answers
  its problem; an integration token is the route's;
- the rate limits count it (limits.py), from the client address uvicorn's proxy headers would give;
- the request id, the trace context and the language, as shared.requests sets them; the forwarded headers as the
  route's (proxy.forwarded_headers); the answer with the gateway's security headers and the request id; the
  request's metrics (shared.requests.answered, under the route's template). Its log line only when the service
  answered 400 or above: the service wrote the line of every request it answered, under the same request id
  (shared.requests), and a line of the gateway's own for each read doubled what the platform logged per read and
  cost the gateway a tenth of its CPU per read under load.

What needs waiting for (a token not yet verified, a rate-limit share not held, no kept connection to the service)
is awaited in a task of its own; the rest is done in the callback that brought the request in or its answer.

Anything else goes on to uvicorn and the full path, which stays the reference (the tests compare the two,
tests/gateway/integration/test_gateway_lane.py), with the bytes as they came: a write, a body, a header given
twice, a token that does not verify, a limit exceeded (the rate limits answer it, from the count the lane made:
limits.COUNTED), a service that cannot be reached or an answer larger than upstream_reads.MAX_BYTES (the route
tries once more, answers its problem in the caller's format or streams the answer). What the lane has counted is
not counted again. The lane takes a request only at a boundary: when uvicorn has no request of the connection
parsed in part, in progress or queued; while the lane's read is on its way, what else the connection sends waits
(pipelined requests are answered in order)."""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from litestar.datastructures import State
from prometheus_client import Counter, Histogram
from uvicorn.config import Config
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import STATUS_LINE
from uvicorn.server import ServerState

from services.gateway.hosts import province_of_host, served_on
from services.gateway.integrations import is_integration_token
from services.gateway.limits import COUNTED, Held, Limit, LimitCounts, take_from, window_of
from services.gateway.proxy import API_ROUTE, DROPPED_REQUEST, DROPPED_RESPONSE
from services.gateway.runtime import Gateway
from services.gateway.security import security_headers
from services.gateway.sessions import cookie_name
from services.gateway.settings import GatewaySettings
from services.gateway.upstream_reads import Answer, Origin, UpstreamFailed
from shared.http_server import CoalescingHttpToolsProtocol
from shared.i18n import preferred_language
from shared.ids import uuid7_text
from shared.logs import request_id_var, tenant_var, traceparent_var
from shared.requests import REQUEST_ID, TRACEPARENT, answered, series_of

LANE = Counter("regie_gateway_read_lane_total", "API reads forwarded by the gateway's read lane", ["service"])
HEAD_END = b"\r\n\r\n"
MAX_HEAD = 16 * 1024
"""A head not complete within this many bytes is uvicorn's (and its parser's limits')."""
HELD_BYTES = 64 * 1024
"""While the lane's read is on its way, the connection's reading pauses once this much more has come."""
HEAD = re.compile(rb"GET (/[!-~]*) HTTP/1\.1((?:\r\n[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*)*)\r\n\r\n")
"""A GET's request line and RFC 9110 field names and values; no obsolete line folding (anything else: uvicorn's
parser decides)."""
API_PATH = re.compile(r"/(?P<tenant>[a-z-]+)/api/(?P<service>[a-z]+)(?P<rest>/.*)?")
NO_BODY = (None, b"0")
NOT_THE_LANES = frozenset({b"transfer-encoding", b"expect", b"upgrade"})
"""A body, or a protocol change: the full path's."""
NO_CONTENT = (204, 304)
DROPPED = frozenset(name.encode() for name in DROPPED_REQUEST)
DROPPED_ANSWER = frozenset(name.encode() for name in DROPPED_RESPONSE)
NOT_COUNTED = object()
"""A request handed to uvicorn whose rate limits the lane did not count."""


@dataclass(slots=True)
class Read:
    """One read the lane took: the request as it came, and what it was found to be."""

    head: bytes
    """The request's head as received, its blank line included: handed to uvicorn unchanged if the lane leaves
    it."""
    tenant: str
    service: str
    path: str
    """Decoded, as uvicorn's scope["path"]."""
    upstream_target: bytes
    """The service's path and query: /<tenant><rest as the client encoded it>[?query]."""
    headers: dict[bytes, bytes]
    token: str
    client: str
    keep_alive: bool
    started: float = 0.0
    request_id: str = ""
    traceparent: str = ""


class ReadLane:
    """What the lane knows for the whole process: the settings, the gateway's live parts (the Litestar app's state,
    set by its lifespan: before and after it, every request is uvicorn's), the limits and the fixed headers."""

    def __init__(self, settings: GatewaySettings, state: State) -> None:
        self.settings = settings
        self.state = state
        self.service_name = settings.service.service
        self.upstreams = settings.upstreams
        self.tenants = frozenset(settings.service.tenants)
        self.cookies = {tenant: cookie_name(tenant).encode() for tenant in self.tenants}
        self.limits = LimitCounts.of(settings)
        self.forwarded_by_service = {service: LANE.labels(service) for service in self.upstreams}
        self.security = [(name.encode(), value.encode()) for name, value in security_headers(settings).items()]
        self.security_names = frozenset(name for name, _value in self.security)
        self.security_lines = b"".join(b"%s: %s\r\n" % header for header in self.security)
        self.scheme = b"https" if settings.https else b"http"
        self.languages: dict[bytes, bytes] = {}
        """Accept-Language as given → the language it asks for (few distinct values)."""
        self.domain = settings.province_domain
        self.provinces: dict[bytes, str | None] = {}
        """Host header as given → the province whose host it is (few distinct values)."""
        self.origins: dict[str, Origin] = {}
        self.live: Gateway | None = None
        self.series: dict[int, tuple[Counter, Histogram]] = {}
        """The request metrics' series of the lane's reads, by status (shared.requests.answered's)."""

    def protocol(self) -> type[LaneProtocol]:
        """uvicorn's `http` protocol class: a connection's protocol, with this lane in front."""
        return type("GatewayLaneProtocol", (LaneProtocol,), {"lane": self})

    def read_of(self, head: bytes, connection: LaneProtocol) -> Read | None:
        """The request whose head is `head` (its blank line included) as the lane's read, or None when it is not
        the lane's."""
        found = HEAD.fullmatch(head)
        if found is None:
            return None
        lines = found[2].split(b"\r\n")[1:]
        headers: dict[bytes, bytes] = {}
        for line in lines:
            name, _colon, value = line.partition(b":")
            headers[name.lower()] = value.strip(b" \t")
        if (len(headers) != len(lines) or headers.get(b"content-length") not in NO_BODY
                or not NOT_THE_LANES.isdisjoint(headers)):
            return None
        target = found[1]
        raw_path, _question, query = target.partition(b"?")
        path = raw_path.decode("ascii")
        if "%" in path:
            path = unquote(path)
        api = API_PATH.fullmatch(path)
        if api is None or b"taal=" in query:
            return None
        tenant, service = api["tenant"], api["service"]
        if (tenant not in self.tenants or service not in self.upstreams
                or ("/." in path and any(segment in {".", ".."} for segment in path.split("/")))  # the route's 400
                or (self.domain and not self.province_path(headers.get(b"host"), path))
                or self.cookies[tenant] in headers.get(b"cookie", b"")):  # the province's session: the portal's
            return None
        scheme, _space, credentials = headers.get(b"authorization", b"").partition(b" ")  # shared.auth.bearer_token
        token = credentials.strip().decode("latin-1")
        if scheme.lower() != b"bearer" or not token or is_integration_token(token):
            return None
        parts = raw_path.split(b"/", 4)  # the rest as the client encoded it (so %2F stays %2F), as the route
        rest = b"/" + parts[4] if len(parts) > 4 else b""
        return Read(head, tenant, service, path, b"/%s%s%s" % (tenant.encode(), rest, b"?" + query if query else b""),
                    headers, token, connection.client_of(headers),
                    b"close" not in headers.get(b"connection", b"").lower())

    def province_path(self, host: bytes | None, path: str) -> bool:
        """Whether the path is served on this host as it is (hosts.province_hosts redirects the rest)."""
        if not host:
            return True
        if host in self.provinces:
            province = self.provinces[host]
        else:
            province = province_of_host(host.decode("latin-1"), self.domain, self.settings.service.tenants)
            if len(self.provinces) < 1024:
                self.provinces[host] = province
        return served_on(province, path)

    def gateway(self) -> Gateway | None:
        """The gateway's live parts, once its lifespan has started them (uvicorn closes the connections before it
        ends the lifespan)."""
        if self.live is None:
            self.live = self.state.get("gateway")
        return self.live

    def start(self, read: Read, connection: LaneProtocol, gateway: Gateway) -> None:
        """The read checked, counted and sent on, at once when nothing needs waiting for. What the connection's
        last read found (its token good until when, the limit shares it counted on) serves the next read of the
        same token and client, as long as it holds."""
        kept = connection.kept
        if kept is not None and kept[0] == read.token and kept[1] == read.tenant and kept[2] == read.client \
                and time.monotonic() < kept[3] and kept[4] == window_of(time.time()) and take_from(kept[5]):
            self.forward(read, connection, gateway)
            return
        until = gateway.verifier.kept_until(read.token, read.tenant)
        shares = self.limits.counted_from_held(read.client, read.token, gateway.counters) if until else None
        if until is not None and shares is not None:
            connection.kept = (read.token, read.tenant, read.client, until, gateway.counters.window, shares)
            # (counted_from_held answers only in the window the shares are of: counters.window)
            self.forward(read, connection, gateway)
        else:
            connection.waiting(self.prepared(read, connection, gateway))

    async def prepared(self, read: Read, connection: LaneProtocol, gateway: Gateway) -> None:
        try:
            await gateway.verifier.verify(read.token, expected_tenant=read.tenant)
        except Exception:  # noqa: BLE001 - the route answers it, with the problem it raises
            connection.hand_over(read)
            return
        refused = await self.limits.refused_for(read.client, read.token, gateway.counters)
        if refused is not None:
            connection.hand_over(read, refused)  # the rate limits answer it
        else:
            self.forward(read, connection, gateway)

    def forward(self, read: Read, connection: LaneProtocol, gateway: Gateway) -> None:
        read.started = time.perf_counter()
        headers = read.headers
        given_id = headers.get(b"x-request-id")
        read.request_id = (given_id.decode("latin-1") if given_id and REQUEST_ID.match(given_id.decode("latin-1"))
                           else uuid7_text())
        given_trace = headers.get(b"traceparent")
        # proxy.traceparent: the caller's when it has four parts; shared.requests' log context: when well formed
        read.traceparent = (given_trace.decode("latin-1") if given_trace and given_trace.count(b"-") == 3
                            else f"00-{random.getrandbits(128):032x}-{random.getrandbits(64):016x}-01")
        asked = headers.get(b"accept-language", b"")
        language = self.languages.get(asked)
        if language is None:
            language = preferred_language(asked.decode("latin-1")).encode()
            if len(self.languages) < 256:
                self.languages[asked] = language
        origin = self.origins.get(read.service)
        if origin is None:
            origin = self.origins[read.service] = gateway.reads.origin(self.upstreams[read.service])
        listed = ({name.strip() for name in headers[b"connection"].lower().split(b",")}
                  if b"connection" in headers else ())
        sent = [b"GET ", read.upstream_target, b" HTTP/1.1\r\nhost: ", origin.host_header, b"\r\n"]
        for name, value in headers.items():
            if name not in DROPPED and name not in listed:
                sent += [name, b": ", value, b"\r\n"]
        sent += [b"authorization: Bearer ", read.token.encode("latin-1"),
                 b"\r\nx-forwarded-for: ", read.client.encode("latin-1"),
                 b"\r\nx-forwarded-proto: ", self.scheme,
                 b"\r\nx-forwarded-host: ", headers.get(b"host", b""),
                 b"\r\ntraceparent: ", read.traceparent.encode("latin-1"),
                 b"\r\naccept-language: ", language,
                 b"\r\nx-request-id: ", read.request_id.encode(), b"\r\n\r\n"]
        gateway.reads.send(origin, b"".join(sent), connection.upstream_answered)

    def answer_of(self, read: Read, answer: Answer, default_headers: list[tuple[bytes, bytes]]) -> bytes:
        """The answer as the client gets it: the service's headers minus the gateway's own (repeated ones joined,
        as the route's), its length, the security headers it does not set itself, the request id."""
        kept: dict[bytes, bytes] = {}
        for line in answer.head.split(b"\r\n")[1:]:
            name, _colon, value = line.partition(b":")
            name = name.lower()
            if name not in DROPPED_ANSWER:
                value = value.strip(b" \t")
                kept[name] = kept[name] + b", " + value if name in kept else value
        if answer.status not in NO_CONTENT:
            kept[b"content-length"] = str(len(answer.body)).encode()
        written = [STATUS_LINE[answer.status]]
        for name, value in default_headers:
            written += [name, b": ", value, b"\r\n"]
        for name, value in kept.items():
            written += [name, b": ", value, b"\r\n"]
        if self.security_names.isdisjoint(kept):
            written.append(self.security_lines)
        else:
            for name, value in self.security:
                if name not in kept:
                    written += [name, b": ", value, b"\r\n"]
        if not read.keep_alive:
            written.append(b"connection: close\r\n")
        written += [b"x-request-id: ", read.request_id.encode(), b"\r\n\r\n", answer.body]
        return b"".join(written)

    def account(self, read: Read, status: int) -> None:
        """The request's metrics, under the service's name and the route's template (shared.requests), and its
        line when the answer is an error."""
        elapsed = time.perf_counter() - read.started
        if status < 400:  # shared.requests.answered without its line, its series kept here
            series = self.series.get(status)
            if series is None:
                series = self.series[status] = series_of(self.service_name, "GET", API_ROUTE, status)
            series[0].inc()
            series[1].observe(elapsed)
        else:
            context = (request_id_var.set(read.request_id), tenant_var.set(read.tenant),
                       traceparent_var.set(read.traceparent if TRACEPARENT.match(read.traceparent) else None))
            try:
                answered(self.service_name, "GET", read.path, API_ROUTE, status, elapsed)
            finally:
                for token in reversed(context):
                    token.var.reset(token)
        self.forwarded_by_service[read.service].inc()


class LaneProtocol(CoalescingHttpToolsProtocol):
    """uvicorn's HTTP protocol (shared.http_server) with the read lane in front of its parser."""

    lane: ReadLane
    """This process's (ReadLane.protocol)."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.held = b""
        """What came after the head of the lane's read on its way, or the first part of a head."""
        self.reading: Read | None = None
        """The lane's read on its way."""
        self.parsing = False
        """uvicorn's parser is inside a request."""
        self.counted: Any = NOT_COUNTED
        self.closing = False
        self.proxies = self.app.trusted_hosts if isinstance(self.app, ProxyHeadersMiddleware) else None
        self.tasks_waiting: set[asyncio.Task[None]] = set()
        self.kept: tuple[str, str, str, float, int, list[Held]] | None = None
        """What the connection's last read found: its token, province and client; until when the token is good
        (time.monotonic); the window and the limit shares it was counted on (ReadLane.start)."""
        self.answered_at = 0.0
        """The loop's time when the lane last answered on this connection (its keep-alive counts from then)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.socket = transport
        """The connection's own transport: the lane's answer is one write, sent at once (uvicorn's writes are
        held until the loop's next turn and sent together, shared.http_server)."""
        super().connection_made(transport)
        peer = self.client[0] if self.client else None
        self.peer = peer or "unknown"
        self.from_proxy = self.proxies is not None and peer in self.proxies

    def client_of(self, headers: dict[bytes, bytes]) -> str:
        """The client's address as uvicorn's proxy headers give it: X-Forwarded-For believed from a trusted proxy."""
        if self.from_proxy and self.proxies is not None and (forwarded := headers.get(b"x-forwarded-for")):
            host, _port = self.proxies.get_trusted_client_address(forwarded.decode("latin-1"))
            if host:
                return host
        return self.peer

    # what comes in
    def data_received(self, data: bytes) -> None:
        if self.reading is not None:  # pipelined behind the lane's read: in order, after it
            self.held += data
            if len(self.held) > HELD_BYTES:
                self.flow.pause_reading()
            return
        if self.held:
            data, self.held = self.held + data, b""
        self.take(data)

    def take(self, data: bytes) -> None:
        """`data` (at a request's start when uvicorn has nothing in hand) to the lane or to uvicorn."""
        gateway = self.lane.gateway()
        if (gateway is None or self.parsing or self.pipeline or self.closing
                or (self.cycle is not None and not self.cycle.response_complete)):
            super().data_received(data)
            return
        end = data.find(HEAD_END)
        if end < 0:
            if len(data) > MAX_HEAD:
                super().data_received(data)
            else:
                self.held = data  # the rest of the head is on its way (uvicorn's keep-alive timer still runs)
            return
        read = self.lane.read_of(data[:end + 4], self)
        if read is None:
            super().data_received(data)
            return
        self.reading, self.held = read, data[end + 4:]  # (the keep-alive timer runs on: timeout_keep_alive_handler)
        self.lane.start(read, self, gateway)

    def waiting(self, work: Any) -> None:
        task = self.loop.create_task(work)
        self.tasks_waiting.add(task)
        task.add_done_callback(self.tasks_waiting.discard)

    # what goes out
    def upstream_answered(self, result: Answer | UpstreamFailed) -> None:
        read = self.reading
        if read is None:
            return
        if isinstance(result, UpstreamFailed):
            self.hand_over(read, None)  # counted: the route tries once more and answers its problem
            return
        self.reading = None
        lane = self.lane
        if self.socket.is_closing():  # the client went away: the service's answer is accounted all the same
            lane.account(read, result.status)
            return
        if self.writes.held:
            self.writes.flush()  # an earlier answer of uvicorn's, still held: before this one
        self.socket.write(lane.answer_of(read, result, self.server_state.default_headers))
        lane.account(read, result.status)
        self.server_state.total_requests += 1
        if not read.keep_alive or self.closing:
            self.transport.close()
            return
        if self.flow.read_paused:
            self.flow.resume_reading()
        self.answered_at = self.loop.time()
        if self.held:
            held, self.held = self.held, b""
            self.take(held)
        elif self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive,
                                                                self.timeout_keep_alive_handler)

    def timeout_keep_alive_handler(self) -> None:
        """uvicorn's keep-alive timer: it closes a connection idle for timeout_keep_alive seconds. uvicorn sets it
        anew after each of its answers; the lane leaves it running and, when it fires, sets it again for the time
        left since the lane's last answer (one timer per idle period, not one per read)."""
        self.timeout_keep_alive_task = None
        if self.reading is not None:
            return  # set again once the read is answered
        left = self.answered_at + self.timeout_keep_alive - self.loop.time()
        if left > 0:
            self.timeout_keep_alive_task = self.loop.call_later(left, self.timeout_keep_alive_handler)
        else:
            super().timeout_keep_alive_handler()

    def hand_over(self, read: Read, counted: tuple[Limit, float] | None | object = NOT_COUNTED) -> None:
        """The read to uvicorn and the full path, as it came, with what came after it; `counted`: what the lane's
        count of its rate limits found (limits.COUNTED)."""
        self.reading = None
        if self.transport.is_closing() or self.parser is None:
            return
        data, self.held = read.head + self.held, b""
        self.counted = counted
        self.flow.resume_reading()
        super().data_received(data)
        if self.closing and self.cycle is not None:
            self.cycle.keep_alive = False  # shut down while the lane had it: closed once answered

    # uvicorn's parser callbacks, watched
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.parsing = True
        if self.counted is not NOT_COUNTED:
            self.scope[COUNTED] = self.counted  # type: ignore[literal-required]
            self.counted = NOT_COUNTED

    def on_message_complete(self) -> None:
        self.parsing = False
        super().on_message_complete()

    def shutdown(self) -> None:
        self.closing = True
        if self.reading is None:
            super().shutdown()  # else closed once the read is answered (or handed over: uvicorn's then)
