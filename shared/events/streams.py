"""The JetStream streams: one per producing service, plus the dead-letter stream. Every service creates those
missing at start-up (idempotent), so a consumer never waits for its producer to have started first."""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

log = logging.getLogger("regie.events")

PRODUCERS = ("grants", "partners", "foodsavers")
DEAD_LETTER_STREAM = "DEADLETTER"
DUPLICATE_WINDOW_SECONDS = 120.0
"""Server-side dedupe of re-published events by Nats-Msg-Id. Past it, consumers' inboxes still hold."""


def stream_name(service: str) -> str:
    return service.upper()


def dead_letter_subject(durable: str) -> str:
    """`dlq.<consuming service>.<durable>`: a durable's name starts with its service's ("grants-..."), and the
    service token lets NATS allow each service its own dead letters only (shared/events/permissions.py)."""
    return f"dlq.{durable.split('-', 1)[0]}.{durable}"


def durable_of_dead_letter(subject: str) -> str:
    return subject.rsplit(".", 1)[-1]


def stream_configs(replicas: int) -> list[StreamConfig]:
    configs = [
        StreamConfig(
            name=stream_name(service),
            subjects=[f"{service}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            max_age=365 * 24 * 3600.0,
            discard=DiscardPolicy.OLD,
        )
        for service in PRODUCERS
    ]
    configs.append(
        StreamConfig(
            name=DEAD_LETTER_STREAM,
            subjects=["dlq.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            max_age=90 * 24 * 3600.0,
        )
    )
    return configs


async def ensure_streams(js: JetStreamContext, replicas: int, *, owner: str | None = None) -> None:
    """Creates the streams that are missing. A service (`owner`) brings its own stream's configuration up to
    date and leaves the others' to their owners (its NATS user may not change them); an admin updates all."""
    for config in stream_configs(replicas):
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("stream created", extra={"stream": config.name})
            continue
        if owner is None or config.name == stream_name(owner):
            await js.update_stream(config)
