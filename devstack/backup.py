"""PostgreSQL's backups to S3 with Barman Cloud, and a restore to a point in time.

The same tool CloudNativePG's backups use (deploy/k8s/base/postgres.yaml), here on the stack's own S3:

- the WAL archive: PostgreSQL's archive_command runs barman-cloud-wal-archive for every finished WAL segment
  (`archive_settings`); on for `make run`'s PostgreSQL (config.pg_archive);
- a base backup: barman-cloud-backup copies the running server's data directory while it takes writes
  (`base_backup`), and `backups` lists them;
- a restore: barman-cloud-restore unpacks the latest base backup taken before the target time into a new data
  directory, and PostgreSQL replays the archived WAL (barman-cloud-wal-restore as its restore_command) up to the
  target time, then leaves recovery (`restore`, `start_restored`).

Everything goes to the bucket regie-backup, under one folder per server (SERVER for the stack's PostgreSQL), with
a key of its own that may touch that bucket only (devstack/s3.py). The Barman Cloud commands run through one
small script in the state folder (`wrapper`) that holds the key and the endpoint, so that neither appears in
PostgreSQL's settings. They run as PostgreSQL's own user: the archive command has to anyway, and so the files of
a restored data directory belong to the server that starts on them.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from devstack import postgres
from devstack.config import BACKUP_KEY, StackConfig
from devstack.processes import StartError, Timer, log, running_pid

BUCKET = f"regie-{BACKUP_KEY}"
SERVER = "regie"
"""The stack's PostgreSQL's folder in the bucket (s3://regie-backup/regie/)."""
RESTORED = "postgres_restore"
"""The process name of a restored copy (its pid and log file), as its port's (config.PORT_OFFSETS)."""


def backup_dir(config: StackConfig) -> Path:
    return config.state_dir / "backup"


def wrapper(config: StackConfig) -> Path:
    return backup_dir(config) / "barman-cloud"


def destination() -> str:
    return f"s3://{BUCKET}"


def ensure_bucket(config: StackConfig) -> None:
    """The backup bucket, made with the backup key itself (as each service makes its own)."""
    import minio

    access, secret = config.s3_service_key(BACKUP_KEY)
    client = minio.Minio(config.s3_endpoint, access_key=access, secret_key=secret, secure=False)
    if not client.bucket_exists(BUCKET):
        client.make_bucket(BUCKET)


def write_wrapper(config: StackConfig) -> Path:
    """The script every Barman Cloud command runs through: `barman-cloud wal-archive|backup|... ARGS`.

    PostgreSQL's user runs it (archive_command, restore_command); it must reach this interpreter, which may sit
    under a folder only root may walk through (a pyenv in /root): the folders on the way get o+x, no more.
    """
    directory = backup_dir(config)
    directory.mkdir(parents=True, exist_ok=True)
    user = postgres.system_user(config)
    access, secret = config.s3_service_key(BACKUP_KEY)
    venv_bin = config.bin_dir
    lines = [
        "#!/bin/sh",
        "# Made by devstack/backup.py: Barman Cloud on this stack's S3 with the backup key.",
        "# Usage: barman-cloud COMMAND ARGS, COMMAND one of wal-archive, wal-restore, backup, backup-list, restore,",
        "# backup-delete, check-wal-archive (the barman-cloud-COMMAND scripts of the virtual environment).",
        f"export AWS_ACCESS_KEY_ID={shlex.quote(access)}",
        f"export AWS_SECRET_ACCESS_KEY={shlex.quote(secret)}",
        "export AWS_DEFAULT_REGION=us-east-1",
        "unset AWS_PROFILE AWS_SESSION_TOKEN",
        'command="$1"; shift',
        f'exec {shlex.quote(str(venv_bin))}/barman-cloud-"$command" '
        f"--endpoint-url {shlex.quote(f'http://{config.s3_endpoint}')} \"$@\"",
    ]
    path = wrapper(config)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.chmod(0o700)
    if user is not None:
        postgres.chown(tmp, user)
        postgres.chown(directory, user)
        directory.chmod(0o700)
        postgres.make_traversable(directory.parent)
        postgres.make_traversable(venv_bin)
        postgres.make_traversable(Path(sys.executable).resolve().parent)
    tmp.replace(path)
    return path


def archive_settings(config: StackConfig, server: str) -> dict[str, str]:
    """PostgreSQL settings that ship every WAL segment to s3://regie-backup/<server>/wals/ (gzipped)."""
    script = write_wrapper(config)
    command = f"{shlex.quote(str(script))} wal-archive --gzip {destination()} {shlex.quote(server)} %p"
    return {
        "archive_mode": "on",
        "archive_command": command,
        # A quiet server still ships its last writes within a minute.
        "archive_timeout": "60",
    }


def barman(config: StackConfig, command: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run barman-cloud-<command> through the wrapper as PostgreSQL's user."""
    script = write_wrapper(config)
    result = subprocess.run(
        [str(script), command, *args], user=postgres.system_user(config), cwd=str(backup_dir(config)),
        capture_output=True, text=True,
    )
    if check and result.returncode != 0:
        raise StartError(f"barman-cloud-{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def base_backup(config: StackConfig, cluster: postgres.Cluster, server: str, name: str | None = None) -> str:
    """A base backup of a running, archiving server while it takes writes; returns the backup's id."""
    ensure_bucket(config)
    if postgres.psql(config, "SHOW archive_mode", cluster=cluster).strip() != "on":
        raise StartError(f"{cluster.name} does not archive its WAL (archive_mode is off): a base backup alone "
                         "cannot be restored to a point in time (REGIE_PG_ARCHIVE=1, then restart it)")
    before = {entry["backup_id"] for entry in backups(config, server)}
    args = ["--gzip", "--immediate-checkpoint", "-h", str(cluster.sockets), "-p", str(cluster.port),
            "-U", config.pg_superuser, "-d", "postgres"]
    if name:
        args += ["--name", name]
    with Timer(f"base backup of {cluster.name} to {destination()}/{server}"):
        barman(config, "backup", *args, destination(), server)
    made = [entry for entry in backups(config, server) if entry["backup_id"] not in before]
    if len(made) != 1:
        raise StartError(f"the base backup is not listed in {destination()}/{server}")
    return str(made[0]["backup_id"])


def backups(config: StackConfig, server: str) -> list[dict[str, Any]]:
    """The base backups in the bucket for `server`, oldest first (backup_id, begin_time_iso, end_time_iso,
    begin_wal, end_wal, status...)."""
    output = barman(config, "backup-list", "--format", "json", destination(), server).stdout
    listed = json.loads(output or "{}").get("backups_list", [])
    return sorted(listed, key=lambda entry: str(entry.get("backup_id")))


@dataclass(frozen=True)
class Restored:
    cluster: postgres.Cluster
    backup_id: str
    target: datetime


def restore(config: StackConfig, server: str, target: datetime, data: Path, backup_id: str = "auto",
            port: int | None = None, name: str = RESTORED) -> Restored:
    """Unpack the base backup (by default the latest that ended before `target`) into the new, empty data
    directory `data` and set it to replay the WAL archive up to `target`, then promote (recovery.signal,
    restore_command, recovery_target_time). Start it with `start_restored`."""
    if target.tzinfo is None:
        raise StartError("the target time needs a time zone (e.g. 2026-12-03T10:15:00+01:00)")
    if data.exists() and any(data.iterdir()):
        raise StartError(f"{data} is not empty: a restore goes into a new data directory")
    user = postgres.system_user(config)
    postgres.make_data_parent(config, data)
    data.mkdir(mode=0o700, exist_ok=True)
    postgres.chown(data, user)
    stamp = target.isoformat()
    with Timer(f"restore of {destination()}/{server} into {data}"):
        barman(config, "restore", "--target-time", stamp, destination(), server, backup_id, str(data))
    restored_id = backup_id
    if backup_id == "auto":
        label = (data / "backup_label").read_text() if (data / "backup_label").exists() else ""
        restored_id = next((entry["backup_id"] for entry in backups(config, server)
                            if entry.get("begin_wal") and entry["begin_wal"] in label), "auto")
    script = wrapper(config)
    restore_command = f"{shlex.quote(str(script))} wal-restore {destination()} {shlex.quote(server)} %f %p"
    settings = {
        "restore_command": restore_command,
        "recovery_target_time": stamp,
        "recovery_target_action": "promote",
        # The copy is not the original: it ships no WAL of its own into the original's archive.
        "archive_mode": "off",
    }
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write(f"\n# devstack restore from {destination()}/{server} ({restored_id}) to {stamp}\n")
        for key, value in settings.items():
            conf.write(f"{key} = '{value.replace(chr(39), chr(39) * 2)}'\n")
    (data / "recovery.signal").touch()
    for path in (data / "postgresql.auto.conf", data / "recovery.signal"):
        postgres.chown(path, user)
    cluster = postgres.Cluster(name, data, port or config.port("postgres_restore"),
                               data.parent / f"{data.name}.run")
    return Restored(cluster, restored_id, target)


def promoted(config: StackConfig, cluster: postgres.Cluster) -> bool:
    """Recovery is over and the copy takes writes."""
    if not postgres.is_ready(config, cluster):
        return False
    try:
        return postgres.psql(config, "SELECT pg_is_in_recovery()", cluster=cluster).strip() == "f"
    except StartError:
        return False


def start_restored(config: StackConfig, restored: Restored, timeout: float = 120) -> int:
    """Start the restored copy and wait until it has replayed the WAL to the target and left recovery. A copy
    that cannot reach its target (a WAL segment missing from the archive) stops with FATAL "recovery ended
    before configured recovery target was reached": a StartError with the log."""
    running = running_pid(config, restored.cluster.name)
    if running is not None:
        raise StartError(f"a restored copy already runs as {restored.cluster.name} (pid {running}); stop it first "
                         f"(kill -INT {running}) or give the new one another name")
    return postgres.start_cluster(config, restored.cluster, postgres.server_settings(config, archive=False),
                                  ready=lambda: promoted(config, restored.cluster), timeout=timeout)


def describe(entries: list[dict[str, Any]]) -> str:
    """The base backups as a table; a restore can reach any moment after a backup's end."""
    if not entries:
        return "no base backups"
    rows = [f"{'backup id':<18}{'status':<8}{'began':<34}{'ended':<34}"]
    for entry in entries:
        rows.append(f"{entry.get('backup_id', ''):<18}{entry.get('status', ''):<8}"
                    f"{entry.get('begin_time_iso') or entry.get('begin_time') or '':<34}"
                    f"{entry.get('end_time_iso') or entry.get('end_time') or '':<34}")
    return "\n".join(rows).rstrip()


def log_restored(config: StackConfig, restored: Restored) -> None:
    cluster = restored.cluster
    log(f"restored {restored.backup_id} to {restored.target.isoformat()} in {cluster.data}; running on port "
        f"{cluster.port} (psql -h {cluster.sockets} -p {cluster.port} -U {config.pg_superuser})")
