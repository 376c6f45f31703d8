"""A real SMTP server in the test's own process (aiosmtpd, as devstack's mail sink), for the tests of what sends
e-mail: it keeps what it was sent, counts its sessions and refuses one mailbox."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller

from shared import mail

REFUSED = "nobody@regie.test"
"""The mailbox the server refuses (550)."""


class Recorder:
    """Keeps what it was sent as (recipients, the message's bytes), and counts the SMTP sessions (one EHLO each)."""

    def __init__(self) -> None:
        self.sessions = 0
        self.messages: list[tuple[list[str], bytes]] = []

    def subjects(self) -> list[str]:
        return [next(line for line in content.decode().splitlines() if line.startswith("Subject: "))
                .removeprefix("Subject: ") for _, content in self.messages]

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


@contextmanager
def smtp_server() -> Iterator[tuple[Recorder, mail.MailSettings]]:
    """The server, started on a free port, with the settings of a relay that sends to it."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield recorder, mail.MailSettings(host="127.0.0.1", port=controller.port, tls="none",
                                          sender="Regie <no-reply@regie.test>")
    finally:
        controller.stop()
