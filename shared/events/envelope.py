"""The event envelope, after CloudEvents 1.0, JSON on the wire.

`type` is versioned and names the producer: `be.regie.<service>.<aggregate>.<event>.v<N>`. The NATS subject
is derived from it with the tenant put in: `<service>.<tenant>.<aggregate>.<event>`, so a consumer can filter
by tenant, aggregate or event with plain subject wildcards."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import msgspec

from shared.ids import uuid7
from shared.tenancy import is_tenant

T = TypeVar("T")

TYPE_PATTERN = re.compile(r"^be\.regie\.(?P<service>[a-z]+)\.(?P<name>[a-z][a-z0-9_.-]*)\.v(?P<version>\d+)$")


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    type: str
    source: str
    subject: str
    time: datetime
    tenant: str
    data: dict[str, Any]
    specversion: str = "1.0"
    datacontenttype: str = "application/json"
    traceparent: str | None = None

    @property
    def nats_subject(self) -> str:
        return nats_subject(self.type, self.tenant)


class EventData(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every published event's payload. Subclasses set `event_type` (the versioned CloudEvents
    type) and declare their fields: that struct is the producer's public contract."""

    event_type: ClassVar[str]


class InvalidEvent(ValueError):
    """A message that cannot be an event: it is dead-lettered at once, never retried."""


def nats_subject(event_type: str, tenant: str) -> str:
    match = TYPE_PATTERN.match(event_type)
    if match is None:
        raise InvalidEvent(f"event type {event_type!r} is not be.regie.<service>.<aggregate>.<event>.v<N>")
    return f"{match['service']}.{tenant}.{match['name']}"


def make_envelope(data: EventData, *, tenant: str, subject: str, traceparent: str | None = None) -> Envelope:
    if not is_tenant(tenant):
        raise InvalidEvent(f"unknown tenant {tenant!r}")
    match = TYPE_PATTERN.match(data.event_type)
    if match is None:
        raise InvalidEvent(f"event type {data.event_type!r} is not versioned as be.regie.<service>.<…>.v<N>")
    return Envelope(
        id=str(uuid7()),
        type=data.event_type,
        source=f"/regie/{match['service']}",
        subject=subject,
        time=datetime.now(UTC),
        tenant=tenant,
        data=msgspec.to_builtins(data),
        traceparent=traceparent,
    )


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)


def encode(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode(payload: bytes) -> Envelope:
    try:
        envelope = _decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise InvalidEvent(f"not an event envelope: {exc}") from exc
    if not is_tenant(envelope.tenant):
        raise InvalidEvent(f"unknown tenant {envelope.tenant!r}")
    return envelope


def check_origin(envelope: Envelope, came_on: str, producer: str) -> None:
    """An event is what its subject and stream say it is, or it is refused (InvalidEvent): read from
    `producer`'s stream on the subject `came_on`, its type names that producer, its source is that producer's,
    and `came_on` is the subject its type and tenant make (<producer>.<tenant>.<aggregate>.<event>). A consumer
    applies nothing before this holds: an envelope claiming another province, or another service, than the
    subject it came on (which only the producer may publish on) is forged."""
    match = TYPE_PATTERN.match(envelope.type)
    if match is None:
        raise InvalidEvent(f"event type {envelope.type!r} is not be.regie.<service>.<aggregate>.<event>.v<N>")
    if match["service"] != producer or envelope.source != f"/regie/{producer}":
        raise InvalidEvent(f"event {envelope.id} of type {envelope.type} from {envelope.source} on {producer}'s "
                           "stream: the producer does not match")
    expected = nats_subject(envelope.type, envelope.tenant)
    if came_on != expected:
        raise InvalidEvent(f"event {envelope.id} for {envelope.tenant} of type {envelope.type} came on {came_on}, "
                           f"not on {expected}: the subject does not match")


def data_as(envelope: Envelope, kind: type[T]) -> T:
    """A consumer's own typed copy of the fields it reads (contracts are copied, not shared)."""
    try:
        return msgspec.convert(envelope.data, kind)
    except msgspec.ValidationError as exc:
        raise InvalidEvent(f"{envelope.type} {envelope.id}: {exc}") from exc
