"""Each service talks to NATS as its own user, allowed its own subjects only (shared/events/permissions.py):
a table of what each may and may not do, on the real server with the users devstack configured from it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.events.streams import ensure_streams
from shared.ids import uuid7

Step = Callable[[JetStreamContext], Awaitable[Any]]


def publish(producer: str) -> Step:
    """An event on that producer's stream (of a kind no service consumes)."""
    return publish_raw(f"{producer}.antwerpen.permissionstest.happened")


def publish_raw(subject: str) -> Step:
    return lambda js: js.publish(subject, b"{}", timeout=1.0)


def read_stream(stream: str) -> Step:
    async def step(js: JetStreamContext) -> Any:
        sub = await js.pull_subscribe(f"{stream.lower()}.>", durable=f"permissions-{uuid7().hex[-10:]}",
                                      stream=stream)
        await sub.unsubscribe()
    return step


def update_stream(stream: str) -> Step:
    async def step(js: JetStreamContext) -> Any:
        config: StreamConfig = (await js.stream_info(stream)).config
        config.max_age = 60.0
        return await js.update_stream(config)
    return step


# (user, what, step, allowed)
CASES: list[tuple[str, str, Step, bool]] = [
    ("grants", "publish its own event", publish("grants"), True),
    ("grants", "publish a partners event", publish("partners"), False),
    ("grants", "publish a foodsavers event", publish("foodsavers"), False),
    ("partners", "publish its own event", publish("partners"), True),
    ("partners", "publish a grants event", publish("grants"), False),
    ("foodsavers", "publish its own event", publish("foodsavers"), True),
    ("foodsavers", "publish a grants event", publish("grants"), False),
    ("gateway", "publish a grants event", publish("grants"), False),
    ("gateway", "publish a partners event", publish("partners"), False),
    ("grants", "its own dead letter", publish_raw("dlq.grants.grants-test"), True),
    ("grants", "a dead letter of partners' consumer", publish_raw("dlq.partners.partners-grants-awards"), False),
    ("foodsavers", "a dead letter of grants' consumer", publish_raw("dlq.grants.grants-notifications"), False),
    ("grants", "read partners' stream", read_stream("PARTNERS"), True),
    ("partners", "read grants' stream", read_stream("GRANTS"), True),
    ("grants", "change partners' stream", update_stream("PARTNERS"), False),
    ("partners", "change the dead letters' stream", update_stream("DEADLETTER"), False),
    ("grants", "delete partners' stream", lambda js: js.delete_stream("PARTNERS"), False),
    ("foodsavers", "purge grants' stream", lambda js: js.purge_stream("GRANTS"), False),
    ("grants", "purge its own stream", lambda js: js.purge_stream("GRANTS"), False),
    ("gateway", "delete grants' stream", lambda js: js.delete_stream("GRANTS"), False),
    ("gateway", "read grants' stream", read_stream("GRANTS"), False),
    ("grants", "a subject outside the platform's", publish_raw("other.antwerpen.thing"), False),
]


@pytest.fixture(scope="module")
async def streams(infra: Stack, stack_config: StackConfig) -> None:
    nc = await nats.connect(stack_config.nats_url)
    await ensure_streams(nc.jetstream(), 1)
    await nc.drain()


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{c[0]}: {c[1]}" for c in CASES])
async def test_a_service_user_may_do_its_own_work_only(streams: None, stack_config: StackConfig, case: int) -> None:
    user, what, step, allowed = CASES[case]
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(stack_config.nats_server_url, user=user, password=stack_config.nats_password(user),
                            error_cb=on_error, allow_reconnect=False)
    try:
        await step(nc.jetstream())
        outcome = None
    except Exception as exc:  # refused: a permissions error, or no answer to a request the server dropped
        outcome = exc
    await asyncio.sleep(0.1)  # the server's -ERR for a refused publish arrives on its own
    await nc.close()
    if allowed:
        assert outcome is None, f"{user} may {what}: {outcome!r}"
    else:
        assert outcome is not None, f"{user} must not {what}"
        assert any("permissions violation" in error.lower() for error in errors), errors


async def test_a_wrong_password_is_refused(infra: Stack, stack_config: StackConfig) -> None:
    with pytest.raises(Exception, match="(?i)authorization"):
        await nats.connect(stack_config.nats_server_url, user="grants", password="guessed",
                           allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)
    with pytest.raises(Exception, match="(?i)authorization"):
        await nats.connect(stack_config.nats_server_url, allow_reconnect=False, max_reconnect_attempts=0,
                           connect_timeout=2)
