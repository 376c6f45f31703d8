"""The rate limits' rules, and what a replica does while NATS cannot be reached: it counts alone."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from services.gateway.app import create_app
from services.gateway.limits import WINDOW_SECONDS, LocalCounts, key_of, retry_after, window_of
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
    assert counts.add("b", 7) == 1
    assert counts.add("a", 8) == 1


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
