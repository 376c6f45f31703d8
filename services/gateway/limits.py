"""Rate limits that hold across the gateway's replicas: per client address and per bearer token, in fixed windows
of a minute, counted in a NATS JetStream counter stream (ADR-49: the server adds each increment to the subject's
total and answers the new total in the publish acknowledgement, so two replicas counting the same client never
race). Over a limit the answer is 429 problem+json with Retry-After: the seconds to the next window.

A replica does not ask the stream for every request: it takes a share of what is left of a limit at a time (a
sixteenth, at least one) and lets requests through on it until it is used up. Far from a limit that is one
publish per many requests (a publish per request per limit was the largest part of the gateway's CPU under load,
bench/README.md); close to it the shares shrink to one, so the limit is exact there. What a replica has taken
counts as used: no replica lets through more than the limit in total; at the limit, the replicas together hold at
most one unused request each.

When NATS cannot be reached the replica counts alone, in memory, until it can again: a limit that holds per
replica for a while is better than letting everything through or refusing everything. Health checks, metrics
and static files are not counted."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import msgspec
import nats
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send
from nats.js.api import DiscardPolicy, StorageType, StreamConfig

from services.gateway.settings import GatewaySettings
from shared.auth import bearer_token
from shared.i18n import _, language
from shared.problems import PROBLEM_JSON, problem_body
from shared.requests import header

log = logging.getLogger("regie.gateway.limits")

STREAM = "RATELIMIT"
SUBJECTS = "ratelimit.>"
WINDOW_SECONDS = 60
COUNT_TIMEOUT = 0.5
"""A count that takes longer is made locally: the limit must never be what makes the platform slow."""
RECONNECT_SECONDS = 5.0


@dataclass(frozen=True)
class Limit:
    kind: str
    """"client" (the address the request came from) or "token" (the bearer token it carries)."""
    per_window: int


def window_of(now: float) -> int:
    return int(now // WINDOW_SECONDS)


def retry_after(now: float) -> int:
    """Whole seconds until the next window opens (at least 1)."""
    return max(1, math.ceil(WINDOW_SECONDS - now % WINDOW_SECONDS))


@functools.lru_cache(maxsize=4096)
def key_of(value: str) -> str:
    """A subject token for a client or token: hashed, so no token or address is ever written to NATS."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


SHARE = 16
"""A replica takes this fraction of what is left of a limit (at least one request) each time it asks the stream."""


@dataclass
class LocalCounts:
    """The fallback: counts of this replica alone, for the current window."""

    window: int = -1
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, subject: str, window: int, by: int = 1) -> int:
        if window != self.window:
            self.window, self.counts = window, {}
        self.counts[subject] = self.counts.get(subject, 0) + by
        return self.counts[subject]


@dataclass
class Held:
    """What this replica took of one limit in the current window: requests it may still let through, and the
    total of all replicas the stream last answered."""

    left: int = 0
    total: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SharedCounters:
    """The counter stream, this replica's connection to it and the shares it holds."""

    def __init__(self, nats_options: dict[str, Any], replicas: int) -> None:
        self.nats_options = nats_options  # nats.connect's: the servers, and this service's user
        self.replicas = replicas
        self.nc: Any = None
        self.js: Any = None
        self.local = LocalCounts()
        self.task: asyncio.Task[None] | None = None
        self.window = -1
        self.held: dict[str, Held] = {}

    def start(self) -> None:
        self.task = asyncio.create_task(self._connect(), name="rate-limit-counters")

    async def _connect(self) -> None:
        while True:
            try:
                nc = await nats.connect(**self.nats_options, name="gateway-limits", max_reconnect_attempts=-1,
                                        connect_timeout=2)
                js = nc.jetstream()
                config = StreamConfig(name=STREAM, subjects=[SUBJECTS], allow_msg_counter=True,
                                      storage=StorageType.MEMORY, max_age=2 * WINDOW_SECONDS,
                                      max_msgs_per_subject=1, discard=DiscardPolicy.OLD,
                                      num_replicas=self.replicas)
                try:
                    await js.add_stream(config)
                except nats.js.errors.BadRequestError:
                    await js.update_stream(config)
                self.nc, self.js = nc, js
                return
            except Exception as exc:  # NATS down at start: count locally, keep trying
                log.warning("rate limits counted per replica until NATS answers", extra={"error": str(exc)})
                await asyncio.sleep(RECONNECT_SECONDS)

    async def add(self, subject: str, window: int, by: int = 1) -> int:
        """Adds `by` to the subject's count; the total of all replicas (of this one alone without NATS)."""
        if self.js is not None and self.nc.is_connected:
            try:
                ack = await self.js.publish(subject, b"", headers={"Nats-Incr": f"+{by}"}, timeout=COUNT_TIMEOUT)
                return int(ack.val)
            except Exception as exc:
                log.warning("rate limit counted locally", extra={"error": str(exc)})
        return self.local.add(subject, window, by)

    async def take(self, subject: str, window: int, limit: int) -> bool:
        """Whether one more request counted on `subject` stays within `limit`: from this replica's share when it
        holds one, else from a new share taken from the stream (a sixteenth of what is left)."""
        if window != self.window:
            self.window, self.held = window, {}
        held = self.held.get(subject)
        if held is None:
            held = self.held[subject] = Held()
        if held.left > 0:
            held.left -= 1
            return True
        async with held.lock:  # requests arriving together wait for one share, not one each
            if held.left > 0:
                held.left -= 1
                return True
            if held.total >= limit:
                return False  # the count only grows within a window
            share = max(1, (limit - held.total) // SHARE)
            held.total = await self.add(subject, window, share)
            granted = min(share, limit - (held.total - share))
            if granted <= 0:
                return False
            held.left = granted - 1
            return True

    async def aclose(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        if self.nc is not None:
            await self.nc.close()


UNLIMITED_PATHS = ("^/health/", "^/metrics", "^/static/", "^/brand/")


class LimitCounts:
    """What a request counts against, and the counting: the middleware's (RateLimits) and the API read lane's
    (lane.py)."""

    def __init__(self, limits: Sequence[Limit], scope: str) -> None:
        self.prefix = f"ratelimit.{key_of(scope)[:12]}"
        self.limits = {limit.kind: limit for limit in limits}

    @classmethod
    def of(cls, settings: GatewaySettings) -> LimitCounts:
        return cls([Limit("client", settings.rate_limit_per_minute),
                    Limit("token", settings.token_rate_limit_per_minute)], settings.rate_limit_scope)

    def asked(self, address: str, token: str | None, window: int) -> list[tuple[Limit, str]]:
        """The limits a request from `address` with `token` counts against, with their subjects in `window`."""
        asked: list[tuple[Limit, str]] = []
        if (client := self.limits.get("client")) is not None:
            asked.append((client, f"{self.prefix}.{window}.client.{key_of(address)}"))
        if token is not None and (per_token := self.limits.get("token")) is not None:
            asked.append((per_token, f"{self.prefix}.{window}.token.{key_of(token)}"))
        return asked

    async def refused(self, scope: Scope, counters: SharedCounters) -> tuple[Limit, float] | None:
        """Counts the request against each limit; the first limit it is over, and when, if any."""
        peer = scope.get("client")
        return await self.refused_for(peer[0] if peer else "unknown", bearer_token(header(scope, b"authorization")),
                                      counters)

    async def refused_for(self, address: str, token: str | None,
                          counters: SharedCounters) -> tuple[Limit, float] | None:
        now = time.time()
        window = window_of(now)
        for limit, subject in self.asked(address, token, window):
            if not await counters.take(subject, window, limit.per_window):
                return limit, now
        return None

    def counted_from_held(self, address: str, token: str | None, counters: SharedCounters) -> list[Held] | None:
        """Counts the request from the shares this replica holds, when it holds one of every limit it counts
        against: then those shares (a caller that counts the same client and token again in the same window may
        take from them directly, `take_from`), and it is within them. Else None and nothing is counted
        (`refused_for` counts it, taking a share from the stream)."""
        window = window_of(time.time())
        if window != counters.window:
            return None
        shares = [counters.held.get(subject) for _limit, subject in self.asked(address, token, window)]
        if any(share is None for share in shares):
            return None
        held = cast(list[Held], shares)
        return held if take_from(held) else None


def take_from(shares: list[Held]) -> bool:
    """One request counted from `shares` (LimitCounts.counted_from_held's, in the window they are of), when each
    has some left; else nothing is counted."""
    for share in shares:
        if share.left <= 0:
            return False
    for share in shares:
        share.left -= 1
    return True


COUNTED = "regie.limits_counted"
"""Set in a request's scope when its limits were counted before it reached the app, to what the count found (the
limit it is over and when, or None): the read lane (lane.py) hands the app what it does not answer itself, a
request over a limit among them. Counted once, not twice: a second count of a refused request would count it
again against the limits it was still under."""


class RateLimits:
    """ASGI middleware (Litestar's `middleware`): counts each request against its limits before it is handled."""

    def __init__(self, app: ASGIApp, counts: LimitCounts, exclude: Sequence[str]) -> None:
        self.app = app
        self.counts = counts
        self.exclude = re.compile("|".join(exclude)) if exclude else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (self.exclude is None or not self.exclude.match(scope["path"])):
            if COUNTED in scope:  # by the read lane, with what it found
                refused: tuple[Limit, float] | None = scope[COUNTED]  # type: ignore[literal-required]
            else:
                refused = await self.counts.refused(scope, scope["app"].state["gateway"].counters)
            if refused is not None:
                await refuse(send, scope, *refused)
                return
        await self.app(scope, receive, send)


async def refuse(send: Send, scope: Scope, limit: Limit, now: float) -> None:
    wait = retry_after(now)
    detail = (_("te veel aanvragen van dit adres: %(limit)s per minuut; probeer het over %(seconds)s seconden opnieuw")
              if limit.kind == "client" else
              _("te veel aanvragen met dit toegangsbewijs: %(limit)s per minuut; probeer het over %(seconds)s "
                "seconden opnieuw")) % {"limit": limit.per_window, "seconds": wait}
    body = msgspec.json.encode(problem_body("rate-limited", 429, detail, language(), scope["path"],
                                            {"limit": limit.per_window, "window_seconds": WINDOW_SECONDS}))
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(wait).encode()),
        (b"ratelimit-policy", f'"{limit.kind}";q={limit.per_window};w={WINDOW_SECONDS}'.encode()),
    ]}
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(start)
    await send(end)
