"""Structured JSON logs. Ids travel as fields (request_id, tenant, event_id), never formatted into the
message, so that a log search can filter on them."""

from __future__ import annotations

import contextvars
import logging
import sys
from datetime import UTC, datetime
from typing import Any

import msgspec

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
tenant_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("tenant", default=None)
traceparent_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("traceparent", default=None)
"""W3C trace context of the work in hand: from the request's `traceparent` header, or from the event being
applied. Events staged meanwhile carry it on, so one trace follows a request across services."""

ENCODER = msgspec.json.Encoder(enc_hook=str)
"""JSON of a log line: any value JSON has no type for (a UUID, a date, an exception) as its text."""
_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := request_id_var.get()) is not None:
            entry["request_id"] = request_id
        if (tenant := tenant_var.get()) is not None:
            entry["tenant"] = tenant
        if (traceparent := traceparent_var.get()) is not None:
            entry["trace_id"] = traceparent.split("-")[1] if traceparent.count("-") == 3 else traceparent
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return ENCODER.encode(entry).decode()


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    # What a log line never shows is not worked out for every record (the logging HOWTO's "Optimization"): the
    # caller's file and line (a walk up the stack), the thread's and process's names. A request writes one line.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stdout)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log repeats what our request middleware logs as a structured line.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request it sends at INFO: one more line per request the gateway forwards (and per token
    # fetch), which repeats the request line the middleware already writes and costs a few percent of each
    # request. Its warnings and errors still come through.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
