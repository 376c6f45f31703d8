"""A process that stages events through the outbox and relays them, and dies by SIGKILL at the worst
moments. Run by test_outbox_crash.py; not a test itself.

usage: outbox_crash_worker.py <app_url> <relay_url> <nats_url> <run_id> <events_to_stage> <kill_mode> <seed>
kill_mode: after-commit   SIGKILL right after committing a staged event, before any publish;
           after-publish  SIGKILL after the server's ack and before the row is marked sent (with odds);
           none           relay until the outbox is empty, then exit 0.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from typing import ClassVar

import nats

from shared.db import Database
from shared.events.envelope import EventData
from shared.events.outbox import OutboxMessage, OutboxRelay, stage


class CrashTestHappenedV1(EventData, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "be.regie.partners.crashtest.happened.v1"
    run_id: str
    sequence: int


class DyingRelay(OutboxRelay):
    def __init__(self, *args, odds: float, rng: random.Random, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.odds, self.rng = odds, rng

    def after_publish(self, row: OutboxMessage) -> None:
        if self.rng.random() < self.odds:
            os.kill(os.getpid(), signal.SIGKILL)


async def main() -> None:
    app_url, relay_url, nats_url, run_id, to_stage, mode, seed = sys.argv[1:8]
    rng = random.Random(int(seed))
    app_db, relay_db = Database.from_url(app_url, 2), Database.from_url(relay_url, 2)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for _ in range(int(to_stage)):
        async with app_db.transaction("antwerpen") as session:
            sequence = rng.randrange(1 << 30)
            stage(session, CrashTestHappenedV1(run_id=run_id, sequence=sequence), tenant="antwerpen",
                  subject=run_id)
        if mode == "after-commit":
            os.kill(os.getpid(), signal.SIGKILL)
    relay = DyingRelay(relay_db.engine, js, batch_size=rng.choice([1, 3, 10]),
                       odds=0.3 if mode == "after-publish" else 0.0, rng=rng)
    while await relay.publish_batch():
        pass
    await nc.drain()


if __name__ == "__main__":
    asyncio.run(main())
