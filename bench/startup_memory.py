"""Start-up and memory of the whole platform: everything stopped, then the components started as `make run` starts
them (downloads already cached) and each service and the gateway started until its health endpoint answers,
timed; then the proportional memory (PSS: shared pages counted once) of every process of the stack, Keycloak and
PostgreSQL's backends included, idle and at its highest while wrk reads through the gateway for 10 s. Writes
bench/results/startup_memory.json.

    python -m bench.startup_memory [--profile test]"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from bench.load import wrk_run
from bench.summary import save
from devstack.config import StackConfig
from devstack.platform import SERVICES, start_service
from devstack.processes import read_pid
from devstack.stack import COMPONENTS, Stack

RESULTS = Path(__file__).parent / "results" / "startup_memory.json"
GOALS = {"startup_s": 45.0, "service_s": 3.0, "idle_gib": 1.5, "load_gib": 2.0}
GIB = 1024 ** 3


def stack_processes(config: StackConfig) -> list[psutil.Process]:
    """Every process of the stack: each component and service by its pid file, with its children."""
    found: dict[int, psutil.Process] = {}
    for name in (*COMPONENTS, *SERVICES):
        record = read_pid(config, name)
        process = record.process() if record else None
        if process is None:
            continue
        for p in (process, *process.children(recursive=True)):
            found[p.pid] = p
    return list(found.values())


def pss_bytes(config: StackConfig) -> int:
    total = 0
    for process in stack_processes(config):
        try:
            total += process.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def measure(config: StackConfig, seconds: float = 10.0) -> dict[str, Any]:
    os.environ["REGIE_RATE_LIMIT_PER_MINUTE"] = "10000000"  # the gateway measured, not its limit
    os.environ["REGIE_TOKEN_RATE_LIMIT_PER_MINUTE"] = "10000000"
    stack = Stack(config)
    stack.down()
    started = time.perf_counter()
    stack.up()
    components_s = time.perf_counter() - started
    services: dict[str, float] = {}
    for service in SERVICES:
        began = time.perf_counter()
        start_service(config, service, restart=True)
        services[service] = round(time.perf_counter() - began, 2)
    startup_s = time.perf_counter() - started
    time.sleep(10)  # settled: connections made, first background rounds done
    idle = pss_bytes(config)
    highest = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal highest
        while not done.is_set():
            highest = max(highest, pss_bytes(config))
            done.wait(1.0)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        load = wrk_run(config.gateway_url, ["/antwerpen/api/partners/public/catalogue?q=catering",
                                            "/antwerpen/catalogus/?q=catering"], {}, connections=64,
                       seconds=seconds)
    finally:
        done.set()
        sampler.join()
    figures = {"startup_s": round(startup_s, 1), "components_s": round(components_s, 1),
               "service_s": max(services.values()), "idle_gib": round(idle / GIB, 2),
               "load_gib": round(highest / GIB, 2)}
    passed = {name: figures[name] <= goal for name, goal in GOALS.items()}
    return {"figures": figures, "services_s": services, "goals": GOALS, "passed": passed,
            "load": load, "processes": len(stack_processes(config)), "pass": all(passed.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup_memory", description=__doc__)
    parser.add_argument("--profile", default="test")
    args = parser.parse_args(argv)
    summary = measure(StackConfig.from_env(args.profile))
    save(RESULTS, summary)
    f = summary["figures"]
    print(f"  start-up {f['startup_s']} s (components {f['components_s']} s; services "
          f"{', '.join(f'{k} {v} s' for k, v in summary['services_s'].items())})")
    print(f"  memory (PSS) {f['idle_gib']} GiB idle, {f['load_gib']} GiB at most under load "
          f"({summary['processes']} processes)")
    for name, ok in summary["passed"].items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name} {f[name]} (goal ≤ {GOALS[name]})")
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
