"""Rate limits across gateway replicas: two real gateway processes counting in the same NATS JetStream counters,
per bearer token and per client address, answering 429 problem+json with Retry-After past the limit. The client
address is the one X-Forwarded-For names only when the request comes from a trusted proxy
(REGIE_TRUSTED_PROXIES): a client cannot pick a fresh address per request to escape its limit."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from devstack.config import StackConfig
from devstack.stack import Stack
from services.gateway.limits import WINDOW_SECONDS

REPLICA_PORT_OFFSETS = (996, 997)  # free ports in the stack's block
DISTRUSTING_PORT_OFFSET = 994
PER_TOKEN, PER_CLIENT = 12, 40
TokenFor = Callable[[str, str], str]


def wait_ready(url: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health/live", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


def gateways(stack_config: StackConfig, offsets: tuple[int, ...], **extra: str) -> Iterator[list[str]]:
    """More replicas of the gateway, counting together (one scope of their own, so that the suite's other
    traffic through the main gateway is not in their counts)."""
    scope = f"test-{uuid.uuid4().hex[:8]}"
    processes, urls = [], []
    for offset in offsets:
        port = stack_config.port_base + offset
        env = {**stack_config.service_env("gateway"), "REGIE_HTTP_PORT": str(port),
               "REGIE_RATE_LIMIT_PER_MINUTE": str(PER_CLIENT), "REGIE_TOKEN_RATE_LIMIT_PER_MINUTE": str(PER_TOKEN),
               "REGIE_RATE_LIMIT_SCOPE": scope, **extra}
        processes.append(subprocess.Popen([sys.executable, "-m", "services.gateway"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_ready(url)
        time.sleep(1.0)  # the counters' connection to NATS is made in the background at start
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(15)


@pytest.fixture(scope="module")
def replicas(stack: Stack, stack_config: StackConfig, gateway_url: str) -> Iterator[list[str]]:
    """Two replicas that believe X-Forwarded-For from this machine (the default: 127.0.0.1 is the proxy)."""
    yield from gateways(stack_config, REPLICA_PORT_OFFSETS)


@pytest.fixture(scope="module")
def distrusting(stack: Stack, stack_config: StackConfig, gateway_url: str) -> Iterator[list[str]]:
    """A replica whose only trusted proxy is elsewhere: a request from this machine is this machine."""
    yield from gateways(stack_config, (DISTRUSTING_PORT_OFFSET,), REGIE_TRUSTED_PROXIES="192.0.2.1")


def inside_one_window(needed_seconds: float = 25.0) -> None:
    """The counts restart with every minute: begin where the whole test fits in one window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < needed_seconds:
        time.sleep(left + 0.5)


def spread(urls: list[str], path: str, count: int, headers: dict[str, str]) -> list[httpx.Response]:
    """`count` requests, alternating between the replicas, several at once."""
    def one(index: int) -> httpx.Response:
        return httpx.get(f"{urls[index % len(urls)]}{path}", headers=headers, timeout=10)
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(one, range(count)))


def test_the_limits_hold_across_two_replicas(replicas: list[str], token_for: TokenFor) -> None:
    inside_one_window()
    token = token_for("limburg", "coordinator")
    path = "/limburg/api/partners/organisations?limit=1"
    answers = spread(replicas, path, 16, {"authorization": f"Bearer {token}"})
    statuses = Counter(answer.status_code for answer in answers)
    # Each replica alone would have let all 8 of its requests through (8 < 12): together they allow 12.
    assert statuses == {200: PER_TOKEN, 429: 16 - PER_TOKEN}, statuses
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "urn:regie:problem:rate-limited"
    assert 1 <= int(refused.headers["retry-after"]) <= WINDOW_SECONDS
    assert refused.json()["limit"] == PER_TOKEN

    # Another person's token is counted apart (the address, shared by both, is still under its own limit).
    admin = token_for("limburg", "province-admin")
    other = httpx.get(f"{replicas[1]}{path}", headers={"authorization": f"Bearer {admin}"}, timeout=10)
    assert other.status_code != 429, other.text

    # Per address: 17 requests so far from this one; 30 more without a token reach the limit of 40.
    anonymous = spread(replicas, "/limburg/", 30, {"accept-language": "fr"})
    statuses = Counter(answer.status_code for answer in anonymous)
    assert statuses == {200: PER_CLIENT - 17, 429: 30 - (PER_CLIENT - 17)}, statuses
    refused = next(answer for answer in anonymous if answer.status_code == 429)
    assert "requêtes" in refused.json()["detail"]  # in the request's language


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(replicas: list[str], distrusting: list[str]) -> None:
    inside_one_window()
    # Behind the trusted proxy (here: this machine), each forwarded address is a client of its own ...
    addresses = [f"198.51.100.{n}" for n in range(1, PER_CLIENT + 6)]
    many = [httpx.get(f"{replicas[n % 2]}/limburg/", headers={"x-forwarded-for": address}, timeout=10)
            for n, address in enumerate(addresses)]
    assert Counter(answer.status_code for answer in many) == {200: len(addresses)}
    # ... and one forwarded address is counted as one client, on both replicas.
    one = spread(replicas, "/limburg/", PER_CLIENT + 5, {"x-forwarded-for": "198.51.100.200"})
    assert Counter(answer.status_code for answer in one) == {200: PER_CLIENT, 429: 5}
    # Where this machine is no trusted proxy, a fresh X-Forwarded-For per request changes nothing: it is this
    # machine's address that is counted, and refused past its limit.
    forged = [httpx.get(f"{distrusting[0]}/limburg/", headers={"x-forwarded-for": f"203.0.113.{n}"}, timeout=10)
              for n in range(1, PER_CLIENT + 6)]
    assert Counter(answer.status_code for answer in forged) == {200: PER_CLIENT, 429: 5}
