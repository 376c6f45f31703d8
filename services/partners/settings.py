"""partners's settings: the shared ones (HTTP, database, NATS, storage, auth), read from the environment. What
only partners needs is added here as fields of its own."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import ServiceSettings


@dataclass(frozen=True)
class PartnersSettings(ServiceSettings):
    pass
