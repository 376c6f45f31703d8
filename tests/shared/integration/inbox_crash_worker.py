"""A consumer process for test_inbox.py: applies test events (one row in inbox_test_effects per
application) and, in kill mode, dies by SIGKILL after its first effect is committed, before the ack.

usage: inbox_crash_worker.py <app_url> <nats_url> <durable> <subject> <kill|live> <seconds>
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import nats
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.consumer import Consumer, Subscription
from shared.events.envelope import Envelope

EVENT_TYPE = "be.regie.grants.inboxtest.happened.v1"


async def record_effect(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(text("insert into inbox_test_effects (tenant, event_id) values (:t, :e)"),
                          {"t": envelope.tenant, "e": envelope.id})


class DyingConsumer(Consumer):
    def before_ack(self, envelope: Envelope) -> None:
        os.kill(os.getpid(), signal.SIGKILL)


async def main() -> None:
    app_url, nats_url, durable, subject, mode, seconds = sys.argv[1:7]
    db = Database.from_url(app_url, 2)
    nc = await nats.connect(nats_url)
    subscription = Subscription(durable=durable, producer="grants", subject=subject,
                                handlers={EVENT_TYPE: record_effect})
    kind = DyingConsumer if mode == "kill" else Consumer
    consumer = kind(nc.jetstream(), db, subscription, max_deliver=5, ack_wait_seconds=1.0)
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(float(seconds), stop.set)
    await consumer.run(stop)
    await nc.drain()


if __name__ == "__main__":
    asyncio.run(main())
