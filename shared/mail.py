"""E-mail over SMTP (aiosmtplib), for every service that tells people something: a decision with its letter,
a reminder. Locally and in the tests the SMTP server is devstack's mail sink, which keeps every message as an
.eml file; production relays through the province's mail server.

`Relay.send` tells the two kinds of failure apart for a sender that retries: `Deferred` (the relay is down or
answers 4xx: try again later) and `Undeliverable` (5xx: trying again cannot help). A message refused for some
of its recipients only is delivered to the others; `send` returns the refusals."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cache

import aiosmtplib

from shared.settings import env_int, env_str

TLS_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class MailSettings:
    host: str = field(default_factory=lambda: env_str("REGIE_SMTP_HOST", "127.0.0.1"))
    """The SMTP server that relays the platform's e-mail."""
    port: int = field(default_factory=lambda: env_int("REGIE_SMTP_PORT", 25))
    sender: str = field(default_factory=lambda: env_str("REGIE_SMTP_FROM", "Regie <no-reply@regie.test>"))
    """The From: of every message."""
    timeout_seconds: int = field(default_factory=lambda: env_int("REGIE_SMTP_TIMEOUT", 10))
    tls: str = field(default_factory=lambda: env_str("REGIE_SMTP_TLS", "starttls"))
    """How the connection to the relay is encrypted: "starttls" (the default: refused when the relay does not
    offer it), "tls" (implicit TLS, port 465) or "none" (only for a relay on this machine, as devstack's sink);
    the relay's certificate is checked."""

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"REGIE_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {self.tls!r}")
    portal_url: str = field(default_factory=lambda: env_str("REGIE_GATEWAY_URL", "").rstrip("/"))
    """The portals' public address, for the links in a message."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


def message(settings: MailSettings, to: Sequence[str], subject: str, body: str,
            attachments: Sequence[Attachment] = (), language: str = "nl-BE",
            message_id: str | None = None, html: str = "") -> EmailMessage:
    """`message_id`: the same for every attempt at one message, so a receiver can tell a resend (after a crash
    between the relay's acceptance and the record of it) from a second message. With `html`, the message is
    multipart/alternative: the plain text first, the HTML as the richer part."""
    mail = EmailMessage()
    if message_id is not None:
        mail["Message-ID"] = f"<{message_id}@{settings.sender.rsplit('@', 1)[-1].rstrip('>').strip()}>"
    mail["From"] = settings.sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = subject
    mail.set_content(body)
    if html:
        mail.add_alternative(html, subtype="html")
    for attachment in attachments:
        mail.add_attachment(attachment.content, maintype=attachment.maintype, subtype=attachment.subtype,
                            filename=attachment.filename)
    # Last: making the message multipart moves every Content-* header down into the first part.
    mail["Content-Language"] = language
    return mail


@dataclass(frozen=True)
class Refusal:
    """A recipient the relay refused, with its answer."""

    recipient: str
    code: int
    answer: str

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600

    def __str__(self) -> str:
        return f"{self.recipient}: {self.code} {self.answer}".strip()


class DeliveryFailed(Exception):
    """The message went to nobody; `reason` is what the relay (or the network) said."""

    def __init__(self, reason: str, refusals: Sequence[Refusal] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refusals = list(refusals)


class Deferred(DeliveryFailed):
    """Worth another try later: no connection, a timeout, a 4xx answer."""


class Undeliverable(DeliveryFailed):
    """Trying again cannot help: the relay refused the message or every recipient with a 5xx answer."""


@cache
def _fqdn() -> str:
    return socket.getfqdn()


async def helo_name() -> str:
    """The name this host gives the relay (EHLO): looked up once per process. Left to aiosmtplib, every message
    looked it up again (socket.getfqdn in a worker thread: a reverse DNS lookup each time), a sixth of grants'
    busy time while 200 applicants submitted at a deadline and their receipts went out."""
    if _fqdn.cache_info().currsize:
        return _fqdn()
    return await asyncio.to_thread(_fqdn)


class Relay:
    """One SMTP session with the relay for several messages (a round of a mail loop): connected for the first,
    used again for the next, closed at the end of the round (`async with`). After a failed message it is closed
    too, and the next one connects again: the session's state after a failure is not worth trusting. A session
    per message paid its setup and its end (connect, EHLO, STARTTLS, QUIT) with every e-mail, also when a
    deadline's receipts are due by the dozen (bench/README.md, "Submissions at the deadline")."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> Relay:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def send(self, mail: EmailMessage) -> list[Refusal]:
        """Sends `mail`; returns the recipients the relay refused while accepting it for the others. Raises
        `Deferred` or `Undeliverable` when it went to nobody."""
        try:
            client = await self._connected()
            refused, _ = await client.send_message(mail)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self.close()
            refusals = [Refusal(r.recipient, r.code, r.message) for r in exc.recipients]
            reason = "; ".join(str(r) for r in refusals)
            if refusals and all(r.permanent for r in refusals):
                raise Undeliverable(reason, refusals) from exc
            raise Deferred(reason, refusals) from exc
        except aiosmtplib.SMTPResponseException as exc:
            await self.close()
            if 500 <= exc.code < 600:
                raise Undeliverable(f"{exc.code} {exc.message}") from exc
            raise Deferred(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise Deferred(f"{type(exc).__name__}: {exc}") from exc
        return [Refusal(recipient, response.code, response.message) for recipient, response in refused.items()]

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            settings = self.settings
            client = aiosmtplib.SMTP(hostname=settings.host, port=settings.port, timeout=settings.timeout_seconds,
                                     start_tls=settings.tls == "starttls", use_tls=settings.tls == "tls",
                                     local_hostname=await helo_name())
            await client.connect()
            self._client = client
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()

