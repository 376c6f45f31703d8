"""A tenant-scoped read, three ways in one run with the same load generator (wrk, 64 connections, 10 s each):
one organisation by id with a real token through the gateway, the same straight at partners, and the raw baseline
(bench/raw_read.py: a bare Litestar app doing the same primary-key SELECT through an asyncpg pool, no auth, no
gateway). Reports throughput ratios to the baseline, the p99s and the gateway's overhead over the straight read
(issue 12's first three rows); and, for scale, the overhead of a bare forwarder in front of partners
(bench/raw_forward.py: a hop that does nothing else), a fourth way in the same run; and a fifth, the lean
forwarder (bench/lean_forward.py: the bare one plus the work the gateway must do per read, inline, as cheaply as
plain Python allows): a lower bound of the gateway's read in Python. Writes bench/results/tenant_read.json.

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


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used so far."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def measured(url: str, path: str, sent: dict[str, str], connections: int, seconds: float,
             serving: dict[str, int]) -> dict[str, Any]:
    """One wrk run, with the CPU each serving process spent per read (µs): unlike the throughput of a shared
    machine, it hardly drifts between runs, so a change in the read path shows in it first."""
    before = {name: cpu_seconds(pid) for name, pid in serving.items()}
    figures = wrk_run(url, [path], sent, connections=connections, seconds=seconds)
    figures["cpu_us_per_read"] = {name: round((cpu_seconds(pid) - before[name]) / max(figures["requests"], 1) * 1e6)
                                  for name, pid in serving.items()}
    return figures


def measure(config: StackConfig, connections: int, seconds: float) -> dict[str, Any]:
    organisation, token = asyncio.run(organisation_and_token(config))
    headers = {"Authorization": f"Bearer {token}"}
    partners, gateway_pid = running_pid(config, "partners"), running_pid(config, "gateway")
    assert partners is not None and gateway_pid is not None, "partners and the gateway run"
    through = f"/{TENANT}/api/partners/organisations/{organisation}"
    helpers: list[subprocess.Popen[bytes]] = []
    try:
        process, raw_url = raw_app(config)
        helpers.append(process)
        ways = {"raw": (raw_url, f"/organisations/{organisation}", {}, {"bare app": process.pid}),
                "straight": (service_url(config, "partners"), f"/{TENANT}/organisations/{organisation}", headers,
                             {"partners": partners}),
                "gateway": (config.gateway_url, through, headers, {"gateway": gateway_pid, "partners": partners})}
        for way, module, offset, name in (("forwarder", "bench.raw_forward", FORWARD_PORT_OFFSET, "bare forwarder"),
                                          ("lean", "bench.lean_forward", LEAN_PORT_OFFSET, "lean forwarder")):
            helper, url = forwarder(config, module, offset)
            helpers.append(helper)
            ways[way] = (url, through, headers, {name: helper.pid, "partners": partners})
        # Each way warmed up first, unmeasured: pools filled, statements prepared, whatever a process does in
        # its first seconds after start (the services were just restarted) out of the figures.
        for url, path, sent, _ in ways.values():
            wrk_run(url, [path], sent, connections=connections, seconds=WARM_UP_SECONDS)
        results = {way: measured(url, path, sent, connections, seconds, serving)
                   for way, (url, path, sent, serving) in ways.items()}
    finally:
        for helper in helpers:
            helper.terminate()
            helper.wait(10)
    raw, straight, gateway = (results[way] for way in ("raw", "straight", "gateway"))
    figures = {
        "gateway_ratio": round(gateway["requests_per_second"] / raw["requests_per_second"], 3),
        "straight_ratio": round(straight["requests_per_second"] / raw["requests_per_second"], 3),
        "gateway_p99_vs_raw": round(gateway["p99_ms"] / raw["p99_ms"], 2),
        **overhead(gateway, straight),
    }
    passed = {name: (value >= GOALS[name] if name.endswith("ratio") else value <= GOALS[name])
              for name, value in figures.items()}
    # Reported, with no goal of their own: what a hop that does nothing else costs on this machine, in this run,
    # and one that does the gateway's work at its cheapest in Python.
    floor, lean = overhead(results["forwarder"], straight), overhead(results["lean"], straight)
    failures = sum(result["failures"] for result in results.values())
    return {"connections": connections, **results, "figures": figures, "floor": floor, "lean_overhead": lean,
            "goals": GOALS, "passed": passed, "pass": all(passed.values()) and failures == 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tenant_read", description=__doc__)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    config = started(args.profile)
    summary = measure(config, args.connections, args.seconds)
    save(RESULTS, summary)
    for way in ("raw", "straight", "gateway", "forwarder", "lean"):
        f = summary[way]
        cpu = ", ".join(f"{name} {us} µs" for name, us in f["cpu_us_per_read"].items())
        print(f"  {way:<9} {f['requests_per_second']} requests/s, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, "
              f"{f['failures']} failures; CPU per read: {cpu}")
    for name, value in summary["figures"].items():
        print(f"  {'ok  ' if summary['passed'][name] else 'FAIL'} {name} {value} (goal "
              f"{'≥' if name.endswith('ratio') else '≤'} {GOALS[name]})")
    floor = summary["floor"]
    print(f"  the bare forwarder's overhead (the floor of a hop here): p50 {floor['overhead_p50']}, "
          f"p99 {floor['overhead_p99']}")
    lean = summary["lean_overhead"]
    print(f"  the lean forwarder's overhead (the gateway's work at its cheapest in Python): p50 "
          f"{lean['overhead_p50']}, p99 {lean['overhead_p99']}")
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
