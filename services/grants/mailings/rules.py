"""The e-mail outbox, pure: when a failed message is tried again, and when it is given up (dead-lettered).

A message's first attempt is right away; after failed attempt n the wait is `base × 2^(n-1)` seconds, at most
`max_delay`; once the attempts span `window` seconds (the last one came at or after `window` from the first)
the next failure dead-letters it. Trying again cannot help a message the relay refused outright (5xx): that
one is dead-lettered at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class MailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"


MAIL_STATE_LABELS = {MailState.PENDING: "wacht op verzending", MailState.SENT: "verzonden",
                     MailState.UNDELIVERABLE: "onbestelbaar"}


@dataclass(frozen=True)
class RetrySchedule:
    base_seconds: int = 30
    max_delay_seconds: int = 900
    window_seconds: int = 3600

    def delays(self) -> list[timedelta]:
        """The waits between attempts, in order: their sum is the first at or past the window."""
        waits: list[timedelta] = []
        total = 0
        step = max(self.base_seconds, 1)
        while total < self.window_seconds:
            wait = min(step, max(self.max_delay_seconds, 1))
            waits.append(timedelta(seconds=wait))
            total += wait
            step *= 2
        return waits

    @property
    def attempts(self) -> int:
        """How many attempts a message gets before it is dead-lettered."""
        return len(self.delays()) + 1

    def wait_after(self, failed_attempts: int) -> timedelta | None:
        """The wait before the next attempt after `failed_attempts` failures; None: dead-letter it."""
        delays = self.delays()
        if failed_attempts < 1:
            return timedelta(0)
        if failed_attempts > len(delays):
            return None
        return delays[failed_attempts - 1]
