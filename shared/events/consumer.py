"""Durable pull consumers with explicit ack.

For each message: decode the envelope and check that it is what its subject and stream say (its producer and
tenant: `envelope.check_origin`; a forged one is dead-lettered at once, nothing applied); open a transaction
under the event's tenant, record the event in the inbox, apply the handler's effect (telling the server it is
still at it every half ack-wait, so a slow handler is not redelivered meanwhile), commit, then ack. A crash
after the commit and before the ack means a redelivery, which the inbox turns into a plain ack. A handler that
keeps failing is retried with back-off until `max_deliver`, then the message goes to `dlq.<service>.<durable>` (stream
DEADLETTER) with the error, for operators to see, and is terminated. A message that is not a valid event goes
there at once.

What one fetch brings is applied in one transaction rather than one per event (per province: its inbox rows in
one INSERT, the handlers in order, under its own tenant setting; then one commit and the acks): at a thousand
events a second the per-event transactions (a pooled connection's ping, begin, the tenant's setting, the inbox,
the effect, commit: six round trips) were more than a core's work, and each round trip waits for a CPU on a busy
machine. The inbox makes this as safe as one event at a time: a crash before the commit applies none of them, one
after it has them all acknowledged without a second effect on redelivery. When the batch's transaction fails (a
handler's error), it is rolled back and its events go one at a time as above, so that one bad event holds back,
retries and dead-letters only itself.

An event of a type the subscription has no handler for (its subject covers more than it acts on, e.g. every
application event where it acts on two) is acknowledged at once, with no transaction: it has no effect to make
once, so it needs no inbox record (at a deadline, every submission's event cost grants' decision consumer a
transaction of four round trips for nothing).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import GIVES_WAY_KEY, Database
from shared.events import metrics
from shared.events.envelope import Envelope, InvalidEvent, check_origin, decode
from shared.events.inbox import first_deliveries
from shared.events.outbox import first_of
from shared.events.streams import dead_letter_subject, stream_name
from shared.logs import tenant_var, traceparent_var
from shared.tenancy import is_tenant

log = logging.getLogger("regie.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[Envelope]], Awaitable[None]]
"""Applies several events of one type and one province at once, in their order (e.g. one multi-row INSERT)."""


@dataclass(frozen=True)
class Subscription:
    """What one durable consumer reads and what it does with it."""

    durable: str  # e.g. "grants-partners-organisations": unique per consuming service and purpose
    producer: str  # the producing service, whose stream is read
    subject: str  # e.g. "partners.*.organisation.>": every tenant, one aggregate
    handlers: dict[str, Handler] = field(default_factory=dict)  # event type -> handler
    batch_handlers: dict[str, BatchHandler] = field(default_factory=dict)
    """Event types whose events a fetch brings together are applied in one call (a statement per batch rather
    than per event); a type is in one of the two dicts."""

    def handler_for(self, event_type: str) -> Handler | None:
        return self.handlers.get(event_type)

    def batch_handler_for(self, event_type: str) -> BatchHandler | None:
        return self.batch_handlers.get(event_type)

    def handles(self, event_type: str) -> bool:
        return event_type in self.handlers or event_type in self.batch_handlers


async def switch_tenant(session: AsyncSession, tenant: str) -> None:
    """The open transaction's tenant from here on (SET LOCAL, as shared.db sets it at the start): a consumer's
    batch only, whose every statement after this is about that tenant's events."""
    if not is_tenant(tenant):
        raise InvalidEvent(f"unknown tenant {tenant!r}")
    await session.execute(text("select set_config('app.tenant', :tenant, true)"), {"tenant": tenant})


def runs_of_one_type(envelopes: list[Envelope]) -> list[list[Envelope]]:
    """Consecutive events of the same type together, in order."""
    runs: list[list[Envelope]] = []
    for envelope in envelopes:
        if runs and runs[-1][0].type == envelope.type:
            runs[-1].append(envelope)
        else:
            runs.append([envelope])
    return runs


class Consumer:
    def __init__(self, js: JetStreamContext, db: Database, subscription: Subscription, *,
                 max_deliver: int = 5, ack_wait_seconds: float = 30.0, batch: int = 100,
                 waiting_seconds: float = 0.1, turn: Callable[[], Awaitable[None]] | None = None,
                 give_way: Callable[[], Awaitable[None]] | None = None) -> None:
        self.js = js
        self.db = db
        self.subscription = subscription
        self.max_deliver = max_deliver
        self.ack_wait_seconds = ack_wait_seconds
        self.batch = batch
        self.waiting_seconds = waiting_seconds
        """How long `waiting` may take: the server answers at once when the events are there; only when another
        replica took them first does the pull linger this long."""
        self.turn = turn
        """Awaited before each batch is applied: the process's requests first (shared/foreground.py). Well inside
        `ack_wait_seconds`, which runs from the fetch."""
        self.give_way = give_way
        """Awaited before each statement of a batch's transaction (shared.db.GIVES_WAY_KEY): a request that arrives
        while the batch is applied does not wait behind the rest of it."""

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

    async def subscribed(self, stop: asyncio.Event) -> JetStreamContext.PullSubscription | None:
        """The pull subscription, asked for again (waiting up to 10 s between tries) until the server creates it
        or the service stops (None). A cluster electing its leaders, or one that has lost its quorum, answers the
        consumer's creation with an error or not at all for a while; a consumer that gave up then would leave its
        service running, and ready, without it."""
        pause = 0.5
        while not stop.is_set():
            try:
                return await self.subscribe()
            except Exception as exc:  # noqa: BLE001 - whatever the server or the connection answers: try again
                log.warning("could not subscribe yet: %s", type(exc).__name__,
                            extra={"durable": self.subscription.durable})
            await first_of(stop, timeout=pause)
            pause = min(pause * 2, 10.0)
        return None

    async def run(self, stop: asyncio.Event) -> None:
        psub = await self.subscribed(stop)
        if psub is None:
            return
        pending = 0
        try:
            while not stop.is_set():
                # A pull for n messages that finds none waiting lingers until n arrive or the timeout passes, so a
                # lone event could wait for the batch to fill. Ask for one (returned the moment it arrives) unless
                # the last message said more are waiting; then for those, up to `batch` (returned at once).
                try:
                    messages = await psub.fetch(min(pending, self.batch) or 1, timeout=1.0)
                except (TimeoutError, NatsTimeoutError):
                    pending = 0
                    continue
                except Exception:
                    log.exception("fetch failed", extra={"durable": self.subscription.durable})
                    pending = 0
                    await asyncio.sleep(1.0)
                    continue
                pending = messages[-1].metadata.num_pending if messages else 0
                if len(messages) == 1 and pending:
                    messages += await self.waiting(psub, pending)
                    pending = messages[-1].metadata.num_pending
                if self.turn is not None:
                    await self.turn()
                await self.process_batch(messages)
        finally:
            # A pull subscription left registered makes the connection's drain() wait for its timeout.
            await psub.unsubscribe()

    async def waiting(self, psub: JetStreamContext.PullSubscription, pending: int) -> list[Msg]:
        """The events stored behind the one just pulled, taken into its batch: a transaction's events are relayed
        together, and the first of them arrives alone (the pull asked for one). Applied by themselves after it,
        they waited for its whole transaction and another pull (bench/README.md: 3 ms of the 9 at p50). Nothing
        when another replica took them first."""
        try:
            return await psub.fetch(min(pending, self.batch), timeout=self.waiting_seconds)
        except Exception:  # noqa: BLE001 - none there (a timeout), or a failure the next pull meets and reports
            return []

    async def process_batch(self, messages: list[Msg]) -> None:
        """The messages of one fetch in one transaction, each province's in the order received under its own
        tenant setting; a batch of one, or one whose transaction failed, event by event (`process`)."""
        if len(messages) <= 1:
            for msg in messages:
                await self.process(msg)
            return
        decoded = [(msg, envelope) for msg in messages if (envelope := await self.envelope_of(msg)) is not None]
        events = [(msg, envelope) for msg, envelope in decoded if not await self.acked_unhandled(msg, envelope)]
        if not events:
            return
        by_tenant: dict[str, list[Envelope]] = {}
        for _, envelope in events:
            by_tenant.setdefault(envelope.tenant, []).append(envelope)
        try:
            async with self.progress(*(msg for msg, _ in events)):
                fresh = await self.apply_all(by_tenant)
        except Exception:
            log.warning("batch failed, applying its events one by one",
                        extra={"durable": self.subscription.durable, "events": len(events)}, exc_info=True)
            for msg, _ in events:
                await self.process(msg)
            return
        for msg, envelope in events:
            self.before_ack(envelope)
            await msg.ack()
            self.applied(envelope, envelope.id in fresh)

    async def apply_all(self, by_tenant: dict[str, list[Envelope]]) -> set[str]:
        """The effects of the events and their inbox records in one transaction, each province's under its own
        `app.tenant` (set again between them: Row-Level Security reads it at every statement); the ids of those
        the inbox did not have yet (applied now). One transaction, not one per province: every round trip to the
        database counts when the machine is busy."""
        fresh: set[str] = set()
        if not by_tenant:
            return fresh
        first = next(iter(by_tenant))
        async with self.db.transaction(first) as session:
            if self.give_way is not None:
                session.info[GIVES_WAY_KEY] = self.give_way
            for tenant, envelopes in by_tenant.items():
                if tenant != first:
                    await switch_tenant(session, tenant)
                fresh |= await self.apply_tenant(session, tenant, envelopes)
        return fresh

    async def apply_tenant(self, session: AsyncSession, tenant: str, envelopes: list[Envelope]) -> set[str]:
        fresh = await first_deliveries(session, consumer=self.subscription.durable, tenant=tenant,
                                       events=[(envelope.id, envelope.type) for envelope in envelopes])
        unapplied = set(fresh)
        todo = []
        for envelope in envelopes:
            if envelope.id in unapplied:
                unapplied.discard(envelope.id)  # (the same event twice in one fetch: applied once)
                todo.append(envelope)
        for run in runs_of_one_type(todo):
            token = tenant_var.set(tenant)
            trace_token = traceparent_var.set(run[0].traceparent)
            try:
                many = self.subscription.batch_handler_for(run[0].type)
                if many is not None:
                    await many(session, run)
                    continue
                handler = self.subscription.handler_for(run[0].type)
                if handler is None:
                    continue
                for envelope in run:
                    traceparent_var.set(envelope.traceparent)
                    await handler(session, envelope)
            finally:
                tenant_var.reset(token)
                traceparent_var.reset(trace_token)
        return fresh

    def applied(self, envelope: Envelope, fresh: bool) -> None:
        if fresh:
            metrics.APPLIED.labels(self.subscription.durable).inc()
            log.info("event applied", extra={"durable": self.subscription.durable, "event_id": envelope.id,
                                             "type": envelope.type})

    async def envelope_of(self, msg: Msg) -> Envelope | None:
        """The message's event, checked against its subject and stream; None when it is not one (dead-lettered)."""
        try:
            envelope = decode(msg.data)
            check_origin(envelope, msg.subject, self.subscription.producer)
        except InvalidEvent as exc:
            await self.dead_letter(msg, str(exc))
            return None
        return envelope

    async def process(self, msg: Msg) -> None:
        durable = self.subscription.durable
        envelope = await self.envelope_of(msg)
        if envelope is None:
            return
        if await self.acked_unhandled(msg, envelope):
            return
        token = tenant_var.set(envelope.tenant)
        trace_token = traceparent_var.set(envelope.traceparent)
        try:
            async with self.progress(msg):
                fresh = await self.apply(envelope)
            self.before_ack(envelope)
            await msg.ack()
            self.applied(envelope, fresh)
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

    async def acked_unhandled(self, msg: Msg, envelope: Envelope) -> bool:
        """Acknowledges an event the subscription has no handler for, with no transaction (the module's
        docstring); True when it was one."""
        if self.subscription.handles(envelope.type):
            return False
        await msg.ack()
        return True

    async def apply(self, envelope: Envelope) -> bool:
        """The event's effect and its inbox record, in one transaction under its tenant; False when the inbox
        already had it (nothing applied)."""
        return envelope.id in await self.apply_all({envelope.tenant: [envelope]})

    @asynccontextmanager
    async def progress(self, *messages: Msg) -> AsyncIterator[None]:
        """While the handlers work, tell the server every half ack-wait that it is still at it, so a slow
        handler's messages are not delivered again to another replica meanwhile."""
        async def beat() -> None:
            while True:
                await asyncio.sleep(self.ack_wait_seconds / 2)
                for msg in messages:
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
