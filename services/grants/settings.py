"""grants' settings: the shared ones (HTTP, database, NATS, storage, auth), the SMTP relay its decisions and
reminders go out through, how its e-mail outbox retries, and how often it looks for reminders to send; all
read from the environment."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from services.grants.mailings.rules import RetrySchedule
from shared.directory import DirectorySettings
from shared.mail import MailSettings
from shared.settings import ServiceSettings, env_int


@dataclass(frozen=True)
class ReminderSettings:
    poll_seconds: int = field(default_factory=lambda: env_int("REGIE_AWARD_REMINDER_POLL_SECONDS", 5))
    """How often each replica looks for report reminders to send."""


@dataclass(frozen=True)
class MailOutboxSettings:
    poll_seconds: int = field(default_factory=lambda: env_int("REGIE_MAIL_POLL_SECONDS", 2))
    """How often each replica looks for e-mail due to go out when it found none."""
    retry_base_seconds: int = field(default_factory=lambda: env_int("REGIE_MAIL_RETRY_BASE_SECONDS", 30))
    """The wait after the first failed attempt; each next wait doubles, up to `retry_max_delay_seconds`."""
    retry_max_delay_seconds: int = field(default_factory=lambda: env_int("REGIE_MAIL_RETRY_MAX_DELAY_SECONDS", 900))
    retry_window_seconds: int = field(default_factory=lambda: env_int("REGIE_MAIL_RETRY_WINDOW_SECONDS", 3600))
    """How long a message is retried before it is dead-lettered (undeliverable, shown to the province admin):
    the last attempt comes at or after this many seconds from the first."""

    def schedule(self) -> RetrySchedule:
        return RetrySchedule(base_seconds=self.retry_base_seconds, max_delay_seconds=self.retry_max_delay_seconds,
                             window_seconds=self.retry_window_seconds)


@dataclass(frozen=True)
class GrantsSettings(ServiceSettings):
    mail: MailSettings = field(default_factory=MailSettings)
    mail_outbox: MailOutboxSettings = field(default_factory=MailOutboxSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    directory: DirectorySettings = field(default_factory=DirectorySettings)


@functools.cache
def current() -> GrantsSettings:
    """The process's settings, for the event handlers (which get a session and an event, not the runtime)."""
    return GrantsSettings()
