"""E-mail over SMTP (aiosmtplib), for every service that tells people something: a decision with its letter,
a reminder. Locally and in the tests the SMTP server is devstack's mail sink, which keeps every message as an
.eml file; production relays through the province's mail server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib

from shared.settings import env_int, env_str


@dataclass(frozen=True)
class MailSettings:
    host: str = field(default_factory=lambda: env_str("REGIE_SMTP_HOST", "127.0.0.1"))
    """The SMTP server that relays the platform's e-mail."""
    port: int = field(default_factory=lambda: env_int("REGIE_SMTP_PORT", 25))
    sender: str = field(default_factory=lambda: env_str("REGIE_SMTP_FROM", "Regie <no-reply@regie.test>"))
    """The From: of every message."""
    timeout_seconds: int = field(default_factory=lambda: env_int("REGIE_SMTP_TIMEOUT", 10))


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


def message(settings: MailSettings, to: Sequence[str], subject: str, body: str,
            attachments: Sequence[Attachment] = (), language: str = "nl-BE") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = subject
    mail["Content-Language"] = language
    mail.set_content(body)
    for attachment in attachments:
        mail.add_attachment(attachment.content, maintype=attachment.maintype, subtype=attachment.subtype,
                            filename=attachment.filename)
    return mail


async def send(settings: MailSettings, mail: EmailMessage) -> None:
    await aiosmtplib.send(mail, hostname=settings.host, port=settings.port, timeout=settings.timeout_seconds,
                          start_tls=False, use_tls=False)
