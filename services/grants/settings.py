"""grants' settings: the shared ones (HTTP, database, NATS, storage, auth), the SMTP relay its decisions and
reminders go out through, and how often it looks for reminders to send; all read from the environment."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from shared.mail import MailSettings
from shared.settings import ServiceSettings, env_int


@dataclass(frozen=True)
class ReminderSettings:
    poll_seconds: int = field(default_factory=lambda: env_int("REGIE_AWARD_REMINDER_POLL_SECONDS", 5))
    """How often each replica looks for report reminders to send."""


@dataclass(frozen=True)
class GrantsSettings(ServiceSettings):
    mail: MailSettings = field(default_factory=MailSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)


@functools.cache
def current() -> GrantsSettings:
    """The process's settings, for the event handlers (which get a session and an event, not the runtime)."""
    return GrantsSettings()
