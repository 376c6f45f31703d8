"""The API read lane: the gateway's HTTP connection itself answers an API client's read, before uvicorn parses it.

Most calls through the gateway are an API client's reads: a GET with a bearer token, no body, no session. Through
uvicorn and ASGI each cost the gateway 140–165 µs of CPU on the bench's 2-core machine, where a bare forwarder
costs 30 µs; the more a hop costs, the less the gateway and the service fit on the two cores together (bench/
README.md, "The read lane on the connection"). So the lane works on the connection (`LaneProtocol`, uvicorn's own
HTTP protocol with the lane in front of its parser): it reads the request's head as bytes, does the checks below
in one place, in the route's order, sends the read on over a kept connection (upstream_reads.py) and writes the
answer, all from the event loop's callbacks: no parser callbacks, no ASGI scope or events, no task and no future
per read (64–68 µs of CPU per read under the bench's load). What a kept connection's previous read found serves
its next: the same header lines (`Fields`), the same token still good and the same limit shares.

- the request: `GET <path> HTTP/1.1`, a well-formed head, no body (no Content-Length but 0, no Transfer-Encoding),
  no Expect or Upgrade, no header given twice;
- the province is one this deployment serves, the service one it knows, the path without dot segments and (on a
  province's own host) that province's: else the province hosts' redirect or the route's answer;
- no `taal=` in the query and no session cookie of the province (the portal's calls: its language, its CSRF);
- the bearer token verifies for the province (kept verified, shared.auth.TokenVerifier): else the route answers
  its problem; an integration token is the route's;
- the rate limits count it (limits.py), from the client address uvicorn's proxy headers would give;
- the trace context and the language, as shared.requests sets them; the request id, the caller's when well formed,
  else the one the service makes and answers with (the gateway does not make one the service would make again);
  the forwarded headers as the route's (proxy.forwarded_headers); the answer with the gateway's security headers
  and the request id; the request's metrics (shared.requests.answered, under the route's template). Its log line
  only when the service answered 400 or above: the service wrote the line of every request it answered, under the
  same request id (shared.requests), and a line of the gateway's own for each read doubled what the platform
  logged per read and cost the gateway a tenth of its CPU per read under load.

What needs waiting for (a token not yet verified, a rate-limit share not held, no kept connection to the service)
is awaited in a task of its own; the rest is done in the callback that brought the request in or its answer.

Anything else goes on to uvicorn and the full path, which stays the reference (the tests compare the two,
tests/gateway/integration/test_gateway_forwarding.py), with the bytes as they came: a write, a body, a header given
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
from prometheus_client import Counter
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
from services.gateway.upstream_reads import Answer, UpstreamFailed
from shared.http_server import CoalescingHttpToolsProtocol
from shared.i18n import preferred_language
from shared.ids import uuid7_text
from shared.logs import request_id_var, tenant_var, traceparent_var
from shared.requests import REQUEST_ID, TRACEPARENT, answered

LANE = Counter("regie_gateway_read_lane_total", "API reads forwarded by the gateway's read lane", ["service"])
HEAD_END = b"\r\n\r\n"
MAX_HEAD = 16 * 1024
"""A head not complete within this many bytes is uvicorn's (and its parser's limits')."""
HELD_BYTES = 64 * 1024
"""While the lane's read is on its way, the connection's reading pauses once this much more has come."""
REQUEST_LINE = re.compile(rb"GET (/[!-~]*) HTTP/1\.1")
HEADER_LINES = re.compile(rb"(?:\r\n[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*)*")
"""RFC 9110 field names and values, each line with the CRLF before it; no obsolete line folding (anything else:
uvicorn's parser decides)."""
API_PATH = re.compile(r"/(?P<tenant>[a-z-]+)/api/(?P<service>[a-z]+)(?P<rest>/.*)?")
NO_BODY = (None, b"0")
NOT_THE_LANES = frozenset({b"transfer-encoding", b"expect", b"upgrade"})
"""A body, or a protocol change: the full path's."""
NO_CONTENT = (204, 304)
DROPPED = frozenset(name.encode() for name in DROPPED_REQUEST)
OWN_ANSWER_LINES = re.compile(b"\r\n(?:%s)[ \t]*:[^\r\n]*" % b"|".join(
    re.escape(name.encode()) for name in sorted(DROPPED_RESPONSE | {"content-length"})), re.IGNORECASE)
"""The lines of a service's answer that are the gateway's to write (proxy.DROPPED_RESPONSE) or to set anew (its
length: the answer is passed on whole), each with the CRLF before it."""
STATUS = {status: line[:-2] for status, line in STATUS_LINE.items()}
ANSWERED_ID = re.compile(rb"\r\nx-request-id:[ \t]*([A-Za-z0-9._-]{1,64})[ \t]*(?:\r|$)", re.IGNORECASE)
"""The request id a service answered with (shared.requests.REQUEST_ID's form)."""
NOT_COUNTED = object()
"""A request handed to uvicorn whose rate limits the lane did not count."""


@dataclass(slots=True)
class Fields:
    """What a request's header lines say, for the lane (ReadLane.fields_of). A connection keeps its last: an API
    client sends the same lines with every read of a kept connection, and the next read with the same bytes takes
    them as they were found."""

    lines: bytes
    """The header lines as received, each with the CRLF before it (the key)."""
    headers: dict[bytes, bytes]
    """Names lower-cased."""
    token: str
    """The bearer token."""
    client: str
    """The client's address, as uvicorn's proxy headers give it."""
    keep_alive: bool
    forwarded: bytes = b""
    """The header lines the service is sent that follow from these alone (ReadLane.forward; made once)."""


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
    fields: Fields
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
        self.security_lines = b"".join(b"\r\n%s: %s" % header for header in self.security)
        self.security_set = re.compile(b"\r\n(?:%s)[ \t]*:" % b"|".join(re.escape(name) for name, _ in self.security),
                                       re.IGNORECASE)
        """A line of the answer's that sets one of the security headers (then the answer's stands)."""
        self.scheme = b"https" if settings.https else b"http"
        self.languages: dict[bytes, bytes] = {}
        """Accept-Language as given → the language it asks for (few distinct values)."""
        self.domain = settings.province_domain
        self.provinces: dict[bytes, str | None] = {}
        """Host header as given → the province whose host it is (few distinct values)."""
        self.live: Gateway | None = None

    def protocol(self) -> type[LaneProtocol]:
        """uvicorn's `http` protocol class: a connection's protocol, with this lane in front."""
        return type("GatewayLaneProtocol", (LaneProtocol,), {"lane": self})

    def read_of(self, head: bytes, connection: LaneProtocol) -> Read | None:
        """The request whose head is `head` (its blank line included) as the lane's read, or None when it is not
        the lane's."""
        line_end = head.find(b"\r\n")
        request_line = REQUEST_LINE.fullmatch(head, 0, line_end)
        if request_line is None:
            return None
        fields = connection.fields
        if (fields is None or len(fields.lines) != len(head) - line_end - 4
                or not head.startswith(fields.lines, line_end)):  # (compared in place: no copy of the lines)
            fields = connection.fields = self.fields_of(head[line_end:-4], connection)
            if fields is None:
                return None
        target = request_line[1]
        raw_path, _question, query = target.partition(b"?")
        path = raw_path.decode("ascii")
        if "%" in path:
            path = unquote(path)
        api = API_PATH.fullmatch(path)
        if api is None or b"taal=" in query:
            return None
        tenant, service = api["tenant"], api["service"]
        headers = fields.headers
        if (tenant not in self.tenants or service not in self.upstreams
                or ("/." in path and any(segment in {".", ".."} for segment in path.split("/")))  # the route's 400
                or (self.domain and not self.province_path(headers.get(b"host"), path))
                or self.cookies[tenant] in headers.get(b"cookie", b"")):  # the province's session: the portal's
            return None
        parts = raw_path.split(b"/", 4)  # the rest as the client encoded it (so %2F stays %2F), as the route
        rest = b"/" + parts[4] if len(parts) > 4 else b""
        return Read(head, tenant, service, path, b"/%s%s%s" % (tenant.encode(), rest, b"?" + query if query else b""),
                    fields)

    def fields_of(self, lines: bytes, connection: LaneProtocol) -> Fields | None:
        """What the header lines (each with the CRLF before it) say, or None when they are not the lane's: a line
        that is not a well-formed field, a header given twice, a body, a protocol change, no bearer token, an
        integration token."""
        if HEADER_LINES.fullmatch(lines) is None:
            return None
        split = lines.split(b"\r\n")[1:]
        headers: dict[bytes, bytes] = {}
        for line in split:
            name, _colon, value = line.partition(b":")
            headers[name.lower()] = value.strip(b" \t")
        if (len(headers) != len(split) or headers.get(b"content-length") not in NO_BODY
                or not NOT_THE_LANES.isdisjoint(headers)):
            return None
        scheme, _space, credentials = headers.get(b"authorization", b"").partition(b" ")  # shared.auth.bearer_token
        token = credentials.strip().decode("latin-1")
        if scheme.lower() != b"bearer" or not token or is_integration_token(token):
            return None
        return Fields(lines, headers, token, connection.client_of(headers),
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
        kept, fields = connection.kept, read.fields
        if kept is not None and kept[0] == fields.token and kept[1] == read.tenant and kept[2] == fields.client \
                and time.monotonic() < kept[3] and kept[4] == window_of(time.time()) and take_from(kept[5]):
            self.forward(read, connection, gateway)
            return
        until = gateway.verifier.kept_until(fields.token, read.tenant)
        shares = self.limits.counted_from_held(fields.client, fields.token, gateway.counters) if until else None
        if until is not None and shares is not None:
            connection.kept = (fields.token, read.tenant, fields.client, until, gateway.counters.window, shares)
            # (counted_from_held answers only in the window the shares are of: counters.window)
            self.forward(read, connection, gateway)
        else:
            connection.waiting(self.prepared(read, connection, gateway))

    async def prepared(self, read: Read, connection: LaneProtocol, gateway: Gateway) -> None:
        try:
            await gateway.verifier.verify(read.fields.token, expected_tenant=read.tenant)
        except Exception:  # noqa: BLE001 - the route answers it, with the problem it raises
            connection.hand_over(read)
            return
        refused = await self.limits.refused_for(read.fields.client, read.fields.token, gateway.counters)
        if refused is not None:
            connection.hand_over(read, refused)  # the rate limits answer it
        else:
            self.forward(read, connection, gateway)

    def forward(self, read: Read, connection: LaneProtocol, gateway: Gateway) -> None:
        read.started = time.perf_counter()
        fields = read.fields
        headers = fields.headers
        # The request's id: the caller's when well formed (as shared.requests), sent on; else the one the service
        # makes and answers with (answer_of), so that the gateway does not make one the service would make again.
        given_id = headers.get(b"x-request-id")
        if given_id and REQUEST_ID.match(given_id.decode("latin-1")):
            read.request_id = given_id.decode("latin-1")
            id_line = b"\r\nx-request-id: " + given_id
        else:
            id_line = b""
        given_trace = headers.get(b"traceparent")
        # proxy.traceparent: the caller's when it has four parts; shared.requests' log context: when well formed
        if given_trace and given_trace.count(b"-") == 3:
            read.traceparent = given_trace.decode("latin-1")
        else:
            bits = random.getrandbits(192)
            read.traceparent = f"00-{bits >> 64:032x}-{bits & 0xFFFF_FFFF_FFFF_FFFF:016x}-01"
        origin = gateway.reads.origin(self.upstreams[read.service])
        forwarded = fields.forwarded or self.forwarded_lines(fields)
        gateway.reads.send(origin, b"".join([
            b"GET ", read.upstream_target, b" HTTP/1.1\r\nhost: ", origin.host_header, forwarded,
            b"\r\ntraceparent: ", read.traceparent.encode("latin-1"), id_line, b"\r\n\r\n"]),
            connection.upstream_answered)

    def forwarded_lines(self, fields: Fields) -> bytes:
        """The header lines the service is sent that follow from the request's alone (proxy.forwarded_headers):
        the caller's own, minus those the gateway sets or keeps to itself and those its Connection header lists;
        the token; X-Forwarded-For, -Proto and -Host; Accept-Language, the language the request asks for. Each
        with the CRLF before it; kept with the fields."""
        headers = fields.headers
        asked = headers.get(b"accept-language", b"")
        language = self.languages.get(asked)
        if language is None:
            language = preferred_language(asked.decode("latin-1")).encode()
            if len(self.languages) < 256:
                self.languages[asked] = language
        listed = ({name.strip() for name in headers[b"connection"].lower().split(b",")}
                  if b"connection" in headers else ())
        fields.forwarded = b"\r\n" + b"".join([
            *(b"%s: %s\r\n" % (name, value) for name, value in headers.items()
              if name not in DROPPED and name not in listed),
            b"authorization: Bearer ", fields.token.encode("latin-1"),
            b"\r\nx-forwarded-for: ", fields.client.encode("latin-1"),
            b"\r\nx-forwarded-proto: ", self.scheme,
            b"\r\nx-forwarded-host: ", headers.get(b"host", b""),
            b"\r\naccept-language: ", language])
        return fields.forwarded

    def answer_of(self, read: Read, answer: Answer, default_headers: list[tuple[bytes, bytes]]) -> bytes:
        """The answer as the client gets it: the service's header lines as it sent them minus the gateway's own
        (one substitution over the head), its length, the security headers it does not set itself, the request
        id."""
        head = answer.head
        if not read.request_id:  # the service's, as it answered it (a service that gives none: one made here)
            answered_id = ANSWERED_ID.search(head)
            read.request_id = answered_id[1].decode("latin-1") if answered_id else uuid7_text()
        fields = OWN_ANSWER_LINES.sub(b"", head[head.find(b"\r\n"):])  # each line with the CRLF before it
        written = [STATUS[answer.status]]
        for name, value in default_headers:
            written += [b"\r\n", name, b": ", value]
        written.append(fields)
        if answer.status not in NO_CONTENT:
            written += [b"\r\ncontent-length: ", str(len(answer.body)).encode()]
        if self.security_set.search(fields) is None:
            written.append(self.security_lines)
        else:
            present = fields.lower()
            for name, value in self.security:
                if b"\r\n" + name + b":" not in present:
                    written += [b"\r\n", name, b": ", value]
        if not read.fields.keep_alive:
            written.append(b"\r\nconnection: close")
        written += [b"\r\nx-request-id: ", read.request_id.encode(), b"\r\n\r\n", answer.body]
        return b"".join(written)

    def account(self, read: Read, status: int) -> None:
        """The request's metrics, under the service's name and the route's template (shared.requests), and its
        line when the answer is an error."""
        elapsed = time.perf_counter() - read.started
        if status < 400:
            answered(self.service_name, "GET", read.path, API_ROUTE, status, elapsed, line=False)
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
        self.fields: Fields | None = None
        """What the connection's last request's header lines said (ReadLane.read_of)."""
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
        answer = self.lane.answer_of(read, result, self.server_state.default_headers)  # (its request id too)
        self.lane.account(read, result.status)  # before the answer leaves: a client that has it sees it counted
        if self.socket.is_closing():  # the client went away: the service's answer is accounted all the same
            return
        if self.writes.held:
            self.writes.flush()  # an earlier answer of uvicorn's, still held: before this one
        self.socket.write(answer)
        self.server_state.total_requests += 1
        if not read.fields.keep_alive or self.closing:
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
