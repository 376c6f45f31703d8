import json
import logging

from shared.logs import JsonFormatter, request_id_var, tenant_var


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
