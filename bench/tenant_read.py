"""A tenant-scoped read, three ways in one run with the same load generator (wrk, 64 connections, 10 s each):
one organisation by id with a real token through the gateway, the same straight at partners, and the raw baseline
(bench/raw_read.py: a bare Litestar app doing the same primary-key SELECT through an asyncpg pool, no auth, no
gateway). Reports throughput ratios to the baseline, the p99s and the gateway's overhead over the straight read
(issue 12's first three rows); and, for scale, the overhead of a bare forwarder in front of partners
(bench/raw_forward.py: a hop that does nothing else), a fourth way in the same run; and a fifth, the lean
forwarder (bench/lean_forward.py: the bare one plus the work the gateway must do per read, inline, as cheaply as
plain Python allows): a lower bound of the gateway's read in Python.

The five ways run twice: as the scheduler places the processes, then with the service under test on a core of its
own and everything else on the other cores (bench/placement.py), as a deployment would give each its own CPU. The
goals are judged on the second, on a machine of two cores or more; the first is reported beside it: on two cores
shared by the service, the hop, PostgreSQL and the load generator, the hop's overhead measures where the
scheduler puts it as much as what it costs (bench/README.md, "A core of its own"). Writes
bench/results/tenant_read.json.

    python -m bench.tenant_read [--connections 64] [--seconds 10] [--profile test]"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.catalogue_search import enterprise_number
from bench.foodsavers_sync import started
from bench.load import wrk_run
from bench.placement import alone_on_a_core
from bench.summary import save
from devstack.config import StackConfig
from devstack.platform import service_url
from devstack.processes import running_pid

TENANT = "antwerpen"
RESULTS = Path(__file__).parent / "results" / "tenant_read.json"
RAW_PORT_OFFSET = 950
FORWARD_PORT_OFFSET = 951
LEAN_PORT_OFFSET = 952
WARM_UP_SECONDS = 3.0
WAYS = ("raw", "straight", "gateway", "forwarder", "lean")
GOALS = {"gateway_ratio": 0.5, "straight_ratio": 0.7, "gateway_p99_vs_raw": 2.0, "overhead_p50": 0.15,
         "overhead_p99": 0.25}


async def organisation_and_token(config: StackConfig) -> tuple[str, str]:
    """A coordinator's token and the id of an organisation of the province (registered when there is none)."""
    async with httpx.AsyncClient(timeout=30) as http:
        token = (await http.post(f"{config.keycloak_url}/realms/{TENANT}/protocol/openid-connect/token", data={
            "grant_type": "password", "client_id": "regie-cli", "username": "coordinator",
            "password": "demo"})).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{config.gateway_url}/{TENANT}/api/partners/organisations"
        found = (await http.get(url, params={"limit": 1}, headers=headers)).json()["items"]
        if found:
            return str(found[0]["id"]), token
        made = await http.post(url, headers=headers, json={
            "enterprise_number": enterprise_number(900_000 + int(time.time()) % 99_999),
            "name": "Bench leesorganisatie", "kind": "cooperative", "municipality": "Geel"})
        made.raise_for_status()
        return str(made.json()["id"]), token


def serving(module: str, port: int, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m <module> --port <port> <args>`, once it accepts connections: the process and its URL."""
    process = subprocess.Popen([sys.executable, "-m", module, "--port", str(port), *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{module} did not start")


def raw_app(config: StackConfig) -> tuple[subprocess.Popen[bytes], str]:
    """bench/raw_read.py: the raw baseline."""
    dsn = config.database_url("partners", "regie_app").replace("postgresql+asyncpg://", "postgresql://")
    return serving("bench.raw_read", config.port_base + RAW_PORT_OFFSET, "--dsn", dsn, "--tenant", TENANT)


def forwarder(config: StackConfig, module: str, offset: int) -> tuple[subprocess.Popen[bytes], str]:
    """bench/raw_forward.py (the floor of a hop's overhead on this machine) or bench/lean_forward.py (the
    gateway's work at its cheapest in Python) in front of partners."""
    return serving(module, config.port_base + offset,
                   "--upstream", service_url(config, "partners").removeprefix("http://"))


def overhead(way: dict[str, Any], straight: dict[str, Any]) -> dict[str, float]:
    """A way's p50 and p99 over the straight read's, less one."""
    return {"overhead_p50": round(way["p50_ms"] / straight["p50_ms"] - 1, 3),
            "overhead_p99": round(way["p99_ms"] / straight["p99_ms"] - 1, 3)}


def spent(pid: int) -> tuple[float, int]:
    """The CPU time (user and system) process `pid` and its children (PostgreSQL's backends) have used so far,
    and how often they were taken off a core while they could have run on (involuntary context switches)."""
    cpu, preempted = 0.0, 0
    top = psutil.Process(pid)
    for process in (top, *top.children(recursive=True)):
        try:
            times = process.cpu_times()
            cpu, preempted = cpu + times.user + times.system, preempted + process.num_ctx_switches().involuntary
        except psutil.Error:
            continue  # (a backend gone meanwhile)
    return cpu, preempted


def idle_seconds() -> float:
    """The time the machine's cores have been idle so far, summed."""
    times = psutil.cpu_times()
    return float(times.idle + getattr(times, "iowait", 0.0))


def measured(url: str, path: str, sent: dict[str, str], connections: int, seconds: float,
             serving: dict[str, int]) -> dict[str, Any]:
    """One wrk run, with the CPU each serving process spent per read (µs): unlike the throughput of a shared
    machine, it hardly drifts between runs, so a change in the read path shows in it first; and the share of a
    core each had, and how often per read it was taken off its core with work to do."""
    before = {name: spent(pid) for name, pid in serving.items()}
    idle_before, started_at = idle_seconds(), time.monotonic()
    figures = wrk_run(url, [path], sent, connections=connections, seconds=seconds)
    elapsed, reads = time.monotonic() - started_at, max(figures["requests"], 1)
    after = {name: spent(pid) for name, pid in serving.items()}
    figures["machine_busy_cores"] = round(psutil.cpu_count() - (idle_seconds() - idle_before) / elapsed, 2)
    figures["cpu_us_per_read"] = {name: round((after[name][0] - before[name][0]) / reads * 1e6) for name in serving}
    figures["core_share"] = {name: round((after[name][0] - before[name][0]) / elapsed, 2) for name in serving}
    figures["preempted_per_read"] = {name: round((after[name][1] - before[name][1]) / reads, 3) for name in serving}
    return figures


def run(ways: dict[str, tuple[str, str, dict[str, str], dict[str, int]]], connections: int,
        seconds: float) -> dict[str, Any]:
    """Each way warmed up first, unmeasured (pools filled, statements prepared, whatever a process does in its
    first seconds after start or after being moved to another core out of the figures), then each measured; the
    issue's figures from the measurements, with the two forwarders' overheads for scale."""
    for url, path, sent, _ in ways.values():
        wrk_run(url, [path], sent, connections=connections, seconds=WARM_UP_SECONDS)
    results = {way: measured(url, path, sent, connections, seconds, serving)
               for way, (url, path, sent, serving) in ways.items()}
    raw, straight, gateway = (results[way] for way in ("raw", "straight", "gateway"))
    figures = {
        "gateway_ratio": round(gateway["requests_per_second"] / raw["requests_per_second"], 3),
        "straight_ratio": round(straight["requests_per_second"] / raw["requests_per_second"], 3),
        "gateway_p99_vs_raw": round(gateway["p99_ms"] / raw["p99_ms"], 2),
        **overhead(gateway, straight),
    }
    # Reported, with no goal of their own: what a hop that does nothing else costs on this machine, in this run,
    # and one that does the gateway's work at its cheapest in Python.
    return {**results, "figures": figures, "floor": overhead(results["forwarder"], straight),
            "lean_overhead": overhead(results["lean"], straight)}


def measure(config: StackConfig, connections: int, seconds: float) -> dict[str, Any]:
    """The five ways twice: first as the scheduler places the processes on the machine's cores, then with the
    service under test (partners, the bare app) on a core of its own and the rest on the others (bench/placement.py).
    The goals are judged on the second when the machine has two cores or more: the first is reported beside it."""
    organisation, token = asyncio.run(organisation_and_token(config))
    headers = {"Authorization": f"Bearer {token}"}
    partners, gateway_pid, postgres = (running_pid(config, name) for name in ("partners", "gateway", "postgres"))
    assert partners is not None and gateway_pid is not None and postgres is not None, "partners and the gateway run"
    through = f"/{TENANT}/api/partners/organisations/{organisation}"
    helpers: list[subprocess.Popen[bytes]] = []
    try:
        process, raw_url = raw_app(config)
        helpers.append(process)
        ways = {"raw": (raw_url, f"/organisations/{organisation}", {}, {"bare app": process.pid, "postgres": postgres}),
                "straight": (service_url(config, "partners"), f"/{TENANT}/organisations/{organisation}", headers,
                             {"partners": partners, "postgres": postgres}),
                "gateway": (config.gateway_url, through, headers,
                            {"gateway": gateway_pid, "partners": partners, "postgres": postgres})}
        for way, module, offset, name in (("forwarder", "bench.raw_forward", FORWARD_PORT_OFFSET, "bare forwarder"),
                                          ("lean", "bench.lean_forward", LEAN_PORT_OFFSET, "lean forwarder")):
            helper, url = forwarder(config, module, offset)
            helpers.append(helper)
            ways[way] = (url, through, headers, {name: helper.pid, "partners": partners, "postgres": postgres})
        shared = run(ways, connections, seconds)
        with alone_on_a_core(config, alone={"partners": partners, "the bare app": process.pid},
                             others=[helper.pid for helper in helpers[1:]]) as placement:
            placed = run(ways, connections, seconds) if placement else None
    finally:
        for helper in helpers:
            helper.terminate()
            helper.wait(10)
    judged = placed or shared
    passed = {name: (value >= GOALS[name] if name.endswith("ratio") else value <= GOALS[name])
              for name, value in judged["figures"].items()}
    failures = sum(run_[way]["failures"] for run_ in (shared, placed) if run_ for way in WAYS)
    return {"connections": connections, "placement": placement, **judged, "goals": GOALS, "passed": passed,
            "pass": all(passed.values()) and failures == 0, "shared": shared if placed else None}


def printed(run_: dict[str, Any], passed: dict[str, bool] | None) -> None:
    for way in WAYS:
        f = run_[way]
        cpu = ", ".join(f"{name} {us} µs ({f['core_share'][name]} of a core, preempted {f['preempted_per_read'][name]}"
                        f" per read)" for name, us in f["cpu_us_per_read"].items())
        print(f"  {way:<9} {f['requests_per_second']} requests/s, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, "
              f"{f['failures']} failures; machine {f['machine_busy_cores']} cores busy; CPU per read: {cpu}")
    for name, value in run_["figures"].items():
        mark = "    " if passed is None else "ok  " if passed[name] else "FAIL"
        print(f"  {mark} {name} {value} (goal {'≥' if name.endswith('ratio') else '≤'} {GOALS[name]})")
    floor, lean = run_["floor"], run_["lean_overhead"]
    print(f"  the bare forwarder's overhead (the floor of a hop here): p50 {floor['overhead_p50']}, "
          f"p99 {floor['overhead_p99']}")
    print(f"  the lean forwarder's overhead (the gateway's work at its cheapest in Python): p50 "
          f"{lean['overhead_p50']}, p99 {lean['overhead_p99']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tenant_read", description=__doc__)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    config = started(args.profile)
    summary = measure(config, args.connections, args.seconds)
    save(RESULTS, summary)
    if summary["shared"] is not None:
        print("  as the scheduler places them (reported):")
        printed(summary["shared"], None)
        print(f"  {summary['placement']} (the goals):")
    printed(summary, summary["passed"])
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
