from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from devstack.config import StackConfig
from devstack.stack import Stack
from services.foodsavers.app import SPEC as FOODSAVERS
from services.grants.app import SPEC as GRANTS
from services.partners.app import SPEC as PARTNERS
from shared.db import Database
from shared.events.streams import ensure_streams
from shared.migrations import upgrade
from tests.shared.integration.pipeline_world import SUBJECT


async def migrated(config: StackConfig, service: str, migrations_dir) -> Database:
    await asyncio.to_thread(upgrade, migrations_dir, config.database_url(service, "regie_owner"))
    return Database.from_url(config.database_url(service, "regie_app"), pool_size=5)


@pytest.fixture(scope="session")
async def partners_db(infra: Stack, stack_config: StackConfig) -> AsyncIterator[Database]:
    db = await migrated(stack_config, "partners", PARTNERS.migrations_dir)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
async def grants_db(infra: Stack, stack_config: StackConfig) -> AsyncIterator[Database]:
    db = await migrated(stack_config, "grants", GRANTS.migrations_dir)
    yield db
    await db.dispose()


@pytest.fixture
async def nc(infra: Stack, stack_config: StackConfig) -> AsyncIterator[Client]:
    """A connection to the stack's NATS, drained after the test."""
    connection = await nats.connect(stack_config.nats_url)
    yield connection
    await connection.drain()


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    """The stack's JetStream (on `nc`), its streams made, without the test events of earlier runs (they would be
    read first)."""
    js = nc.jetstream()
    await ensure_streams(js, 1)
    await js.purge_stream("PARTNERS", subject=SUBJECT)
    return js


@pytest.fixture(scope="session")
async def foodsavers_db(infra: Stack, stack_config: StackConfig) -> AsyncIterator[Database]:
    db = await migrated(stack_config, "foodsavers", FOODSAVERS.migrations_dir)
    yield db
    await db.dispose()
