"""The e-mail outbox: messages are written with the change that calls for them and delivered by a background
sender, so an SMTP outage loses nothing and blocks nothing (the in-portal notice, the claim of a reminder and
the decision itself commit without the relay).

The sender runs in every replica. It takes up to BATCH due messages at a time, FOR UPDATE SKIP LOCKED (two
replicas never send the same one), sends them one by one in one SMTP session, and records each outcome in that
same transaction: sent; tried again later by the schedule in `rules.RetrySchedule` (the relay is down or
answers 4xx); or dead-lettered (refused with a 5xx, or still failing when the retry window is over), shown to
the province admin. A message the relay could not take ends the batch: what is left stays due, untouched, for
the next one (a relay that hangs holds the transaction for one timeout, not for BATCH of them). Delivery is
exactly once except across a crash (or a lost commit) between the relay's acceptance and the commit that marks
the rows sent: then the batch's messages are sent again (at least once, never lost).

Why batches: one transaction per message was six round trips to PostgreSQL for each e-mail (begin, tenant,
lock, clock, update, commit); at a deadline, where every submission's receipt is due by the dozen, that work
took turns on the event loop with the submissions themselves (bench/README.md, "Submissions at the
deadline"). A batch is those round trips once, its updates sent together.

The mechanism knows nothing of grants but its table: attachments are references the caller's loader turns
into bytes (grants reads them from its bucket)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.mailings.models import OutgoingMail
from services.grants.mailings.repository import MailRepository
from services.grants.mailings.rules import MailState, RetrySchedule
from services.grants.settings import GrantsSettings
from shared import mail
from shared.db import Database
from shared.ids import uuid7
from shared.service_app import Runtime

log = logging.getLogger("regie.grants.mail")
SENT = Counter("regie_mail_sent_total", "E-mails the relay accepted")
UNDELIVERABLE = Counter("regie_mail_undeliverable_total", "E-mails given up on (refused, or past their retry window)")

AttachmentLoader = Callable[[str, dict[str, Any]], Awaitable[mail.Attachment]]
"""(tenant, reference) → the attachment's bytes."""


@dataclass(frozen=True)
class AttachmentRef:
    object_key: str
    filename: str
    content_type: str = "application/pdf"

    def as_json(self) -> dict[str, Any]:
        return {"object_key": self.object_key, "filename": self.filename, "content_type": self.content_type}


def enqueue(session: AsyncSession, tenant: str, *, purpose: str, recipients: Sequence[str], subject: str,
            body: str, html: str = "", language: str = "nl-BE", reference: str = "",
            attachments: Sequence[AttachmentRef] = ()) -> OutgoingMail | None:
    """Stages the message in the caller's transaction: it goes out once that commits. No recipients, no row."""
    if not recipients:
        return None
    return MailRepository(session, tenant).add_mail({
        "id": uuid7(), "purpose": purpose, "reference": reference, "recipients": list(recipients),
        "subject": subject, "body": body, "html": html, "language": language,
        "attachments": [a.as_json() for a in attachments]})


BATCH = 20
"""Messages sent and recorded in one transaction."""


@dataclass(frozen=True)
class _Attempt:
    """What the relay made of one message: accepted (for all but `refusals`), or `failure` (with its reason and
    whether it is final)."""

    refusals: Sequence[mail.Refusal] = ()
    failure: str | None = None
    final: bool = False


async def _attempt(outgoing: OutgoingMail, tenant: str, smtp: mail.Relay, load: AttachmentLoader) -> _Attempt:
    try:
        attachments = [await load(tenant, reference) for reference in outgoing.attachments]
        message = mail.message(smtp.settings, outgoing.recipients, outgoing.subject, outgoing.body, attachments,
                               language=outgoing.language, message_id=str(outgoing.id), html=outgoing.html)
        return _Attempt(refusals=await smtp.send(message))
    except mail.Undeliverable as exc:
        return _Attempt(failure=exc.reason, final=True)
    except Exception as exc:  # the relay is down, a 4xx, the bucket unreachable: try again later
        return _Attempt(failure=exc.reason if isinstance(exc, mail.DeliveryFailed) else f"{type(exc).__name__}: {exc}")


async def deliver_batch(db: Database, tenant: str, smtp: mail.Relay, schedule: RetrySchedule,
                        load: AttachmentLoader, *, limit: int = BATCH,
                        turn: Callable[[], Awaitable[None]] | None = None) -> list[MailState]:
    """Sends up to `limit` due messages of `tenant` in the SMTP session `smtp`, in one transaction; what became of
    each (empty: nothing was due). `turn` is awaited before each message after the first."""
    async with db.transaction(tenant) as session:
        repository = MailRepository(session, tenant)
        attempts: list[tuple[OutgoingMail, _Attempt]] = []
        for outgoing in await repository.lock_due(limit):
            if attempts and turn is not None:
                await turn()
            attempt = await _attempt(outgoing, tenant, smtp, load)
            attempts.append((outgoing, attempt))
            if attempt.failure is not None and not attempt.final:
                break  # the relay is in trouble: the rest waits for the next batch
        if not attempts:
            return []
        now = await repository.database_clock()
        outcomes = [_record(repository, outgoing, attempt, schedule, now) for outgoing, attempt in attempts]
    return outcomes


def _record(repository: MailRepository, outgoing: OutgoingMail, attempt: _Attempt, schedule: RetrySchedule,
            now: datetime) -> MailState:
    """Writes the attempt's outcome on the message's row (with the unit of work), counts and logs it."""
    extra = {"mail_id": str(outgoing.id), "purpose": outgoing.purpose, "tenant": repository.tenant,
             "attempt": outgoing.attempts + 1}
    if attempt.failure is not None:
        retry_in = None if attempt.final else schedule.wait_after(outgoing.attempts + 1)
        repository.mark_failed(outgoing, attempt.failure, retry_in, now)
        if retry_in is None:
            UNDELIVERABLE.inc()
            log.error("e-mail undeliverable" if attempt.final else "e-mail dead-lettered after its retry window",
                      extra={**extra, "reason": attempt.failure})
            return MailState.UNDELIVERABLE
        log.warning("e-mail deferred", extra={**extra, "reason": attempt.failure,
                                              "retry_in_seconds": retry_in.total_seconds()})
        return MailState.PENDING
    refusals = attempt.refusals
    refused = {r.recipient for r in refusals}
    repository.mark_sent(outgoing, [r for r in outgoing.recipients if r not in refused],
                         "; ".join(str(r) for r in refusals), now)
    for refusal in refusals:
        # Whoever the relay refused gets a message of their own: retried or dead-lettered by itself.
        split = repository.add_mail({
            "id": uuid7(), "purpose": outgoing.purpose, "reference": outgoing.reference,
            "recipients": [refusal.recipient], "subject": outgoing.subject, "body": outgoing.body,
            "html": outgoing.html, "language": outgoing.language,
            "attachments": outgoing.attachments, "attempts": outgoing.attempts - 1})
        retry_in = None if refusal.permanent else schedule.wait_after(outgoing.attempts)
        repository.mark_failed(split, str(refusal), retry_in, now)
    SENT.inc()
    log.info("e-mail sent", extra={**extra, "refused": len(refusals)})
    return MailState.SENT


async def deliver_due(db: Database, tenant: str, relay: mail.MailSettings, schedule: RetrySchedule,
                      load: AttachmentLoader, *, limit: int = 100,
                      turn: Callable[[], Awaitable[None]] | None = None) -> list[MailState]:
    """Sends what is due for `tenant` now (at most `limit` messages), in batches; what became of each. `turn` is
    awaited before each message after the first: the process's requests first (shared/foreground.py)."""
    outcomes: list[MailState] = []
    async with mail.Relay(relay) as smtp:  # one SMTP session for the round, opened when the first is due
        while len(outcomes) < limit:
            if outcomes and turn is not None:
                await turn()
            batch = await deliver_batch(db, tenant, smtp, schedule, load, limit=min(BATCH, limit - len(outcomes)),
                                        turn=turn)
            if not batch:
                break
            outcomes.extend(batch)
    return outcomes


def bucket_loader(runtime: Runtime) -> AttachmentLoader:
    async def load(tenant: str, reference: dict[str, Any]) -> mail.Attachment:
        if runtime.store is None:
            raise RuntimeError("no object store configured for e-mail attachments")
        maintype, _slash, subtype = str(reference.get("content_type", "application/pdf")).partition("/")
        return mail.Attachment(filename=reference["filename"],
                               content=await runtime.store.read(reference["object_key"], tenant),
                               maintype=maintype, subtype=subtype or "octet-stream")
    return load


async def send_outgoing_mail(runtime: Runtime) -> None:
    """The background task: per tenant, what is due; then a pause of `mail_outbox.poll_seconds` when a round
    found nothing to send."""
    configured = runtime.settings if isinstance(runtime.settings, GrantsSettings) else GrantsSettings()
    schedule = configured.mail_outbox.schedule()
    load = bucket_loader(runtime)

    async def send(tenant: str) -> bool:
        return bool(await deliver_due(runtime.db, tenant, configured.mail, schedule, load,
                                      turn=runtime.foreground.turn))

    await runtime.every_tenant(configured.mail_outbox.poll_seconds, "sending e-mail", log, send)


async def mails(session: AsyncSession, tenant: str, state: MailState | None, limit: int,
                before: uuid.UUID | None) -> list[OutgoingMail]:
    return await MailRepository(session, tenant).mails(state, limit, before)


async def undeliverable_count(session: AsyncSession, tenant: str) -> int:
    return await MailRepository(session, tenant).count_undeliverable()


async def retry_now(session: AsyncSession, tenant: str, *, ids: list[uuid.UUID] | None = None,
                    include_undeliverable: bool = False) -> int:
    """Makes unsent messages due at once (after the relay is back, an operator need not wait out the
    back-off); dead-lettered ones get one more attempt when asked. Returns how many."""
    return await MailRepository(session, tenant).make_due_now(ids, include_undeliverable)
