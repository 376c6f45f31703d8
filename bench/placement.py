"""Where a benchmark's processes run: the process under test on a core of its own, and everything else of the
stack (PostgreSQL and its backends, the gateway, the other services, Keycloak, NATS, S3), the bench's helpers,
the bench itself and the load generator it starts on the other cores. Any deployment gives a service its own
CPU; on a two-core machine left to the scheduler, a hop in front of the service is woken on the service's core
by the service's own answers and takes turns with it there, while the other core has time to spare
(bench/README.md, "A core of its own"). Each thread is placed, and every process placed is given back all the
machine's cores when the block ends.

    with alone_on_a_core(config, alone={"partners": partners_pid}, others=[forwarder_pid]) as placed:
        ...  # placed: how, in words; None on a machine of one core, where nothing is placed"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psutil

from devstack.config import StackConfig
from devstack.processes import known_names, running_pid


def with_children(pids: Iterable[int]) -> set[int]:
    """The processes and all their children (PostgreSQL's backends, a service's workers) alive now."""
    found: set[int] = set()
    for pid in pids:
        try:
            found |= {pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))}
        except psutil.Error:
            continue
    return found


def place(pids: Iterable[int], cores: set[int]) -> None:
    """Every thread of each process (and of its children) onto `cores`; one gone meanwhile is skipped."""
    for pid in with_children(pids):
        try:
            threads = [thread.id for thread in psutil.Process(pid).threads()]
        except psutil.Error:
            continue
        for thread in threads:
            try:
                os.sched_setaffinity(thread, cores)
            except (ProcessLookupError, PermissionError):
                continue


def stack_pids(config: StackConfig) -> set[int]:
    """The stack's running components, by their pid files."""
    return {pid for name in known_names(config) if (pid := running_pid(config, name)) is not None}


@contextmanager
def alone_on_a_core(config: StackConfig, alone: dict[str, int], others: Iterable[int] = ()) -> Iterator[str | None]:
    """The `alone` processes (by name) on the machine's last core, the stack's other processes, `others` and this
    process (with what it starts from now on: the load generator) on the rest; all on every core again after."""
    every = os.sched_getaffinity(0)
    if len(every) < 2:
        yield None
        return
    last = max(every)
    rest = every - {last}
    apart = set(alone.values())
    elsewhere = (stack_pids(config) | set(others) | {os.getpid()}) - apart
    try:
        place(elsewhere, rest)  # (first: a process under test may be a child of one of these, as a helper is)
        place(apart, {last})
        yield (f"{' and '.join(alone)} alone on core {last}, everything else on core"
               f"{'s' if len(rest) > 1 else ''} {', '.join(map(str, sorted(rest)))}")
    finally:
        place(elsewhere | apart, every)
