"""The rate limits' rules: the shares a replica takes of a limit (counted here in one replica's memory, as while NATS
cannot be reached, and shared between two replicas by giving them the same count), and what a replica does while
NATS cannot be reached: it counts alone."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.testing import TestClient

from services.gateway.app import create_app
from services.gateway.limits import WINDOW_SECONDS, LocalCounts, SharedCounters, key_of, retry_after, window_of
from services.gateway.settings import GatewaySettings
from shared.requests import request_id_middleware
from shared.settings import NatsSettings, ServiceSettings


def test_windows_and_the_wait_until_the_next() -> None:
    assert window_of(120.0) == window_of(179.9) == 2 and window_of(180.0) == 3
    assert retry_after(120.0) == WINDOW_SECONDS and retry_after(179.2) == 1 and retry_after(150.5) == 30


def test_keys_are_hashed_subject_tokens() -> None:
    key = key_of("eyJhbGciOi.secret.token")
    assert len(key) == 32 and key.isalnum() and "secret" not in key
    assert key_of("10.0.0.1") != key_of("10.0.0.2")


def test_local_counts_restart_with_the_window() -> None:
    counts = LocalCounts()
    assert [counts.add("a", 7) for _ in range(3)] == [1, 2, 3]
    assert counts.add("a", 7, by=4) == 7
    assert counts.add("b", 7) == 1
    assert counts.add("a", 8) == 1


class Counted(SharedCounters):
    """A replica that counts how often it asked for a share (each ask is one publish to the stream)."""

    def __init__(self) -> None:
        super().__init__({}, 1)
        self.asked = 0

    async def add(self, subject: str, window: int, by: int = 1) -> int:
        self.asked += 1
        return await super().add(subject, window, by)


def test_a_replica_takes_shares_far_from_the_limit_and_single_requests_close_to_it() -> None:
    async def run() -> None:
        replica = Counted()
        allowed = [await replica.take("t", 5, 1000) for _ in range(1200)]
        assert allowed == [True] * 1000 + [False] * 200
        assert replica.local.counts["t"] == 1000  # nothing taken past the limit, nothing asked once it was reached
        assert replica.asked < 100  # a sixteenth of what is left each time, not one ask per request
        # Many requests at once wait for one share instead of asking each.
        together = Counted()
        assert all(await asyncio.gather(*(together.take("u", 5, 1000) for _ in range(50))))
        assert together.asked <= 2
    asyncio.run(run())


def test_two_replicas_together_never_let_more_than_the_limit_through() -> None:
    async def run() -> None:
        first, second = Counted(), Counted()
        second.local = first.local  # one count for both, as the stream is
        allowed = 0
        for n in range(400):
            allowed += await (first if n % 3 else second).take("t", 9, 300)
        # The count may pass the limit by the one share the replica that had not heard of it yet asked for.
        assert allowed == 300 and 300 <= first.local.counts["t"] <= 301
        # A new window starts from nothing.
        assert await first.take("t", 10, 300) and first.local.counts == {"t": 300 // 16}
    asyncio.run(run())


def test_without_nats_a_replica_still_limits_and_says_when_to_come_back() -> None:
    service = ServiceSettings(nats=NatsSettings(url="nats://127.0.0.1:9"))  # nothing listens there
    settings = GatewaySettings(service=service, public_url="http://gateway.test", session_secret="s" * 40,
                               rate_limit_per_minute=3, token_rate_limit_per_minute=2)
    app: Any = request_id_middleware(create_app(settings))
    with TestClient(app, base_url="http://gateway.test") as client:
        statuses = [client.get("/limburg/", headers={"accept-language": "en"}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/limburg/", headers={"accept-language": "en"})
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(refused.headers["retry-after"]) <= WINDOW_SECONDS
        assert refused.json()["detail"].startswith("too many requests from this address")
        assert refused.headers["x-content-type-options"] == "nosniff"  # the security headers still apply
        # Health checks and static files are never counted.
        assert client.get("/health/live").status_code == 200
        assert client.get("/static/regie.css").status_code == 200
