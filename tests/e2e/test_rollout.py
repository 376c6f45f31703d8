"""A rollout as Kubernetes runs it: serving processes that do not migrate (REGIE_MIGRATE_AT_START=false) stay
unready until the migration job has brought the schema to the revision their code expects, then serve."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from devstack.config import StackConfig
from devstack.postgres import psql
from devstack.stack import Stack
from shared.ids import uuid7

ROLLOUT_PORT_OFFSET = 995  # a free port in the stack's block


@pytest.fixture
def empty_database(infra: Stack, stack_config: StackConfig) -> Iterator[str]:
    name = f"rollout_{uuid7().hex[-10:]}"
    psql(stack_config, f'CREATE DATABASE "{name}" OWNER regie_owner')
    yield name
    psql(stack_config, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for(url: str, status: int, within: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + within
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=2)
            if last.status_code == status:
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {within}s (last: {last and last.text})")


def test_a_process_that_does_not_migrate_is_unready_until_the_schema_is_current(
        stack_config: StackConfig, empty_database: str) -> None:
    port = stack_config.port_base + ROLLOUT_PORT_OFFSET
    env = {**stack_config.service_env("partners"), "REGIE_HTTP_PORT": str(port), "REGIE_MIGRATE_AT_START": "false",
           "REGIE_DATABASE_URL": stack_config.database_url(empty_database, "regie_app"),
           "REGIE_RELAY_DATABASE_URL": stack_config.database_url(empty_database, "regie_relay"),
           "REGIE_MIGRATION_DATABASE_URL": ""}  # like a serving pod: no owner password at all
    server = subprocess.Popen([sys.executable, "-m", "services.partners"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health/live", 200)
        unready = wait_for(f"{base}/health/ready", 503)
        assert unready.json()["checks"]["schema"] != "ok"
        assert unready.json()["checks"]["database"] == "ok"

        migration = subprocess.run(
            [sys.executable, "-m", "services.partners", "migrate"], capture_output=True, text=True, timeout=120,
            env={**env, "REGIE_MIGRATION_DATABASE_URL": stack_config.database_url(empty_database, "regie_owner")})
        assert migration.returncode == 0, migration.stderr[-2000:]

        ready = wait_for(f"{base}/health/ready", 200)
        assert ready.json()["checks"]["schema"] == "ok"
    finally:
        server.terminate()
        server.wait(15)
