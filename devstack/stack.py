"""The whole local stack: PostgreSQL, NATS JetStream, SeaweedFS S3, Keycloak, ClamAV's clamd (the upload scanner)
and an SMTP mail sink.

Keycloak is by far the slowest part (JVM start, schema migration on first
boot), so it starts as soon as PostgreSQL is ready, while NATS and S3 come up
in parallel threads, with clamd.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from devstack import backup, clamd, keycloak, mailsink, nats, ports, postgres, s3
from devstack.config import StackConfig
from devstack.processes import log, read_pid, stop_all, stop_process

# The infrastructure components, in the order `status` lists them. `down`
# stops them after the services and Keycloak (see processes.stop_all waves).
COMPONENTS: tuple[str, ...] = (postgres.NAME, nats.NAME, s3.NAME, clamd.NAME, keycloak.NAME, mailsink.NAME)


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int | None
    port: int
    up: bool


class Stack:
    """Start/stop the local components of one profile.

    >>> stack = Stack(StackConfig.from_env("test"))
    >>> stack.up()           # idempotent: running components are left alone
    >>> stack.nats_url, stack.keycloak_url, stack.database_url("grants")
    >>> stack.down()
    """

    def __init__(self, config: StackConfig, *, with_keycloak: bool = True) -> None:
        self.config = config
        self.with_keycloak = with_keycloak

    # Everything a test needs to reach the stack (URLs, ports, service_env,
    # database_url) comes from the config: stack.nats_url == config.nats_url.
    def __getattr__(self, name: str) -> Any:
        if name == "config":  # not set yet (e.g. during unpickling)
            raise AttributeError(name)
        return getattr(self.config, name)

    def up(self) -> Stack:
        """Start what is not running yet and wait until all of it is ready."""
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        # Several callers may bring the same stack up at once (pytest-xdist
        # workers, `make run` in two terminals): one starts, the others wait
        # and then find everything running.
        with open(self.config.state_dir / ".up.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._up()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return self

    def _up(self) -> None:
        started = time.monotonic()
        config = self.config
        config.write_env_file()
        ports.reserve(config)
        with ThreadPoolExecutor(max_workers=5, thread_name_prefix="devstack") as pool:
            def postgres_then_keycloak() -> None:
                postgres.start(config)
                if self.with_keycloak:
                    keycloak.start(config)

            futures: list[Future[object]] = [
                pool.submit(postgres_then_keycloak),
                pool.submit(nats.start, config),
                pool.submit(s3.start, config),
                pool.submit(mailsink.start, config),
                pool.submit(clamd.start, config),
            ]
            errors = [f.exception() for f in futures]
        failures = [error for error in errors if error is not None]
        if failures:
            for error in failures[1:]:
                log(f"also failed: {error}")
            raise failures[0]
        if config.pg_archive:
            # PostgreSQL's archiver retries until its bucket is there.
            backup.ensure_bucket(config)
        if self.with_keycloak:
            keycloak.import_realms(config)
        log(f"stack '{config.profile}' up in {time.monotonic() - started:.1f}s "
            f"(state {config.state_dir}, env {config.env_file})")

    def down(self) -> list[str]:
        """Stop every process of this stack (services the lead started too)."""
        return stop_all(self.config)

    def stop(self, component: str) -> bool:
        return stop_process(self.config, component)

    def status(self) -> list[ComponentStatus]:
        checks: dict[str, tuple[int, Callable[[], bool]]] = {
            postgres.NAME: (self.config.pg_port, lambda: postgres.is_ready(self.config)),
            nats.NAME: (self.config.nats_port, lambda: nats.is_ready(self.config)),
            s3.NAME: (self.config.s3_port, lambda: s3.is_ready(self.config)),
            clamd.NAME: (self.config.port("clamd"), lambda: clamd.is_ready(self.config)),
            keycloak.NAME: (self.config.keycloak_port, lambda: keycloak.is_ready(self.config)),
            mailsink.NAME: (self.config.port("smtp"), lambda: mailsink.is_ready(self.config)),
        }
        result = []
        for name, (port, check) in checks.items():
            record = read_pid(self.config, name)
            pid = record.pid if record is not None and record.alive() else None
            result.append(ComponentStatus(name, pid, port, pid is not None and check()))
        return result
