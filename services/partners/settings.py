"""partners's settings: the shared ones (HTTP, database, NATS, storage, auth), read from the environment. What
only partners needs is added here as fields of its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.settings import ServiceSettings, env_int


@dataclass(frozen=True)
class PartnersSettings(ServiceSettings):
    day_poll_seconds: int = field(default_factory=lambda: env_int("REGIE_PARTNERS_DAY_POLL_SECONDS", 300))
    """How often each replica looks for recognitions that started or ended with the passing of a day."""
