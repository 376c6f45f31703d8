"""The e-mail outbox's sender in batches (`services.grants.mailings.service.deliver_batch`) on the real PostgreSQL and
a real SMTP server (aiosmtpd, in this process): the due messages of a batch go out one by one and each outcome is
recorded in the batch's one transaction (sent, or a refused recipient split off as a message of its own); a message
the relay could not take ends the batch, the rest left due and untouched; a batch that fails before it commits
leaves every message due, to be sent again (at least once, never lost). Messages are staged as the services stage
them (`enqueue`); in a schema of the test's own in grants' database, so that the running grants' own sender never
sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from devstack.config import StackConfig
from devstack.stack import Stack
from services.grants.mailings import service as mailings
from services.grants.mailings.rules import MailState, RetrySchedule
from shared import mail
from shared.db import Database
from tests.shared.integration.pipeline_world import schema_of_its_own
from tests.shared.integration.smtp_server import REFUSED, Recorder, free_port, smtp_server

SCHEMA = "mail_batches_test"
TENANT = "limburg"
SCHEDULE = RetrySchedule(base_seconds=60, max_delay_seconds=60, window_seconds=600)


@pytest.fixture
def relay() -> Iterator[tuple[Recorder, mail.MailSettings]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
async def db(infra: Stack, stack_config: StackConfig) -> AsyncIterator[Database]:
    async with schema_of_its_own(stack_config, "grants", SCHEMA, "create table mail_outbox "
                                 "(like public.mail_outbox including all)", pool_size=2) as engine:
        yield Database(engine)


async def stage(db: Database, *recipients: list[str]) -> None:
    """One message per list of recipients, subjects `Bericht 1`, `Bericht 2`, …, committed together."""
    async with db.transaction(TENANT) as session:
        for number, to in enumerate(recipients, start=1):
            mailings.enqueue(session, TENANT, purpose="test", recipients=to, subject=f"Bericht {number}",
                             body="Beste,\n\nDit is een test.")


async def rows(db: Database) -> list[dict[str, Any]]:
    """Every message, in the order staged: subject, recipients, attempts, state, last error, due now."""
    async with db.transaction(TENANT) as session:
        found = await session.execute(text(
            "select subject, recipients, attempts, sent_at is not null as sent, dead_at is not null as dead, "
            "last_error, next_attempt_at <= clock_timestamp() as due from mail_outbox order by created_at, id"))
        return [dict(row._mapping) for row in found]


async def no_attachments(tenant: str, reference: dict[str, Any]) -> mail.Attachment:
    raise AssertionError("no message of this test has an attachment")


async def test_a_batch_sends_each_due_message_and_records_each_outcome(
        db: Database, relay: tuple[Recorder, mail.MailSettings]) -> None:
    recorder, settings = relay
    await stage(db, ["an@limburg.regie.test"], ["bo@limburg.regie.test", REFUSED], ["cis@limburg.regie.test"])
    async with mail.Relay(settings) as smtp:
        outcomes = await mailings.deliver_batch(db, TENANT, smtp, SCHEDULE, no_attachments)
    assert outcomes == [MailState.SENT] * 3
    assert [to for to, _ in recorder.messages] == [["an@limburg.regie.test"], ["bo@limburg.regie.test"],
                                                   ["cis@limburg.regie.test"]]
    assert recorder.subjects() == ["Bericht 1", "Bericht 2", "Bericht 3"]
    found = await rows(db)
    assert [(r["subject"], r["recipients"], r["attempts"], r["sent"]) for r in found[:3]] == [
        ("Bericht 1", ["an@limburg.regie.test"], 1, True), ("Bericht 2", ["bo@limburg.regie.test"], 1, True),
        ("Bericht 3", ["cis@limburg.regie.test"], 1, True)]
    # The refused recipient: a message of their own, dead-lettered at once (a 5xx), with the relay's answer.
    split = found[3]
    assert (split["subject"], split["recipients"], split["attempts"], split["sent"], split["dead"]) == (
        "Bericht 2", [REFUSED], 1, False, True)
    assert "550" in split["last_error"]
    async with mail.Relay(settings) as smtp:  # nothing is due any more
        assert await mailings.deliver_batch(db, TENANT, smtp, SCHEDULE, no_attachments) == []


async def test_a_batch_takes_at_most_its_limit(db: Database, relay: tuple[Recorder, mail.MailSettings]) -> None:
    recorder, settings = relay
    await stage(db, *[[f"p{n}@limburg.regie.test"] for n in range(5)])
    async with mail.Relay(settings) as smtp:
        assert await mailings.deliver_batch(db, TENANT, smtp, SCHEDULE, no_attachments, limit=2) == [
            MailState.SENT] * 2
    assert [r["sent"] for r in await rows(db)] == [True, True, False, False, False]
    assert len(recorder.messages) == 2


async def test_a_message_the_relay_could_not_take_ends_the_batch_and_leaves_the_rest_untouched(
        db: Database) -> None:
    await stage(db, ["an@limburg.regie.test"], ["bo@limburg.regie.test"], ["cis@limburg.regie.test"])
    nobody = mail.MailSettings(host="127.0.0.1", port=free_port(), tls="none", sender="Regie <no-reply@regie.test>",
                               timeout_seconds=2)
    async with mail.Relay(nobody) as smtp:
        assert await mailings.deliver_batch(db, TENANT, smtp, SCHEDULE, no_attachments) == [MailState.PENDING]
    first, *rest = await rows(db)
    assert (first["attempts"], first["sent"], first["dead"], first["due"]) == (1, False, False, False)
    assert first["last_error"]  # what the relay's absence looked like, for the province admin
    assert [(r["attempts"], r["sent"], r["due"], r["last_error"]) for r in rest] == [(0, False, True, "")] * 2


async def test_a_batch_that_fails_before_it_commits_leaves_every_message_due(
        db: Database, relay: tuple[Recorder, mail.MailSettings]) -> None:
    recorder, settings = relay
    await stage(db, ["an@limburg.regie.test"], ["bo@limburg.regie.test"])

    async def turn() -> None:  # awaited before the second message: the process stops there
        raise RuntimeError("stopped in the middle of a batch")

    with pytest.raises(RuntimeError):
        async with mail.Relay(settings) as smtp:
            await mailings.deliver_batch(db, TENANT, smtp, SCHEDULE, no_attachments, turn=turn)
    assert len(recorder.messages) == 1  # the first went out before the failure
    assert [(r["attempts"], r["sent"], r["due"]) for r in await rows(db)] == [(0, False, True)] * 2
    async with mail.Relay(settings) as smtp:  # so it is sent again: at least once, never lost
        assert await mailings.deliver_batch(db, TENANT, smtp, SCHEDULE, no_attachments) == [MailState.SENT] * 2
    assert recorder.subjects() == ["Bericht 1", "Bericht 1", "Bericht 2"]
