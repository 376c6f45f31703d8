"""TEMPORARY fixtures for the gateway's tests, until the lead's tests/conftest.py starts the stack and the
services for the whole suite. The test bodies only depend on the fixture names `keycloak_url`, `gateway_url`,
`partners_url` and `token_for`; replace these definitions when merging.

They require (never skip) the test-profile stack with Keycloak (`python -m devstack up --profile test`), and
start the gateway and partners as subprocesses with devstack's env for them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from devstack.config import REPO_ROOT, StackConfig


@pytest.fixture(scope="session")
def stack_config() -> StackConfig:
    return StackConfig.from_env("test")


@pytest.fixture(scope="session")
def keycloak_url(stack_config: StackConfig) -> str:
    url = stack_config.keycloak_url
    try:
        httpx.get(f"{url}/realms/antwerpen", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"Keycloak of the test stack is not up at {url} ({exc}); "
                    "run `python -m devstack up --profile test` first")
    return url


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def _start(stack_config: StackConfig, service: str, ready_path: str, timeout: float) -> Iterator[str]:
    """`python -m services.<service>` with devstack's env; yields its base URL; stops it afterwards.
    One already answering on the service's port is reused (the browser test imports these fixtures as a
    second copy in the same session)."""
    env = {**os.environ, **stack_config.service_env(service), "PYTHONUNBUFFERED": "1"}
    url = stack_config.http_url(service)
    port = stack_config.port(service)
    if not _port_free(stack_config.host, port):
        try:
            httpx.get(f"{url}{ready_path}", timeout=2).raise_for_status()
        except httpx.HTTPError:
            pytest.fail(f"port {port} for {service} is taken by something that is not a ready {service}")
        yield url
        return
    log_path = Path(f"/tmp/regie-test-{service}.log")
    with log_path.open("wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", f"services.{service}"], cwd=REPO_ROOT, env=env,
                                   stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"{service} exited ({process.returncode}):\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}{ready_path}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{service} not ready after {timeout}s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def partners_url(stack_config: StackConfig, keycloak_url: str) -> Iterator[str]:
    yield from _start(stack_config, "partners", "/health/ready", 60)


@pytest.fixture(scope="session")
def gateway_url(stack_config: StackConfig, keycloak_url: str) -> Iterator[str]:
    # Live, not ready: ready needs grants and foodsavers too, which these tests do not start.
    yield from _start(stack_config, "gateway", "/health/live", 30)


@pytest.fixture(scope="session")
def token_for(keycloak_url: str) -> Callable[[str, str], str]:
    """An access token of demo user `username` (password "demo") in realm `tenant`, via regie-cli."""
    cache: dict[tuple[str, str], str] = {}

    def get(tenant: str, username: str) -> str:
        if (tenant, username) not in cache:
            response = httpx.post(f"{keycloak_url}/realms/{tenant}/protocol/openid-connect/token", data={
                "grant_type": "password", "client_id": "regie-cli", "username": username, "password": "demo"})
            response.raise_for_status()
            cache[(tenant, username)] = response.json()["access_token"]
        return cache[(tenant, username)]

    return get
