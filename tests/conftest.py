"""Session fixtures: the real components start once per test session (PostgreSQL, NATS, S3, Keycloak on the
test profile's own ports and data directory, so a running `make run` is never touched), then the four
services as real processes. Set REGIE_KEEP_STACK=1 to leave the components running after the session
(faster reruns while developing); services are always restarted so that they run the code under test."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from devstack.config import StackConfig
from devstack.platform import start_services, stop_services
from devstack.stack import Stack

SERVICES = ("partners", "grants", "foodsavers", "gateway")


@dataclass(frozen=True)
class Platform:
    config: StackConfig

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.config.service_env(service)['REGIE_HTTP_PORT']}"

    def env(self, service: str) -> dict[str, str]:
        return self.config.service_env(service)

    @property
    def gateway_url(self) -> str:
        return self.config.gateway_url

    @property
    def keycloak_url(self) -> str:
        return self.config.keycloak_url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `fuzz` tests last: what their generated writes change, no later test reads."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)


@pytest.fixture(scope="session")
def stack_config() -> StackConfig:
    return StackConfig.from_env("test")


@pytest.fixture(scope="session")
def infra(stack_config: StackConfig) -> Iterator[Stack]:
    """PostgreSQL, NATS and S3: enough for the library's tests, which need no login."""
    stack = Stack(stack_config, with_keycloak=False).up()
    yield stack
    if os.environ.get("REGIE_KEEP_STACK") != "1":
        Stack(stack_config).down()


@pytest.fixture(scope="session")
def stack(infra: Stack, stack_config: StackConfig) -> Stack:
    """Every component, Keycloak included."""
    return Stack(stack_config).up()


@pytest.fixture(scope="session")
def platform(stack: Stack, stack_config: StackConfig) -> Iterator[Platform]:
    start_services(stack_config, SERVICES, restart=True)
    yield Platform(stack_config)
    stop_services(stack_config, SERVICES)


class Tokens:
    """Real access tokens from Keycloak (password grant on the regie-cli client), cached per user while they
    have more than FRESH_FOR seconds to live: the suite outlasts a token's lifetime."""

    FRESH_FOR = 120.0

    def __init__(self, keycloak_url: str) -> None:
        self.keycloak_url = keycloak_url
        self.cache: dict[tuple[str, str], tuple[str, float]] = {}

    def __call__(self, tenant: str, username: str, password: str = "demo") -> str:
        key = (tenant, username)
        cached = self.cache.get(key)
        if cached is None or cached[1] - time.monotonic() < self.FRESH_FOR:
            response = httpx.post(
                f"{self.keycloak_url}/realms/{tenant}/protocol/openid-connect/token",
                data={"grant_type": "password", "client_id": "regie-cli", "username": username,
                      "password": password, "scope": "openid"},
                timeout=10,
            )
            response.raise_for_status()
            body = response.json()
            cached = (body["access_token"], time.monotonic() + float(body["expires_in"]))
            self.cache[key] = cached
        return cached[0]


@pytest.fixture(scope="session")
def tokens(stack: Stack, stack_config: StackConfig) -> Tokens:
    return Tokens(stack_config.keycloak_url)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Names the gateway's tests use.
@pytest.fixture(scope="session")
def keycloak_url(stack: Stack, stack_config: StackConfig) -> str:
    return stack_config.keycloak_url


@pytest.fixture(scope="session")
def gateway_url(platform: Platform) -> str:
    return platform.gateway_url


@pytest.fixture(scope="session")
def partners_url(platform: Platform) -> str:
    return platform.url("partners")


@pytest.fixture(scope="session")
def token_for(tokens: Tokens) -> Tokens:
    return tokens
