"""One table of every figure `make bench` measured: bench/results/latest.json (one entry per metric: value, unit,
the raw baseline measured in the same run where the metric has one, the ratio, the goal, pass or fail, and the
machine's core count) and bench/results/latest.md (the same as a Markdown table, which the README shows).

Read from the results each benchmark wrote in this run (bench/results/<name>.json); a benchmark that did not run
or failed to write leaves its metrics out, and the table says so.

    python -m bench.summary"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def save(path: Path, figures: dict[str, Any]) -> None:
    """One benchmark's results file (bench/results/<name>.json), which the table below is read from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n")

RESULTS = Path(__file__).parent / "results"


def metric(name: str, value: float, unit: str, goal: str, passed: bool, *, baseline: float | None = None,
           baseline_unit: str | None = None, ratio: float | None = None, note: str = "") -> dict[str, Any]:
    return {"metric": name, "value": value, "unit": unit, "baseline": baseline, "baseline_unit": baseline_unit,
            "ratio": ratio, "goal": goal, "pass": passed, "note": note}


def catalogue(r: dict[str, Any]) -> list[dict[str, Any]]:
    a = r["all"]
    return [metric("catalogue search, 50,000 organisations, API and page mixed, p95", a["p95_ms"], "ms",
                   "≤ 50 ms", a["p95_ms"] <= 50 and a["failures"] == 0,
                   note=f"{a['requests_per_second']} requests/s at {r['clients']} connections through the gateway")]


def dashboard(r: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    labels = {"api": "as coordinators read them", "while_syncing": "while a phone syncs every second",
              "computed_one": "one read computed from the rollups"}
    for key, label in labels.items():
        m = r[key]
        rows.append(metric(f"impact dashboard totals over 10 M pickup lines, {label}, p95", m["p95_ms"], "ms",
                           "≤ 100 ms", m["p95_ms"] <= 100 and m["failures"] == 0,
                           note=f"{m['requests_per_second']} requests/s at {m['connections']} connection(s)"))
    m = r["computed_all"]
    rows.append(metric("impact dashboard, 16 different periods computed at once, p95", m["p95_ms"], "ms",
                       "reported", True, note="the machine's limit: PostgreSQL summing 16 periods' edge days"))
    return rows


def sync(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [metric("pickup sync through the gateway, batches of 500 lines", r["lines_per_s"], "lines/s",
                   f"ratio ≥ {r['goal']}", bool(r["pass"]), baseline=r["copy_rows_per_s"],
                   baseline_unit="rows/s (COPY)", ratio=r["ratio"])]


def submissions(r: dict[str, Any]) -> list[dict[str, Any]]:
    b = r["baseline"]
    return [
        metric(f"submissions at the deadline through the API ({r['applicants']} applicants, {r['retries']} retries, "
               f"{r['late']} late), p95", r["p95_ms"], "ms", f"≤ {r['goal_ratio']:.0f}× the baseline's",
               r["ratio"] is not None and r["ratio"] <= r["goal_ratio"], baseline=b["p95_ms"],
               baseline_unit="ms (single-row UPDATE, asyncpg)", ratio=r["ratio"],
               note=f"{r.get('deadlines', 1)} deadline(s), p95 of all their requests; each alone "
                    f"{', '.join(f'{x}×' for x in r.get('ratio_of_each', [r['ratio']]))}; "
                    f"{r['accepted']} accepted, {r['refused']} refused"),
        metric("submissions lost or doubled (rows, outbox, stream, call.closed)", r["lost"] + r["doubled"],
               "submissions", "0", r["lost"] + r["doubled"] == 0 and all(r["checks"].values()),
               note=", ".join(name for name, ok in r["checks"].items() if not ok)),
    ]


def ranking(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [metric(f"ranking and selection, {r['applications']:,} applications, {r['jurors']} jurors, "
                   f"{r['criteria']} criteria, explanations, median", r["median_ms"], "ms",
                   f"≤ {r['limit_ms']:.0f} ms", bool(r["passed"]),
                   note=f"best {r['best_ms']} ms of {r['runs']} runs, in-process")]


def report(r: dict[str, Any]) -> list[dict[str, Any]]:
    slowest = max(t["median_ms"] for t in r["timings"].values())
    return [metric("yearly coordination report, 200 indicators, slowest of PDF/XLSX in-process and over HTTP",
                   slowest, "ms", f"≤ {r['limit_ms']:.0f} ms", bool(r["passed"]))]


def tenant_read(r: dict[str, Any]) -> list[dict[str, Any]]:
    raw, straight, gateway = r["raw"], r["straight"], r["gateway"]
    f, goals, ok = r["figures"], r["goals"], r["passed"]
    placed = r.get("placement")  # (not in runs before 5 December, fourth session)
    at = f"{r['connections']} connections" + (f"; {placed}" if placed else "")

    def cpu(way: dict[str, Any], bare: dict[str, Any] = raw) -> str:
        spent = way.get("cpu_us_per_read")  # (not in runs before 4 December afternoon)
        return "" if not spent else "; CPU per read " + " + ".join(f"{n} {us} µs" for n, us in spent.items()) + \
            f" (bare app {bare['cpu_us_per_read']['bare app']} µs)"

    shared = r.get("shared")
    return [
        metric("tenant-scoped read through the gateway (one organisation by id, a real token)",
               gateway["requests_per_second"], "requests/s", f"ratio ≥ {goals['gateway_ratio']}",
               ok["gateway_ratio"], baseline=raw["requests_per_second"], baseline_unit="requests/s (bare app)",
               ratio=f["gateway_ratio"], note=at + cpu(gateway)),
        metric("the same read through the gateway, p99", gateway["p99_ms"], "ms",
               f"≤ {goals['gateway_p99_vs_raw']}× the baseline's", ok["gateway_p99_vs_raw"], baseline=raw["p99_ms"],
               baseline_unit="ms (bare app)", ratio=f["gateway_p99_vs_raw"]),
        metric("the same read straight at partners", straight["requests_per_second"], "requests/s",
               f"ratio ≥ {goals['straight_ratio']}", ok["straight_ratio"], baseline=raw["requests_per_second"],
               baseline_unit="requests/s (bare app)", ratio=f["straight_ratio"], note=at + cpu(straight)),
        metric("gateway overhead at p50 (through the gateway / straight − 1)", round(100 * f["overhead_p50"], 1),
               "%", f"≤ {100 * goals['overhead_p50']:.0f} %", ok["overhead_p50"], note=placed or ""),
        metric("gateway overhead at p99", round(100 * f["overhead_p99"], 1), "%",
               f"≤ {100 * goals['overhead_p99']:.0f} %", ok["overhead_p99"], note=placed or ""),
        *([] if not shared else [  # the same five ways as the scheduler placed them, in the same run
            metric("the same read through the gateway, every process on every core (as the scheduler places "
                   "them: the hop takes turns with partners on its core)", shared["gateway"]["requests_per_second"],
                   "requests/s", "reported", True, baseline=shared["raw"]["requests_per_second"],
                   baseline_unit="requests/s (bare app)", ratio=shared["figures"]["gateway_ratio"],
                   note=f"straight {shared['straight']['requests_per_second']} requests/s (ratio "
                        f"{shared['figures']['straight_ratio']})" + cpu(shared["gateway"], shared["raw"])),
            metric("gateway overhead at p50, every process on every core", round(
                100 * shared["figures"]["overhead_p50"], 1), "%", "reported", True,
                note=f"p99 {round(100 * shared['figures']['overhead_p99'], 1)} %; the bare forwarder p50 "
                     f"{round(100 * shared['floor']['overhead_p50'], 1)} %, the lean one "
                     f"{round(100 * shared['lean_overhead']['overhead_p50'], 1)} %")]),
        *([] if "floor" not in r else [  # (not in runs before 5 December morning)
            metric("a bare forwarder's overhead at p50, for scale (bench/raw_forward.py: a hop doing nothing else)",
                   round(100 * r["floor"]["overhead_p50"], 1), "%", "reported", True,
                   note=f"p99 {round(100 * r['floor']['overhead_p99'], 1)} %" + cpu(r["forwarder"]))]),
        *([] if "lean_overhead" not in r else [  # (not in runs before 5 December, second session)
            metric("the lean forwarder's overhead at p50, for scale (bench/lean_forward.py: the gateway's work per "
                   "read inline, at its cheapest in Python)", round(100 * r["lean_overhead"]["overhead_p50"], 1), "%",
                   "reported", True,
                   note=f"p99 {round(100 * r['lean_overhead']['overhead_p99'], 1)} %" + cpu(r["lean"]))]),
    ]


def startup_memory(r: dict[str, Any]) -> list[dict[str, Any]]:
    f, goals, ok = r["figures"], r["goals"], r["passed"]
    slowest = max(r["services_s"], key=r["services_s"].get)
    return [
        metric("start-up: every component and service ready, downloads cached", f["startup_s"], "s",
               f"≤ {goals['startup_s']:.0f} s", ok["startup_s"], note=f"components {f['components_s']} s"),
        metric("start-up of the slowest service to ready", f["service_s"], "s", f"≤ {goals['service_s']:.0f} s",
               ok["service_s"], note=slowest),
        metric("memory of the whole platform (PSS, Keycloak included), idle", f["idle_gib"], "GiB",
               f"≤ {goals['idle_gib']} GiB", ok["idle_gib"], note=f"{r['processes']} processes"),
        metric("memory under the read load (highest)", f["load_gib"], "GiB", f"≤ {goals['load_gib']} GiB",
               ok["load_gib"]),
    ]


def event_relay(r: dict[str, Any]) -> list[dict[str, Any]]:
    relay = r["relay"]
    return [metric(f"event relay throughput: outbox rows committed by {relay['writers']} writers, relayed to JetStream "
                   "and deleted once acked", r["per_second"], "rows/s", f"ratio ≥ {r['goal']}, sustained 60 s, 0 lost",
                   bool(r["pass"]), baseline=r["baseline_per_second"],
                   baseline_unit="messages/s (JetStream async publish, 256 acks outstanding)", ratio=r["ratio"],
                   note=f"{relay['seconds']} s, {r['lost']} lost, {r['doubled']} doubled; lowest backlog "
                        f"{relay['lowest_backlog']}")]


def event_latency(r: dict[str, Any]) -> list[dict[str, Any]]:
    services, raw = r["services"], r["baseline"]
    return [metric(f"event latency across services: commit in grants → effect committed in partners, at "
                   f"{r['rate']:,.0f} events/s, p99", services["p99_ms"], "ms",
                   f"≤ {r['goals']['p99_ms']:.0f} ms and ≤ {r['goals']['vs_baseline']:.0f}× the baseline's",
                   bool(r["pass"]), baseline=raw["p99_ms"],
                   baseline_unit="ms (JetStream publish → durable pull consumer)", ratio=r["vs_baseline"],
                   note=f"p50 {services['p50_ms']} ms, {services['rate_per_second']} events/s committed, "
                        f"{services['lost']} lost, {services['clock']}")]


READERS: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "ranking": ranking, "submit_load": submissions,
    "tenant_read": tenant_read, "catalogue_search": catalogue, "foodsavers_dashboard": dashboard,
    "foodsavers_sync": sync, "startup_memory": startup_memory,
    "partners_report": report, "event_relay": event_relay, "event_latency": event_latency,
}


def summarise(results: Path = RESULTS, since: float | None = None) -> dict[str, Any]:
    """Every metric of the result files (those written since `since`, a timestamp, when given)."""
    metrics: list[dict[str, Any]] = []
    missing: list[str] = []
    for name, read in READERS.items():
        path = results / f"{name}.json"
        if not path.exists() or (since is not None and path.stat().st_mtime < since):
            missing.append(name)
            continue
        metrics += read(json.loads(path.read_text()))
    return {"at": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(), "metrics": metrics,
            "not_run": missing, "pass": all(m["pass"] for m in metrics) and not missing}


def markdown(summary: dict[str, Any]) -> str:
    lines = [f"Measured {summary['at']} on {summary['cores']} cores.", "",
             "| metric | value | baseline (same run) | ratio | goal | |", "|---|---|---|---|---|---|"]
    for m in summary["metrics"]:
        baseline = f"{m['baseline']:,} {m['baseline_unit']}" if m["baseline"] is not None else "—"
        ratio = f"{m['ratio']}" if m["ratio"] is not None else "—"
        note = f" ({m['note']})" if m["note"] else ""
        lines.append(f"| {m['metric']}{note} | {m['value']:,} {m['unit']} | {baseline} | {ratio} | {m['goal']} "
                     f"| {'pass' if m['pass'] else 'FAIL'} |")
    if summary["not_run"]:
        lines += ["", f"Not measured in this run: {', '.join(summary['not_run'])}."]
    return "\n".join(lines) + "\n"


def write(since: float | None = None) -> dict[str, Any]:
    summary = summarise(since=since)
    (RESULTS / "latest.json").write_text(json.dumps(summary, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(summary))
    return summary


if __name__ == "__main__":
    print(markdown(write()), end="")
    sys.exit(0)
