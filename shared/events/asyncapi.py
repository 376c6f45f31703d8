"""The AsyncAPI 3.0 document of every event Regie publishes, generated from the producers' contracts
(services/<name>/events/published.py), so it cannot drift from the code.

    python -m shared.events.asyncapi            # writes docs/asyncapi.json
    python -m shared.events.asyncapi --check    # exit 1 when docs/asyncapi.json is stale (the tests run this)
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from shared.events.envelope import TYPE_PATTERN, Envelope, EventData
from shared.events.streams import PRODUCERS
from shared.generated import write_or_check

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def published_events() -> list[type[EventData]]:
    events: list[type[EventData]] = []
    for service in PRODUCERS:
        module = importlib.import_module(f"services.{service}.events.published")
        events += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                   if issubclass(cls, EventData) and cls is not EventData and cls.__module__ == module.__name__]
    return sorted(events, key=lambda cls: cls.event_type)


def document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    envelope_schema = msgspec.json.schema(Envelope)
    events = published_events()
    names = [cls.__name__ for cls in events]
    for cls in events:
        match = TYPE_PATTERN.match(cls.event_type)
        assert match is not None, cls.event_type
        service, name = match["service"], match["name"]
        # A name several producers publish (the notices' events) is told apart by its producer.
        key = cls.__name__ if names.count(cls.__name__) == 1 else f"{service.capitalize()}{cls.__name__}"
        payload = msgspec.json.schema(cls)
        channels[key] = {
            "address": f"{service}.{{tenant}}.{name}",
            "parameters": {"tenant": {"description": "the province",
                                      "enum": ["antwerpen", "limburg", "oost-vlaanderen", "vlaams-brabant",
                                               "west-vlaanderen"]}},
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"publish{key}"] = {"action": "send", "channel": {"$ref": f"#/channels/{key}"},
                                       "summary": (cls.__doc__ or "").strip() or cls.event_type}
        messages[key] = {
            "name": cls.event_type,
            "contentType": "application/json",
            "headers": {"type": "object", "properties": {"Nats-Msg-Id": {"type": "string",
                                                                         "description": "= the event id"}}},
            "summary": f"CloudEvents 1.0 envelope of type {cls.event_type}; `data` is the payload schema",
            "payload": {"allOf": [{"$ref": "#/components/schemas/Envelope"},
                                  {"type": "object", "properties": {"data": payload["$defs"][cls.__name__],
                                                                    "type": {"const": cls.event_type}}}]},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Regie events", "version": "1",
                 "description": "Events between Regie's services over NATS JetStream: one stream per producer "
                                "(GRANTS, PARTNERS, FOODSAVERS), published through a transactional outbox with "
                                "Nats-Msg-Id = event id, consumed by durable consumers with an inbox."},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": {"Envelope": envelope_schema["$defs"]["Envelope"]}},
    }


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> int:
    return write_or_check(OUTPUT, render, "python -m shared.events.asyncapi")


if __name__ == "__main__":
    sys.exit(main())
