"""Who may say what on NATS: one user per service, allowed the subjects its own work needs and no other.

A producing service publishes its own events (`<service>.>`) and its own dead letters (`dlq.<service>.>`);
it may create any of the platform's streams (so a consumer can start before its producer; creating an
existing stream with the same configuration is a no-op and a different one is refused) but update only its
own; it reads the other streams through durable pull consumers (create, info, next, ack) and never deletes
or purges a stream; it deletes single messages of its own stream only for a personal data
erasure. The gateway publishes no event: it keeps its rate-limit counters and the integration
tokens' bucket. Replies come back on `_INBOX.>`. Operators (and the local stack's tools and tests) use an
admin user with every right.

devstack writes these into the local nats-server's configuration; deploy/k8s/base/nats.yaml carries the same
lists (checked offline against this module)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from shared.events.streams import DEAD_LETTER_STREAM, PRODUCERS, stream_name

GATEWAY_STREAMS = ("RATELIMIT", "KV_INTEGRATIONS")
"""The gateway's own: the shared rate-limit counters (subjects ratelimit.>) and the integration tokens' bucket."""
ADMIN_USER = "regie-admin"


def _consuming(streams: list[str]) -> list[str]:
    """Durable (or ephemeral) pull consumers on these streams, and the acks of what they receive."""
    rights = []
    for stream in streams:
        rights += [f"$JS.API.CONSUMER.CREATE.{stream}", f"$JS.API.CONSUMER.CREATE.{stream}.>",
                   f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.*",
                   f"$JS.API.CONSUMER.INFO.{stream}.*", f"$JS.API.CONSUMER.MSG.NEXT.{stream}.*",
                   f"$JS.ACK.{stream}.>"]
    return rights


def publish_rights(service: str) -> list[str]:
    if service == "gateway":
        return [
            "$JS.API.INFO", "ratelimit.>", "$KV.INTEGRATIONS.>",
            *(f"$JS.API.STREAM.{verb}.{stream}" for stream in GATEWAY_STREAMS for verb in ("INFO", "CREATE", "UPDATE")),
            *_consuming(["KV_INTEGRATIONS"]), "$JS.API.CONSUMER.DELETE.KV_INTEGRATIONS.*",
            "$JS.API.DIRECT.GET.KV_INTEGRATIONS.>", "$JS.API.STREAM.MSG.GET.KV_INTEGRATIONS", "$JS.FC.>",
        ]
    if service not in PRODUCERS:
        raise ValueError(f"no NATS user for {service!r}")
    streams = [stream_name(producer) for producer in PRODUCERS] + [DEAD_LETTER_STREAM]
    own = stream_name(service)
    return [
        f"{service}.>", f"dlq.{service}.>", "$JS.API.INFO",
        *(f"$JS.API.STREAM.{verb}.{stream}" for stream in streams for verb in ("INFO", "CREATE")),
        f"$JS.API.STREAM.UPDATE.{own}",
        # A personal data erasure: its own messages naming the person, found by an ephemeral consumer.
        f"$JS.API.STREAM.MSG.DELETE.{own}", f"$JS.API.CONSUMER.DELETE.{own}.*",
        *_consuming(streams),
        # Its dead letters: listed through ephemeral consumers (deleted after), removed once replayed.
        f"$JS.API.CONSUMER.DELETE.{DEAD_LETTER_STREAM}.*", f"$JS.API.STREAM.MSG.DELETE.{DEAD_LETTER_STREAM}",
        f"$JS.API.STREAM.MSG.GET.{DEAD_LETTER_STREAM}",
    ]


def permissions(service: str) -> dict[str, dict[str, list[str]]]:
    """The nats-server `permissions` block of the service's user."""
    return {"publish": {"allow": publish_rights(service)}, "subscribe": {"allow": ["_INBOX.>"]}}


def password_variable(user: str) -> str:
    """The environment variable the server reads a user's password from: NATS_PASSWORD_GRANTS, …"""
    return "NATS_PASSWORD_" + user.removeprefix("regie-").upper()


def server_authorization(services: Iterable[str]) -> str:
    """The nats-server `authorization` block: the admin and each service's user, passwords read from the
    server's environment (never in the file). The local stack and deploy/k8s load this same text."""
    lines = ["# Written from shared/events/permissions.py; do not edit by hand.", "authorization {", "  users: ["]
    lines.append(f"    {{user: {json.dumps(ADMIN_USER)}, password: ${password_variable(ADMIN_USER)}}}")
    for service in services:
        lines.append(f"    {{user: {json.dumps(service)}, password: ${password_variable(service)}, permissions: {{")
        for direction, rights in permissions(service).items():
            lines.append(f"      {direction}: {{allow: [")
            lines += [f"        {json.dumps(subject)}" for subject in rights["allow"]]
            lines.append("      ]}")
        lines.append("    }}")
    lines += ["  ]", "}", ""]
    return "\n".join(lines)
