"""The JetStream streams: one per producing service, plus the dead-letter stream. Every service ensures all
of them at start-up (idempotent), so a consumer never waits for its producer to have started first."""

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
    return f"dlq.{durable}"


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


async def ensure_streams(js: JetStreamContext, replicas: int) -> None:
    for config in stream_configs(replicas):
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("stream created", extra={"stream": config.name})
            continue
        await js.update_stream(config)
