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
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, parseaddr
from functools import cache
from typing import Any

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


UTF8 = Charset("utf-8")
UTF8.body_encoding = QP
"""Bodies in UTF-8, quoted-printable: the text stays readable in the raw message, as the `email` package's own
choice for mostly-ASCII text."""


def message(settings: MailSettings, to: Sequence[str], subject: str, body: str,
            attachments: Sequence[Attachment] = (), language: str = "nl-BE",
            message_id: str | None = None, html: str = "") -> Message:
    """`message_id`: the same for every attempt at one message, so a receiver can tell a resend (after a crash
    between the relay's acceptance and the record of it) from a second message. With `html`, the message is
    multipart/alternative: the plain text first, the HTML as the richer part; with attachments, multipart/mixed
    with the text first.

    Made with the `email` package's MIME classes (its compat32 policy), not its `EmailMessage`: composing and
    writing out one receipt took that 1.05 ms of CPU, these 0.25 ms, on the process that answers the requests
    at a deadline (bench/README.md). A header never spans lines: a line break in a subject becomes a space, and
    text outside ASCII is encoded (RFC 2047; a file name by RFC 2231)."""
    mail: Message[str, Any] = _text(body, "plain")  # (headers: a str, or a Header for text outside ASCII)
    if html:
        mail = _multipart("alternative", [mail, _text(html, "html")])
    if attachments:
        mail = _multipart("mixed", [mail, *(_attachment(a) for a in attachments)])
    mail["MIME-Version"] = "1.0"  # once, at the top: the parts are made without it"
    if message_id is not None:
        mail["Message-ID"] = f"<{message_id}@{settings.sender.rsplit('@', 1)[-1].rstrip('>').strip()}>"
    mail["From"] = _address(settings.sender)
    mail["To"] = ", ".join(to)
    mail["Subject"] = _header(subject)
    mail["Content-Language"] = language
    return mail


def _multipart(subtype: str, parts: list[Message]) -> Message:
    multipart = MIMEMultipart(subtype, _subparts=parts)
    del multipart["MIME-Version"]
    return multipart


def _text(content: str, subtype: str) -> Message:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(content, UTF8)
    del part["MIME-Version"]  # (which setting the charset adds)
    return part


def _attachment(attachment: Attachment) -> Message:
    part = MIMEBase(attachment.maintype, attachment.subtype)
    del part["MIME-Version"]
    part.set_payload(attachment.content)
    encoders.encode_base64(part)
    name = attachment.filename
    part.add_header("Content-Disposition", "attachment", filename=name if name.isascii() else ("utf-8", "", name))
    return part


def _header(value: str) -> str | Header:
    value = " ".join(value.splitlines())
    return value if value.isascii() else Header(value, "utf-8")


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


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

    async def send(self, mail: Message) -> list[Refusal]:
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

