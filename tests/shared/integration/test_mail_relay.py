"""`shared.mail.Relay` against a real SMTP server (aiosmtpd, as devstack's mail sink): the messages of a round go
out in one SMTP session; a message refused for all its recipients is `Undeliverable` and the next one still goes
out (in a new session); a recipient refused among others is returned while the others get the message; a relay
that is not there is `Deferred`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared import mail
from tests.shared.integration.smtp_server import REFUSED, Recorder, free_port, smtp_server


@pytest.fixture
def server() -> Iterator[tuple[Recorder, mail.MailSettings]]:
    with smtp_server() as running:
        yield running


def message(settings: mail.MailSettings, *to: str, subject: str = "Test") -> Any:
    return mail.message(settings, list(to), subject, "Een bericht.\n", message_id=subject)


async def test_a_round_of_messages_goes_out_in_one_session(server: tuple[Recorder, mail.MailSettings]) -> None:
    recorder, settings = server
    async with mail.Relay(settings) as relay:
        for number in range(3):
            assert await relay.send(message(settings, f"person{number}@regie.test", subject=f"m{number}")) == []
    assert recorder.sessions == 1
    assert [to for to, _ in recorder.messages] == [[f"person{n}@regie.test"] for n in range(3)]


async def test_a_message_refused_for_everyone_is_undeliverable_and_the_next_still_goes_out(
        server: tuple[Recorder, mail.MailSettings]) -> None:
    recorder, settings = server
    async with mail.Relay(settings) as relay:
        with pytest.raises(mail.Undeliverable, match="550"):
            await relay.send(message(settings, REFUSED, subject="refused"))
        partly = await relay.send(message(settings, REFUSED, "someone@regie.test", subject="partly"))
        assert [(r.recipient, r.code, r.permanent) for r in partly] == [(REFUSED, 550, True)]
    assert [to for to, _ in recorder.messages] == [["someone@regie.test"]]
    assert recorder.sessions == 2  # the session after a refused message is not trusted: a new one


async def test_no_relay_is_deferred(server: tuple[Recorder, mail.MailSettings]) -> None:
    _, settings = server
    gone = mail.MailSettings(host="127.0.0.1", port=free_port(), tls="none", timeout_seconds=2)
    async with mail.Relay(gone) as relay:
        with pytest.raises(mail.Deferred):
            await relay.send(message(settings, "person@regie.test"))
