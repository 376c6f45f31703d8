"""Structured JSON logs. Ids travel as fields (request_id, tenant, event_id), never formatted into the
message, so that a log search can filter on them."""

from __future__ import annotations

import atexit
import contextvars
import logging
import math
import sys
import threading
import time
import weakref
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
        fields = {key: value for key, value in record.__dict__.items()
                  if key not in _STANDARD_ATTRS and not key.startswith("_")}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return self.line(record.created, record.levelname.lower(), record.name, record.getMessage(), fields)

    def line(self, created: float, level: str, logger: str, message: str, fields: dict[str, Any]) -> str:
        entry: dict[str, Any] = {
            "time": timestamp(created),
            "level": level,
            "service": self.service,
            "logger": logger,
            "message": message,
        }
        if (request_id := request_id_var.get()) is not None:
            entry["request_id"] = request_id
        if (tenant := tenant_var.get()) is not None:
            entry["tenant"] = tenant
        if (traceparent := traceparent_var.get()) is not None:
            entry["trace_id"] = traceparent.split("-")[1] if traceparent.count("-") == 3 else traceparent
        entry.update(fields)
        return ENCODER.encode(entry).decode()


_second: tuple[int, str] = (-1, "")
"""The last second a line was written in, as text: a busy service writes many lines a second (one per request)."""


def timestamp(created: float) -> str:
    """`created` (seconds since the epoch) as RFC 3339 in UTC to the millisecond: 2026-12-05T07:30:00.123Z."""
    global _second
    fraction, whole = math.modf(created)
    microseconds = round(fraction * 1e6)  # as datetime.fromtimestamp rounds
    second, millisecond = int(whole) + microseconds // 1_000_000, microseconds % 1_000_000 // 1000
    kept = _second  # read once: another thread may replace it meanwhile
    if second != kept[0]:
        kept = _second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{kept[1]}.{millisecond:03d}Z"


class BatchedHandler(logging.StreamHandler):
    """Writes its lines in batches: at most `FLUSH_SECONDS` after they were logged (a daemon thread sees to it
    when nothing else is logged), at once for a warning or an error, and at exit. A line per request, each its
    own write system call, was a tenth of a service's CPU on a cheap read; batched, a busy second costs a few
    writes. The price: a process killed outright (SIGKILL, out of memory) loses at most that last fraction of a
    second of its information lines; never a warning or an error."""

    FLUSH_SECONDS = 0.5
    _open: weakref.WeakSet[BatchedHandler] = weakref.WeakSet()
    _flusher: threading.Thread | None = None

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._due = time.monotonic() + self.FLUSH_SECONDS
        BatchedHandler._open.add(self)
        if BatchedHandler._flusher is None:
            BatchedHandler._flusher = threading.Thread(target=_flush_now_and_then, name="log-flush", daemon=True)
            BatchedHandler._flusher.start()
            atexit.register(_flush_all)

    def write(self, line: str, urgent: bool) -> None:
        """A line already formatted (`log_line`), with the handler's batching."""
        with self.lock:  # type: ignore[union-attr]
            self._pending.append(line + self.terminator)
            if urgent or time.monotonic() >= self._due:
                self.flush()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write(self.format(record), urgent=record.levelno >= logging.WARNING)
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging's own way: report on stderr, never raise into the caller
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._due = time.monotonic() + self.FLUSH_SECONDS
            if self._pending:
                lines, self._pending = "".join(self._pending), []
                self.stream.write(lines)
            if self.stream and hasattr(self.stream, "flush"):
                self.stream.flush()


def _flush_all() -> None:
    for handler in list(BatchedHandler._open):
        if handler._pending:
            handler.flush()


def _flush_now_and_then() -> None:
    while True:
        time.sleep(BatchedHandler.FLUSH_SECONDS)
        _flush_all()


_direct: BatchedHandler | None = None
"""The JSON handler `log_line` writes to, when it is the only way out (configure_logging)."""


def log_line(logger: logging.Logger, level: int, message: str, fields: dict[str, Any]) -> None:
    """`logger.log(level, message, extra=fields)`, the same line, without a LogRecord on its way through the
    logging module (its record, filters and formatter's walk over the record were a tenth of the gateway's CPU
    per forwarded read: the request line is written for every request). Any other set-up (text, a test's
    capture, a handler of the logger's own) goes the usual way."""
    if not logger.isEnabledFor(level):
        return
    handler = _direct
    if handler is None or logger.handlers or not isinstance(handler.formatter, JsonFormatter):
        logger.log(level, message, extra=fields)
        return
    handler.write(handler.formatter.line(time.time(), logging.getLevelName(level).lower(), logger.name, message,
                                         fields), urgent=level >= logging.WARNING)


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    # What a log line never shows is not worked out for every record (the logging HOWTO's "Optimization"): the
    # caller's file and line (a walk up the stack), the thread's and process's names. A request writes one line.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = BatchedHandler(sys.stdout)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    global _direct
    _direct = handler if fmt == "json" else None
    root.setLevel(level.upper())
    # uvicorn's access log repeats what our request middleware logs as a structured line.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request it sends at INFO: one more line per request the gateway forwards (and per token
    # fetch), which repeats the request line the middleware already writes and costs a few percent of each
    # request. Its warnings and errors still come through.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
