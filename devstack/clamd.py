"""ClamAV's daemon (Debian's clamav-daemon, which `make install` puts in place), the scanner every upload goes
through (shared.scanner).

It runs with a configuration of its own in the state directory, on the stack's port block, and loads only the
project's small signature file (devstack/clamav/regie-test.ndb: the EICAR test file): ClamAV's signature
mirror is out of reach from the development machines, and the full database would take a minute and a gigabyte
to load besides. Debian's system clamd and freshclam services are left alone."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from devstack.config import REPO_ROOT, StackConfig
from devstack.processes import INFRASTRUCTURE_WAVE, StartError, Timer, running_pid, start_process

NAME = "clamd"
SIGNATURES = REPO_ROOT / "devstack" / "clamav"
"""The project's own signature files: for the local stack and the tests only."""


def executable() -> str:
    found = shutil.which("clamd") or next(
        (str(path) for path in (Path("/usr/sbin/clamd"), Path("/usr/local/sbin/clamd")) if path.exists()), None)
    if found is None:
        raise StartError("clamd is not installed: run `make install` (it installs Debian's clamav-daemon)")
    return found


def directory(config: StackConfig) -> Path:
    return config.state_dir / "clamd"


def write_config(config: StackConfig) -> Path:
    """clamd.conf for this stack: its database a fresh copy of the project's signatures, a stream limit equal to
    the upload limit, and files over a scan limit reported rather than passed unscanned."""
    from shared.settings import StorageSettings  # the limit the services read from the same environment

    home = directory(config)
    database = home / "database"
    if database.exists():
        shutil.rmtree(database)
    database.mkdir(parents=True)
    for signatures in sorted(SIGNATURES.glob("*.ndb")):
        shutil.copy(signatures, database / signatures.name)
    (home / "tmp").mkdir(exist_ok=True)
    limit = StorageSettings().max_upload_bytes
    lines = [
        "# Written by devstack/clamd.py at each start; edits are lost.",
        f"TCPSocket {config.port(NAME)}",
        f"TCPAddr {config.host}",
        f"DatabaseDirectory {database}",
        f"TemporaryDirectory {home / 'tmp'}",
        # In the foreground devstack keeps its pid and its output (logs/clamd.log); no local socket, no pid file.
        "Foreground yes",
        "LogTime yes",
        # No `User`: clamd runs as whoever starts it (root in the sessions that run the tests, which clamd allows
        # when no User is named), and needs no other rights than reading its folder.
        # The whole upload fits in one stream; a longer one is an error (the upload is refused), never half a scan.
        f"StreamMaxLength {limit}",
        f"MaxFileSize {limit}",
        f"MaxScanSize {4 * limit}",
        # A file past a scan limit (size, recursion, files in an archive) is reported, not let through unscanned.
        "AlertExceedsMax yes",
        # The signatures do not change while the stack runs.
        "SelfCheck 0",
    ]
    path = home / "clamd.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def is_ready(config: StackConfig, timeout: float = 2.0) -> bool:
    """clamd answers PING with PONG (its signatures are loaded by then)."""
    try:
        with socket.create_connection((config.host, config.port(NAME)), timeout=timeout) as connection:
            connection.settimeout(timeout)
            connection.sendall(b"zPING\0")
            reply = b""
            while not reply.endswith(b"\0"):
                received = connection.recv(64)
                if not received:
                    break
                reply += received
            return reply == b"PONG\0"
    except OSError:
        return False


def start(config: StackConfig) -> int:
    # A running clamd keeps its configuration (start_process leaves it alone): written only for a new one.
    conf = directory(config) / "clamd.conf" if running_pid(config, NAME) else write_config(config)
    with Timer("clamd start"):
        return start_process(config, NAME, [executable(), f"--config-file={conf}"],
                             ready=lambda: is_ready(config), timeout=60, stop_wave=INFRASTRUCTURE_WAVE)
