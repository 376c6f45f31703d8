"""Dead letters for the province admin: the events one of this service's consumers gave up on (after
`max_deliver` failed attempts, or at once when invalid), with the reason, listed per province, and replayed once
the cause is fixed.

A replay applies the event through the same consumer's handler and inbox, in this process, as a delivery would:
applied once (the inbox), checked as a delivery is (`envelope.check_origin`); the dead letter is then removed
from the DEADLETTER stream. Nothing is published again, so no other consumer sees the event twice. A replay that
fails again leaves the dead letter where it is and answers why."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import msgspec
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.db import Database
from shared.events.consumer import Consumer, Subscription
from shared.events.envelope import Envelope, InvalidEvent, check_origin, decode
from shared.events.streams import DEAD_LETTER_STREAM, dead_letter_subject, durable_of_dead_letter
from shared.i18n import _
from shared.problems import Conflict, NotFound

log = logging.getLogger("regie.deadletters")
SCANNED = 10_000
"""How many dead letters a listing reads at most (they are kept 90 days; there should be few)."""


class DeadLetterOut(msgspec.Struct):
    sequence: int
    """Its number in the dead-letter stream: what a replay names."""
    consumer: str
    subject: str
    """Where the event came from."""
    event_id: str
    event_type: str
    reason: str
    """Why the consumer gave up: the last error, or why the event was refused."""
    deliveries: int
    dead_at: datetime


def _out(sequence: int, subject: str, headers: dict[str, str] | None, envelope: Envelope,
         dead_at: datetime) -> DeadLetterOut:
    headers = headers or {}
    return DeadLetterOut(sequence=sequence, consumer=durable_of_dead_letter(subject),
                         subject=headers.get("Regie-Original-Subject", ""), event_id=envelope.id,
                         event_type=envelope.type, reason=headers.get("Regie-Dead-Letter-Reason", ""),
                         deliveries=int(headers.get("Regie-Deliveries", "0") or 0), dead_at=dead_at)


async def dead_letters(js: JetStreamContext, subscriptions: Sequence[Subscription], tenant: str,
                       limit: int = 100) -> list[DeadLetterOut]:
    """The province's dead letters of these consumers, newest first. One that is no event at all names no
    province: it stays for the operators (the stream itself)."""
    subjects = [dead_letter_subject(s.durable) for s in subscriptions]
    if not subjects:
        return []
    sub = await js.pull_subscribe("", durable=None, stream=DEAD_LETTER_STREAM, config=ConsumerConfig(
        ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, filter_subjects=subjects))
    found: list[DeadLetterOut] = []
    scanned = 0
    try:
        while scanned < SCANNED:
            try:
                messages = await sub.fetch(200, timeout=0.5)
            except TimeoutError:
                break
            for msg in messages:
                scanned += 1
                try:
                    envelope = decode(msg.data)
                except InvalidEvent:
                    continue
                if envelope.tenant == tenant:
                    found.append(_out(msg.metadata.sequence.stream, msg.subject, msg.headers, envelope,
                                      msg.metadata.timestamp))
            if len(messages) < 200:
                break
    finally:
        await sub.unsubscribe()
    return sorted(found, key=lambda d: d.sequence, reverse=True)[:limit]


async def replay(js: JetStreamContext, db: Database, subscriptions: Sequence[Subscription], tenant: str,
                 sequence: int, *, max_deliver: int, actor: str) -> DeadLetterOut:
    """Applies the dead letter `sequence` through its consumer and removes it; 404 for one that is not this
    province's or not of these consumers, 409 (the dead letter kept) when it fails again."""
    by_subject = {dead_letter_subject(s.durable): s for s in subscriptions}
    try:
        raw = await js.get_msg(DEAD_LETTER_STREAM, sequence)
    except NotFoundError as exc:
        raise NotFound(_("deze gestrande gebeurtenis bestaat niet (meer)")) from exc
    subscription = by_subject.get(raw.subject or "")
    headers = dict(raw.headers or {})
    try:
        envelope = decode(raw.data or b"")
    except InvalidEvent as exc:
        raise NotFound(_("deze gestrande gebeurtenis bestaat niet (meer)")) from exc
    if subscription is None or envelope.tenant != tenant:
        raise NotFound(_("deze gestrande gebeurtenis bestaat niet (meer)"))
    letter = _out(sequence, raw.subject or "", headers, envelope, envelope.time)
    try:
        check_origin(envelope, letter.subject, subscription.producer)
        applied = await Consumer(js, db, subscription, max_deliver=max_deliver).apply(envelope)
    except Exception as exc:
        log.warning("replay failed", extra={"consumer": subscription.durable, "event_id": envelope.id,
                                            "actor": actor, "error": f"{type(exc).__name__}: {exc}"})
        raise Conflict(_("de gebeurtenis lukt nog altijd niet: %(reason)s")
                       % {"reason": f"{type(exc).__name__}: {exc}"}, sequence=sequence) from exc
    await js.delete_msg(DEAD_LETTER_STREAM, sequence)
    log.info("dead letter replayed", extra={"consumer": subscription.durable, "event_id": envelope.id,
                                            "actor": actor, "applied": applied})
    return letter
