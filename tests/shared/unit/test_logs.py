import io
import json
import logging
import time

from shared import logs
from shared.logs import BatchedHandler, JsonFormatter, log_line, request_id_var, tenant_var


def test_log_lines_are_json_with_request_id_tenant_and_fields() -> None:
    formatter = JsonFormatter("grants")
    request_token, tenant_token = request_id_var.set("req-1"), tenant_var.set("limburg")
    try:
        record = logging.LogRecord("regie.test", logging.INFO, __file__, 1, "event applied", (), None)
        record.event_id = "e-9"
        line = json.loads(formatter.format(record))
    finally:
        request_id_var.reset(request_token)
        tenant_var.reset(tenant_token)
    assert line["message"] == "event applied"
    assert line["service"] == "grants"
    assert line["request_id"] == "req-1"
    assert line["tenant"] == "limburg"
    assert line["event_id"] == "e-9"
    assert line["level"] == "info"
    assert line["time"].endswith("Z")


class CountingStream(io.StringIO):
    """A stream that counts its writes: what a write system call per line would cost."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_information_lines_are_written_in_batches_within_the_flush_interval_and_warnings_at_once() -> None:
    stream = CountingStream()
    handler = BatchedHandler(stream)
    handler.setFormatter(JsonFormatter("partners"))
    logger = logging.getLogger("regie.test.batched")
    logger.handlers[:], logger.propagate, logger.level = [handler], False, logging.INFO
    try:
        for n in range(200):
            logger.info("request", extra={"n": n})
        assert stream.writes <= 1  # 200 lines, at most one write (if the interval passed meanwhile)
        logger.warning("upstream unreachable")
        assert stream.writes <= 2
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        assert [line.get("n") for line in lines[:200]] == list(range(200)) and lines[200]["level"] == "warning"

        logger.info("later")
        deadline = time.monotonic() + 5 * BatchedHandler.FLUSH_SECONDS
        while "later" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)  # nothing else logged: the flushing thread writes it
        assert json.loads(stream.getvalue().splitlines()[-1])["message"] == "later"
    finally:
        logger.handlers[:] = []


def test_a_line_written_directly_is_the_line_the_logging_module_writes(monkeypatch) -> None:
    stream = CountingStream()
    handler = BatchedHandler(stream)
    handler.setFormatter(JsonFormatter("gateway"))
    monkeypatch.setattr(logs, "_direct", handler)
    logger = logging.getLogger("regie.test.direct")
    logger.setLevel(logging.INFO)
    fields = {"method": "GET", "path": "/limburg/api/partners/x", "route": "/{tenant}/api/{service}/{rest}",
              "status": 200, "duration_ms": 1.5}
    request_token, tenant_token = request_id_var.set("req-7"), tenant_var.set("limburg")
    try:
        log_line(logger, logging.INFO, "request", fields)
        log_line(logger, logging.DEBUG, "not written", fields)
        record = logging.LogRecord("regie.test.direct", logging.INFO, __file__, 1, "request", (), None)
        record.__dict__.update(fields)
        through_logging = json.loads(handler.format(record))
        assert stream.writes == 0  # batched
        log_line(logger, logging.WARNING, "request", {**fields, "status": 502})
    finally:
        request_id_var.reset(request_token)
        tenant_var.reset(tenant_token)
    direct, warning = (json.loads(line) for line in stream.getvalue().splitlines())  # the warning flushed both
    assert {**direct, "time": None} == {**through_logging, "time": None}
    assert direct["time"].endswith("Z") and direct["request_id"] == "req-7" and direct["tenant"] == "limburg"
    assert (warning["level"], warning["status"]) == ("warning", 502)


def test_a_lines_time_is_rfc3339_utc_to_the_millisecond_also_across_seconds_and_rounding() -> None:
    """The second's text is kept between lines: the next second, an earlier one (a clock set back) and a time a
    hair below a whole second (rounded up, as datetime rounds it) each get their own."""
    from datetime import UTC, datetime

    moments = [1764921600.123, 1764921600.999, 1764921601.0004, 1764921599.5, 1.9999996, 0.0, 1764921601.9999999]
    for created in moments:
        expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert logs.timestamp(created) == expected
    assert logs.timestamp(1764921601.9999999) == "2025-12-05T08:00:02.000Z"
