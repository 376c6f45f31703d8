"""A service's workers (its outbox relay, its consumers, its background loops) run until it stops, each going on
through failures of its own. One that ends anyway is logged at once and makes the service unready, rather than
leaving it answering while its events or its deadlines are no longer handled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from devstack.config import StackConfig
from services.partners.app import SPEC as PARTNERS
from shared.db import Database
from shared.service_app import Runtime, ServiceSpec, create_service_app


async def keeps_going(runtime: Runtime) -> None:
    await runtime.stop.wait()


async def breaks(runtime: Runtime) -> None:
    raise RuntimeError("the loop is broken")


async def readiness(monkeypatch: pytest.MonkeyPatch, stack_config: StackConfig, background: Sequence[Any],
                    log: logging.Handler | None = None) -> tuple[int, dict[str, str]]:
    for name, value in stack_config.service_env("partners").items():
        monkeypatch.setenv(name, value)
    spec = ServiceSpec(name="partners", route_handlers=[], migrations_dir=PARTNERS.migrations_dir, run_relay=False,
                       background=background)
    app = create_service_app(spec)  # which sets up the process's logging: the test's handler is added after it
    if log is not None:
        monkeypatch.setattr(logging.getLogger("regie.service"), "handlers", [log])
    async with AsyncTestClient(app) as client:
        await asyncio.sleep(0.2)
        response = await client.get("/health/ready")
    return response.status_code, response.json()["checks"]


async def test_a_service_whose_workers_run_is_ready(
        partners_db: Database, stack_config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    status, checks = await readiness(monkeypatch, stack_config, [keeps_going])
    assert status == 200 and checks["workers"] == "ok"


async def test_a_worker_that_ends_while_the_service_runs_is_logged_and_makes_it_unready(
        partners_db: Database, stack_config: StackConfig, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    status, checks = await readiness(monkeypatch, stack_config, [keeps_going, breaks], log=caplog.handler)
    assert status == 503
    assert checks["workers"] == "stopped: breaks" and checks["database"] == "ok" and checks["nats"] == "ok"
    ended = [record for record in caplog.records if record.getMessage() == "worker stopped while the service runs"]
    assert [record.worker for record in ended] == ["breaks"]  # type: ignore[attr-defined]
    assert "the loop is broken" in caplog.text
