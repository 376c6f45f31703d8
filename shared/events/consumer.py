"""Durable pull consumers with explicit ack.

For each message: decode the envelope and check that it is what its subject and stream say (its producer and
tenant: `envelope.check_origin`; a forged one is dead-lettered at once, nothing applied); open a transaction
under the event's tenant, record the event in the inbox, apply the handler's effect (telling the server it is
still at it every half ack-wait, so a slow handler is not redelivered meanwhile), commit, then ack. A crash
after the commit and before the ack means a redelivery, which the inbox turns into a plain ack. A handler that
keeps failing is retried with back-off until `max_deliver`, then the message goes to `dlq.<service>.<durable>` (stream
DEADLETTER) with the error, for operators to see, and is terminated. A message that is not a valid event goes
there at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events import metrics
from shared.events.envelope import Envelope, InvalidEvent, check_origin, decode
from shared.events.inbox import first_delivery
from shared.events.streams import dead_letter_subject, stream_name
from shared.logs import tenant_var, traceparent_var

log = logging.getLogger("regie.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """What one durable consumer reads and what it does with it."""

    durable: str  # e.g. "grants-partners-organisations": unique per consuming service and purpose
    producer: str  # the producing service, whose stream is read
    subject: str  # e.g. "partners.*.organisation.>": every tenant, one aggregate
    handlers: dict[str, Handler] = field(default_factory=dict)  # event type -> handler

    def handler_for(self, event_type: str) -> Handler | None:
        return self.handlers.get(event_type)


class Consumer:
    def __init__(self, js: JetStreamContext, db: Database, subscription: Subscription, *,
                 max_deliver: int = 5, ack_wait_seconds: float = 30.0, batch: int = 20) -> None:
        self.js = js
        self.db = db
        self.subscription = subscription
        self.max_deliver = max_deliver
        self.ack_wait_seconds = ack_wait_seconds
        self.batch = batch

    async def subscribe(self) -> JetStreamContext.PullSubscription:
        sub = self.subscription
        config = ConsumerConfig(
            durable_name=sub.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=self.max_deliver,
            ack_wait=self.ack_wait_seconds,
        )
        return await self.js.pull_subscribe(sub.subject, durable=sub.durable,
                                            stream=stream_name(sub.producer), config=config)

    async def run(self, stop: asyncio.Event) -> None:
        psub = await self.subscribe()
        busy = False
        try:
            while not stop.is_set():
                # A pull for n messages that finds none waiting lingers until n arrive or the timeout passes,
                # so a lone event could wait out the whole timeout. Idle: pull one (returned the moment it
                # arrives). Busy: pull a batch with a short wait, and go back to idle when it comes back empty.
                try:
                    messages = await (psub.fetch(self.batch, timeout=0.1) if busy else psub.fetch(1, timeout=1.0))
                except (TimeoutError, NatsTimeoutError):
                    busy = False
                    continue
                except Exception:
                    log.exception("fetch failed", extra={"durable": self.subscription.durable})
                    await asyncio.sleep(1.0)
                    continue
                busy = True
                for msg in messages:
                    await self.process(msg)
        finally:
            # A pull subscription left registered makes the connection's drain() wait for its timeout.
            await psub.unsubscribe()

    async def process(self, msg: Msg) -> None:
        durable = self.subscription.durable
        try:
            envelope = decode(msg.data)
            check_origin(envelope, msg.subject, self.subscription.producer)
        except InvalidEvent as exc:
            await self.dead_letter(msg, str(exc))
            return
        token = tenant_var.set(envelope.tenant)
        trace_token = traceparent_var.set(envelope.traceparent)
        try:
            async with self.progress(msg):
                fresh = await self.apply(envelope)
            self.before_ack(envelope)
            await msg.ack()
            if fresh:
                metrics.APPLIED.labels(durable).inc()
                log.info("event applied", extra={"durable": durable, "event_id": envelope.id, "type": envelope.type})
        except InvalidEvent as exc:
            await self.dead_letter(msg, str(exc))
        except Exception as exc:
            deliveries = msg.metadata.num_delivered
            if deliveries >= self.max_deliver:
                log.exception("event failed for the last time", extra={"durable": durable, "event_id": envelope.id})
                await self.dead_letter(msg, f"{type(exc).__name__}: {exc}")
            else:
                metrics.RETRIED.labels(durable).inc()
                log.warning("event failed, will retry",
                            extra={"durable": durable, "event_id": envelope.id, "delivery": deliveries,
                                   "error": f"{type(exc).__name__}: {exc}"})
                await msg.nak(delay=min(2.0 ** deliveries, 60.0))
        finally:
            tenant_var.reset(token)
            traceparent_var.reset(trace_token)

    async def apply(self, envelope: Envelope) -> bool:
        """The event's effect and its inbox record, in one transaction under its tenant; False when the inbox
        already had it (nothing applied)."""
        handler = self.subscription.handler_for(envelope.type)
        async with self.db.transaction(envelope.tenant) as session:
            fresh = await first_delivery(session, consumer=self.subscription.durable, event_id=envelope.id,
                                         tenant=envelope.tenant, type=envelope.type)
            if fresh and handler is not None:
                await handler(session, envelope)
        return fresh

    @asynccontextmanager
    async def progress(self, msg: Msg) -> AsyncIterator[None]:
        """While the handler works, tell the server every half ack-wait that it is still at it, so a slow
        handler's message is not delivered again to another replica meanwhile."""
        async def beat() -> None:
            while True:
                await asyncio.sleep(self.ack_wait_seconds / 2)
                await msg.in_progress()

        beating = asyncio.create_task(beat())
        try:
            yield
        finally:
            beating.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await beating

    def before_ack(self, envelope: Envelope) -> None:
        """After the effect is committed, before the ack; a hook for crash tests, a no-op otherwise."""

    async def dead_letter(self, msg: Msg, reason: str) -> None:
        durable = self.subscription.durable
        headers = {
            "Regie-Dead-Letter-Reason": reason[:1000],
            "Regie-Original-Subject": msg.subject,
            "Regie-Deliveries": str(msg.metadata.num_delivered),
        }
        await self.js.publish(dead_letter_subject(durable), msg.data, headers=headers)
        await msg.term()
        metrics.DEAD_LETTERED.labels(durable).inc()
        log.error("event dead-lettered", extra={"durable": durable, "subject": msg.subject, "reason": reason})
