"""Start and stop long-running local processes, detached from the caller.

Each process gets a log file (<state>/logs/<name>.log) and a pid file
(<state>/pids/<name>.pid). The first line of a pid file is the bare pid, so
``kill $(head -1 x.pid)`` works from a shell; the following ``key=value``
lines record what `stop_process` needs (the process's start time, to tell a
recycled pid from ours, and the signal that shuts it down cleanly).

Processes run in a session of their own so that a Ctrl-C in the terminal that
ran ``make run`` or pytest does not reach them: only `stop_process` stops them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil

from devstack.config import StackConfig

ReadyCheck = Callable[[], bool]

DEFAULT_STOP_TIMEOUT = 15.0
# stop_all waves: services (0) first, then Keycloak, then what they all use.
SERVICE_WAVE = 0
KEYCLOAK_WAVE = 1
INFRASTRUCTURE_WAVE = 2

# Popen objects of the children this interpreter started: kept so that they
# are reaped (no zombies) when a long-lived caller such as pytest stops them.
_children: dict[int, subprocess.Popen[bytes]] = {}


class StartError(RuntimeError):
    """A component did not become ready; the message carries its log tail."""


def log(message: str) -> None:
    # Progress goes to stderr so that stdout stays usable (e.g. `status`).
    print(f"[devstack] {message}", file=sys.stderr, flush=True)


class Timer:
    """Prints how long a step took: `with Timer("postgres up"): ...`."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.started = 0.0

    def __enter__(self) -> Timer:
        self.started = time.monotonic()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        elapsed = time.monotonic() - self.started
        outcome = "failed after" if exc_type else "took"
        log(f"{self.what} {outcome} {elapsed:.1f}s")


# --- readiness checks --------------------------------------------------------


def http_ready(url: str, timeout: float = 2.0) -> ReadyCheck:
    """Ready when GET url answers 2xx."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError, ValueError):
            return False

    return check


def tcp_ready(host: str, port: int, timeout: float = 1.0) -> ReadyCheck:
    """Ready when a TCP connection to host:port succeeds."""

    def check() -> bool:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            return False

    return check


def as_check(ready: ReadyCheck | str | None) -> ReadyCheck:
    if ready is None:
        return lambda: True
    if isinstance(ready, str):
        return http_ready(ready)
    return ready


# --- pid files ---------------------------------------------------------------


def start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks since boot (/proc/<pid>/stat, field 22): unlike a wall-clock
    start time it does not move when the machine's clock is stepped (NTP, a VM restored or forked), so a running
    component is never taken for a stale one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # the fields after the command's name start at field 3


@dataclass(frozen=True)
class PidRecord:
    name: str
    pid: int
    create_time: float | None
    started: int | None
    """start_ticks() as recorded when it was started."""
    stop_signal: int
    stop_timeout: float
    stop_wave: int
    pid_file: Path

    def process(self) -> psutil.Process | None:
        """The live process, or None if it is gone (or the pid was recycled)."""
        try:
            proc = psutil.Process(self.pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                _reap(self.pid)
                return None
            # A pid can be reused after a reboot or a long time: only trust it
            # when the start time matches the one we recorded.
            if self.started is not None:
                if start_ticks(self.pid) != self.started:
                    return None
            elif self.create_time is not None and abs(proc.create_time() - self.create_time) > 1.0:
                return None
            return proc
        except psutil.NoSuchProcess:
            return None

    def alive(self) -> bool:
        return self.process() is not None


def read_pid(config: StackConfig, name: str) -> PidRecord | None:
    path = config.pid_file(name)
    try:
        lines = path.read_text().splitlines()
        pid = int(lines[0].strip())
    except (FileNotFoundError, IndexError, ValueError):
        return None
    fields = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    create_time = float(fields["create_time"]) if "create_time" in fields else None
    started = int(fields["start_ticks"]) if fields.get("start_ticks", "").isdigit() else None
    stop_signal = int(fields.get("stop_signal", signal.SIGTERM))
    stop_timeout = float(fields.get("stop_timeout", DEFAULT_STOP_TIMEOUT))
    stop_wave = int(fields.get("stop_wave", 0))
    return PidRecord(name, pid, create_time, started, stop_signal, stop_timeout, stop_wave, path)


def _write_pid(
    config: StackConfig, name: str, pid: int, stop_signal: int, stop_timeout: float,
    stop_wave: int,
) -> None:
    config.pids_dir.mkdir(parents=True, exist_ok=True)
    try:
        create_time = psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        create_time = time.time()
    path = config.pid_file(name)
    tmp = path.with_suffix(".pid.tmp")
    tmp.write_text(
        f"{pid}\ncreate_time={create_time}\nstart_ticks={start_ticks(pid)}\nstop_signal={int(stop_signal)}\n"
        f"stop_timeout={stop_timeout}\nstop_wave={stop_wave}\n"
    )
    tmp.replace(path)


def running_pid(config: StackConfig, name: str) -> int | None:
    """The pid of component `name` if it is alive; removes a stale pid file."""
    record = read_pid(config, name)
    if record is None:
        return None
    if record.alive():
        return record.pid
    record.pid_file.unlink(missing_ok=True)
    return None


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16384))
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log file)"
    return "\n".join(text.splitlines()[-lines:])


# --- start / stop ------------------------------------------------------------


def _reap(pid: int) -> None:
    child = _children.pop(pid, None)
    if child is not None:
        try:
            child.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            _children[pid] = child


def wait_ready(
    config: StackConfig,
    name: str,
    check: ReadyCheck,
    timeout: float,
    pid: int | None = None,
    interval: float = 0.2,
) -> None:
    """Poll `check` until it passes; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if pid is not None:
            record = read_pid(config, name)
            if record is None or not record.alive():
                raise StartError(
                    f"{name} exited before it became ready; log {config.log_file(name)}:\n"
                    f"{log_tail(config.log_file(name))}"
                )
        if time.monotonic() > deadline:
            raise StartError(
                f"{name} was not ready after {timeout:.0f}s; log {config.log_file(name)}:\n"
                f"{log_tail(config.log_file(name))}"
            )
        time.sleep(interval)


def start_process(
    config: StackConfig,
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    ready: ReadyCheck | str | None = None,
    *,
    timeout: float = 60.0,
    cwd: Path | None = None,
    user: str | None = None,
    stop_signal: int = signal.SIGTERM,
    stop_timeout: float | None = None,
    stop_wave: int = 0,
    inherit_env: bool = True,
) -> int:
    """Start `argv` detached as component `name` and wait until `ready` passes.

    Idempotent: when the pid file names a live process that passes `ready`
    (waiting up to `timeout` for one that is still booting), nothing is started.
    `ready` is a callable returning bool, or a URL that must answer 2xx.
    `env` is added to os.environ (or used alone with inherit_env=False).
    `stop_signal`/`stop_timeout` say how `stop_process` ends it; `stop_wave`
    orders `stop_all` (0, the default for services, stops first).
    Returns the pid.
    """
    check = as_check(ready)
    existing = running_pid(config, name)
    if existing is not None:
        wait_ready(config, name, check, timeout, pid=existing)
        log(f"{name} already running (pid {existing})")
        return existing

    config.logs_dir.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ) if inherit_env else {}
    full_env.update(env or {})
    log_path = config.log_file(name)
    with log_path.open("ab") as log_handle:
        banner = f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}: {' '.join(argv)}\n"
        log_handle.write(banner.encode())
        log_handle.flush()
        try:
            child = subprocess.Popen(
                list(argv),
                env=full_env,
                cwd=str(cwd) if cwd else None,
                stdin=subprocess.DEVNULL,
                stdout=log_handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=user,
                close_fds=True,
            )
        except OSError as error:
            raise StartError(f"could not start {name} ({argv[0]}): {error}") from error
    _children[child.pid] = child
    _write_pid(
        config, name, child.pid, stop_signal, stop_timeout or DEFAULT_STOP_TIMEOUT, stop_wave
    )
    try:
        wait_ready(config, name, check, timeout, pid=child.pid)
    except StartError:
        stop_process(config, name)
        raise
    return child.pid


def _is_live(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(procs: list[psutil.Process], timeout: float) -> bool:
    """Wait until none of `procs` runs; True if they all ended in time.

    A zombie counts as gone: a detached component's parent is init, which
    may take a few seconds to reap it (psutil.wait_procs would wait for that).
    """
    deadline = time.monotonic() + timeout
    while any(_is_live(proc) for proc in procs):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def stop_process(config: StackConfig, name: str, timeout: float | None = None) -> bool:
    """Stop component `name`: its stop signal, then SIGKILL after a timeout.

    The timeout is `timeout`, else the one given to start_process, else 15 s.

    Returns True if a live process was stopped. Always removes the pid file.
    """
    record = read_pid(config, name)
    if record is None:
        return False
    proc = record.process()
    if proc is None:
        record.pid_file.unlink(missing_ok=True)
        return False
    # Children of the component's session (Keycloak's JVM under kc.sh,
    # PostgreSQL's backends) are collected now so none is left behind.
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        family = [proc]
    timeout = record.stop_timeout if timeout is None else timeout
    _signal_session(record.pid, record.stop_signal)
    if not _wait_gone([proc], timeout):
        log(f"{name} (pid {record.pid}) did not stop within {timeout:.0f}s; killing it")
    for member in family:
        try:
            if _is_live(member):
                member.kill()
        except psutil.NoSuchProcess:
            pass
    _wait_gone(family, 5.0)
    _reap(record.pid)
    record.pid_file.unlink(missing_ok=True)
    return True


def _signal_session(pid: int, sig: int) -> None:
    """Signal the whole process group the component leads (see start_new_session).

    A component may be a wrapper (kc.sh runs the JVM as a child; a service
    may be started through a shell): the group signal reaches the real server
    even when the wrapper does not forward it. PostgreSQL's backends getting
    SIGINT too is harmless: it only cancels their queries, which its fast
    shutdown does anyway.
    """
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def known_names(config: StackConfig) -> list[str]:
    """Components with a pid file, most recently started first."""
    if not config.pids_dir.is_dir():
        return []
    files = sorted(config.pids_dir.glob("*.pid"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [path.stem for path in files]


def stop_all(config: StackConfig, timeout: float | None = None) -> list[str]:
    """Stop every process of this stack.

    Processes stop in waves by their `stop_wave` (see start_process): all of
    wave 0 (the services) in parallel, then wave 1 (Keycloak), then wave 2
    (PostgreSQL, NATS, S3), so nothing loses its database while still running.
    """
    waves: dict[int, list[str]] = {}
    for name in known_names(config):
        record = read_pid(config, name)
        waves.setdefault(record.stop_wave if record else 0, []).append(name)
    stopped: list[str] = []

    def stop_one(name: str) -> None:
        with Timer(f"stopping {name}"):
            if stop_process(config, name, timeout=timeout):
                stopped.append(name)

    for wave in sorted(waves):
        with ThreadPoolExecutor(max_workers=max(1, len(waves[wave]))) as pool:
            list(pool.map(stop_one, waves[wave]))
    return stopped
