"""The event pipeline's metrics, on every service's /metrics beside the HTTP ones (shared.requests): what the
alert rules in deploy/k8s/base/monitoring.yaml watch (docs/operations.md says what each alert means)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

PUBLISHED = Counter("regie_events_published_total", "Events the outbox relay published", ["producer"])
PUBLISH_FAILURES = Counter("regie_outbox_publish_failures_total",
                           "Outbox rows whose publication failed (kept, tried again)")
OLDEST_UNSENT = Gauge("regie_outbox_oldest_unsent_seconds",
                      "Age of the oldest outbox row the relay found unpublished in its last round (0: none)")
APPLIED = Counter("regie_events_applied_total", "Events a consumer applied", ["consumer"])
RETRIED = Counter("regie_events_retried_total", "Deliveries a consumer failed and will get again", ["consumer"])
DEAD_LETTERED = Counter("regie_events_dead_lettered_total", "Events a consumer gave up on (dead letters)",
                        ["consumer"])
