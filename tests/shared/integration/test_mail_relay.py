"""`shared.mail.Relay` against a real SMTP server (aiosmtpd, as devstack's mail sink): the messages of a round go
out in one SMTP session; a message refused for all its recipients is `Undeliverable` and the next one still goes
out (in a new session); a recipient refused among others is returned while the others get the message; a relay
that is not there is `Deferred`."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from shared import mail

REFUSED = "nobody@regie.test"


class Recorder:
    """Keeps what it was sent, and counts the SMTP sessions (one EHLO each)."""

    def __init__(self) -> None:
        self.sessions = 0
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,  # noqa: N802
                          responses: list[str]) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[Recorder, mail.MailSettings]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield recorder, mail.MailSettings(host="127.0.0.1", port=controller.port, tls="none",
                                          sender="Regie <no-reply@regie.test>")
    finally:
        controller.stop()


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
