"""A lower bound of the gateway's read in Python: the bare forwarder (bench/raw_forward.py) plus the work the
gateway must do for every read, done inline in the connection's callbacks as cheaply as plain Python allows: no
uvicorn, no ASGI, no task or future per request, everything in bytes. Measured in the same run as the gateway
(bench/tenant_read.py): what a Python gateway doing that work would cost at best on this machine.

Per read, as the gateway's read lane does it (services/gateway/lane.py):
- the request's head parsed into its headers; the path checked for a province served and a service known; no
  body; no province session cookie; a bearer token, kept verified (the gateway verifies a token once and then
  keeps it: here it is taken as verified when first seen, which is not what a read costs);
- both rate limits counted (the gateway's subjects, `limits.key_of`, from a share held in memory);
- a request id (`shared.ids.uuid7`) and trace context; the forwarded headers the service is sent (the caller's,
  minus the gateway's own, plus the token, X-Forwarded-For/-Proto/-Host, traceparent, Accept-Language and
  X-Request-Id);
- the answer without the headers the gateway owns, with the security headers and the request id;
- the request's metrics and its JSON log line (`shared.requests.answered`; the gateway's lane writes the line
  only for an answer of 400 or above, `--no-log` is the closer comparison).

Not a gateway: only the bench's read (a GET without a body whose answer carries Content-Length); anything else
is refused by closing the connection, with no fallback. `--no-log` (no line) and `--no-accounting` (neither line
nor metrics) show what those two cost.

    python -m bench.lean_forward --port 24952 --upstream 127.0.0.1:24102 [--no-log | --no-accounting]"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections import OrderedDict

import uvloop

from bench.raw_forward import HEAD_END, Client, serve
from services.gateway.limits import key_of
from services.gateway.proxy import API_ROUTE, DROPPED_REQUEST, DROPPED_RESPONSE
from shared.ids import uuid7
from shared.logs import configure_logging, request_id_var, tenant_var, traceparent_var
from shared.requests import answered
from shared.tenancy import TENANTS

API_PATH = re.compile(rb"/(?P<tenant>[a-z-]+)/api/(?P<service>[a-z]+)(?P<rest>/[^?]*)?(?P<query>\?.*)?")
SERVICES = (b"partners",)
TENANT_NAMES = frozenset(tenant.encode() for tenant in TENANTS)
DROPPED = frozenset(name.encode() for name in DROPPED_REQUEST | {"connection"})
DROPPED_ANSWER = frozenset(name.encode() for name in DROPPED_RESPONSE)
SECURITY = b"".join(b"%s: %s\r\n" % header for header in (
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)")))
SHARE = 1_000_000
verified: OrderedDict[bytes, bytes] = OrderedDict()
"""Tokens seen, with their province."""
held: dict[str, int] = {}
"""What is left of each limit's share."""


def counted(subject: str) -> bool:
    left = held.get(subject, SHARE)
    held[subject] = left - 1
    return left > 0


class LeanClient(Client):
    accounted = True

    def forwarded(self, head: bytes) -> bytes:
        lines = head.split(b"\r\n")
        method, target, _version = lines[0].split(b" ")
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.lower()] = value.strip()
        found = API_PATH.fullmatch(target)
        if (method != b"GET" or found is None or found["tenant"] not in TENANT_NAMES
                or found["service"] not in SERVICES or b"content-length" in headers or b"transfer-encoding" in headers
                or b"regie_" + found["tenant"] in headers.get(b"cookie", b"")):
            raise ValueError("not the bench's read")
        province = found["tenant"]
        authorization = headers.get(b"authorization", b"")
        token = authorization[7:] if authorization[:7].lower() == b"bearer " else b""
        if verified.setdefault(token, province) != province:
            raise ValueError("another province's token")
        verified.move_to_end(token)
        window = int(time.time() // 60)
        if not (counted(f"ratelimit.bench.{window}.client.{key_of(self.peer)}")
                and counted(f"ratelimit.bench.{window}.token.{key_of(token.decode())}")):
            raise ValueError("over a limit")
        self.started = time.perf_counter()
        self.province, self.path = province.decode(), target.decode()
        self.request_id = str(uuid7())
        self.trace = (headers.get(b"traceparent") or
                      b"00-%032x-%016x-01" % (random.getrandbits(128), random.getrandbits(64))).decode()
        sent = [b"GET /" + province + (found["rest"] or b"") + (found["query"] or b"") + b" HTTP/1.1\r\n",
                b"host: upstream\r\n"]
        sent += [name + b": " + value + b"\r\n" for name, value in headers.items() if name not in DROPPED]
        sent += [b"authorization: Bearer ", token, b"\r\nx-forwarded-for: ", self.peer.encode(),
                 b"\r\nx-forwarded-proto: http\r\nx-forwarded-host: ", headers.get(b"host", b""),
                 b"\r\ntraceparent: ", self.trace.encode(), b"\r\naccept-language: nl\r\nx-request-id: ",
                 self.request_id.encode(), b"\r\n\r\n"]
        return b"".join(sent)

    def answer(self, answer: bytes) -> None:
        assert self.transport is not None
        end = answer.find(HEAD_END)
        lines = answer[:end].split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        sent = [lines[0], b"\r\n"]
        sent += [line + b"\r\n" for line in lines[1:] if line.partition(b":")[0].lower() not in DROPPED_ANSWER]
        sent += [SECURITY, b"x-request-id: ", self.request_id.encode(), HEAD_END, answer[end + len(HEAD_END):]]
        self.transport.write(b"".join(sent))
        if self.accounted:  # the metrics and the line (unless the log level is above it), as the gateway's
            context = request_id_var.set(self.request_id), tenant_var.set(self.province), \
                traceparent_var.set(self.trace)
            answered("gateway", "GET", self.path, API_ROUTE, status, time.perf_counter() - self.started)
            for token in context:
                token.var.reset(token)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lean_forward", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="host:port of the service")
    parser.add_argument("--no-log", action="store_true", help="no log line per read (its metrics still)")
    parser.add_argument("--no-accounting", action="store_true", help="neither metrics nor log line per read")
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    LeanClient.accounted = not args.no_accounting
    configure_logging("gateway", "WARNING" if args.no_log else "INFO", "json")
    uvloop.run(serve(args.port, (host, int(port)), LeanClient))


if __name__ == "__main__":
    main()
