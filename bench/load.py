"""Load from a separate process: wrk (Debian's package) on loopback, bounded in time, so that the load generator
does not eat the cores the platform is measured on (a Python client at 16 connections costs about as much CPU
per request as the gateway itself).

`wrk_run` sends GET requests cycling through a list of paths (each with its own query) with fixed headers from
`connections` connections for `seconds`, and returns what wrk measured: requests, requests/s, latency
percentiles (p50, p95, p99, mean, max, in ms, over every request) and errors (connect, read, write, timeout, and
answers outside 2xx/3xx). `make bench` installs wrk when it is missing (`ensure_wrk`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

SCRIPT = r"""
local paths = {%(paths)s}
local headers = {%(headers)s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  io.stderr:write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "mean_us": %%.1f, ' ..
    '"max_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for these ASCII values


def ensure_wrk() -> str:
    """wrk's path, installed from Debian's packages first when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and could not be installed from Debian's packages")
    return found


def wrk_run(base_url: str, paths: Sequence[str], headers: Mapping[str, str], *, connections: int = 16,
            seconds: float = 10.0, threads: int = 2) -> dict[str, Any]:
    """One wrk run of `seconds` against base_url + each path in turn; its figures (see the module)."""
    if not paths:
        raise ValueError("no paths to request")
    script = SCRIPT % {"paths": ", ".join(lua_string(p) for p in paths),
                       "headers": ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run([ensure_wrk(), "-t", str(min(threads, connections)), "-c", str(connections),
                               "-d", f"{seconds:g}s", "--timeout", "10s", "-s", handle.name, base_url],
                              capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:400]}")
    measured = json.loads(done.stderr.strip().splitlines()[-1])
    errors = {k: measured[k] for k in ("connect", "read", "write", "status", "timeout")}
    return {"requests": measured["requests"], "connections": connections,
            "seconds": round(measured["duration_us"] / 1e6, 2),
            "requests_per_second": round(measured["requests"] / (measured["duration_us"] / 1e6), 1),
            "p50_ms": round(measured["p50_us"] / 1000, 1), "p95_ms": round(measured["p95_us"] / 1000, 1),
            "p99_ms": round(measured["p99_us"] / 1000, 1), "mean_ms": round(measured["mean_us"] / 1000, 1),
            "max_ms": round(measured["max_us"] / 1000, 1), "errors": errors, "failures": sum(errors.values())}
