"""Backup and point-in-time restore with Barman Cloud (devstack/backup.py) on a real PostgreSQL and the stack's S3.

A PostgreSQL of its own (its own data directory and port) ships its WAL to the backup bucket while writers insert
rows; a base backup is taken while they write, they write on, and the database is restored into a new data
directory to a moment after the backup, in the middle of the writes. Every row whose commit was acknowledged
before that moment is there, none whose commit was sent after it. A second restore, with WAL segments taken out
of the archive, must refuse to start rather than come up short."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from devstack import backup, postgres
from devstack.config import BACKUP_KEY, StackConfig
from devstack.processes import StartError, stop_process
from devstack.stack import Stack

WRITERS = 4
MARGIN = 0.002
"""Seconds around the target within which a commit is not judged (the clocks' resolution)."""


@dataclass(frozen=True)
class Write:
    key: tuple[int, int]
    """(writer, sequence number)."""
    sent: float
    acked: float
    """Wall-clock times before the INSERT's (auto)commit went out and after it was acknowledged: the commit's
    own timestamp, the one recovery_target_time is compared with, lies between them."""


@dataclass(frozen=True)
class Verdict:
    before: int
    """Rows acknowledged before the target: each must be there."""
    after: int
    """Rows sent after the target: none may be there."""
    undecided: int
    """Rows whose commit straddles the target (within MARGIN): not judged."""
    missing: list[tuple[int, int]]
    unexpected: list[tuple[int, int]]


def judge(writes: list[Write], present: set[tuple[int, int]], target: float) -> Verdict:
    before = [w for w in writes if w.acked < target - MARGIN]
    after = [w for w in writes if w.sent > target + MARGIN]
    return Verdict(
        before=len(before), after=len(after), undecided=len(writes) - len(before) - len(after),
        missing=sorted(w.key for w in before if w.key not in present),
        unexpected=sorted(w.key for w in after if w.key in present),
    )


async def connect(cluster: postgres.Cluster, config: StackConfig) -> asyncpg.Connection:
    return await asyncpg.connect(host=str(cluster.sockets), port=cluster.port, user=config.pg_superuser,
                                 database="postgres")


async def writer(cluster: postgres.Cluster, config: StackConfig, number: int, stop: asyncio.Event,
                 writes: list[Write]) -> None:
    connection = await connect(cluster, config)
    try:
        sequence = 0
        while not stop.is_set():
            sequence += 1
            sent = time.time()
            await connection.execute("INSERT INTO ledger (writer, seq) VALUES ($1, $2)", number, sequence)
            writes.append(Write((number, sequence), sent, time.time()))
            # Steady rather than flat out: the base backup shares the machine's two cores with the writers.
            await asyncio.sleep(0.002)
    finally:
        await connection.close()


async def rows(cluster: postgres.Cluster, config: StackConfig) -> set[tuple[int, int]]:
    connection = await connect(cluster, config)
    try:
        return {(r["writer"], r["seq"]) for r in await connection.fetch("SELECT writer, seq FROM ledger")}
    finally:
        await connection.close()


async def wait_archived(cluster: postgres.Cluster, config: StackConfig, segment: str, timeout: float = 30) -> None:
    """Until the archiver has shipped `segment` (WAL file names sort in order)."""
    deadline = time.monotonic() + timeout
    while True:
        done = postgres.psql(config, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver", cluster=cluster)
        if done.strip()[:24] >= segment:
            return
        assert time.monotonic() < deadline, f"{segment} was not archived in {timeout:.0f}s (last: {done.strip()})"
        await asyncio.sleep(0.2)


def backup_client(config: StackConfig) -> Any:  # a minio.Minio with the backup key
    import minio

    access, secret = config.s3_service_key(BACKUP_KEY)
    return minio.Minio(config.s3_endpoint, access_key=access, secret_key=secret, secure=False)


@pytest.fixture()
def scratch(infra: Stack, stack_config: StackConfig) -> Iterator[tuple[Path, str]]:
    """A folder for the data directories and a server name (folder) of its own in the backup bucket; both gone
    afterwards."""
    root = stack_config.state_dir / "backup-test"
    shutil.rmtree(root, ignore_errors=True)
    server = f"test-{uuid.uuid4().hex[:12]}"
    yield root, server
    for name in ("postgres-backup-source", backup.RESTORED):
        stop_process(stack_config, name)
    shutil.rmtree(root, ignore_errors=True)
    client = backup_client(stack_config)
    for item in client.list_objects(backup.BUCKET, prefix=f"{server}/", recursive=True):
        client.remove_object(backup.BUCKET, item.object_name)


async def test_a_backup_taken_during_writes_restores_every_row_committed_before_the_target_and_none_after(
        scratch: tuple[Path, str], stack_config: StackConfig) -> None:
    config = stack_config
    root, server = scratch
    source = postgres.Cluster("postgres-backup-source", root / "source", config.port("postgres_spare"),
                              root / "source.run")
    postgres.ensure_initialised(config, source)
    postgres.start_cluster(config, source, backup.archive_settings(config, server))
    postgres.psql(config, "CREATE TABLE ledger (writer int, seq int, written_at timestamptz DEFAULT clock_timestamp(),"
                          " PRIMARY KEY (writer, seq))", cluster=source)

    stop = asyncio.Event()
    writes: list[Write] = []
    writers = [asyncio.create_task(writer(source, config, n, stop, writes)) for n in range(WRITERS)]
    await asyncio.sleep(0.5)
    started = time.time()
    backup_id = await asyncio.to_thread(backup.base_backup, config, source, server)
    ended = time.time()
    await asyncio.sleep(1.5)
    target = time.time()
    await asyncio.sleep(1.5)
    stop.set()
    await asyncio.gather(*writers)
    switched = postgres.psql(config, "SELECT pg_walfile_name(pg_switch_wal())", cluster=source).strip()
    await wait_archived(source, config, switched)
    during_backup = sum(1 for w in writes if started <= w.sent and w.acked <= ended)

    restored = await asyncio.to_thread(backup.restore, config, server, datetime.fromtimestamp(target, UTC),
                                       root / "restored")
    assert restored.backup_id == backup_id
    await asyncio.to_thread(backup.start_restored, config, restored)
    present = await rows(restored.cluster, config)
    verdict = judge(writes, present, target)
    print(f"\n{len(writes)} rows written by {WRITERS} writers, {during_backup} of them during the base backup "
          f"({ended - started:.1f}s); restored to {datetime.fromtimestamp(target, UTC).isoformat()}: "
          f"{len(present)} rows there; {verdict.before} committed before the target, all there: "
          f"{not verdict.missing}; {verdict.after} sent after it, none there: {not verdict.unexpected}; "
          f"{verdict.undecided} at the boundary not judged")
    assert during_backup > 0 and verdict.before > during_backup and verdict.after > 0
    assert verdict.missing == [] and verdict.unexpected == []

    # The checker is not vacuous: the same copy, judged as if it had been restored a second later or earlier,
    # misses the rows of that second, or has rows it should not.
    later, earlier = judge(writes, present, target + 1.0), judge(writes, present, target - 1.0)
    assert len(later.missing) > 0 and later.unexpected == []
    assert len(earlier.unexpected) > 0 and earlier.missing == []

    # A broken archive: without the WAL after the base backup the copy cannot reach the target; it stops
    # instead of coming up with part of the data.
    stop_process(config, restored.cluster.name)
    entry = next(e for e in backup.backups(config, server) if e["backup_id"] == backup_id)
    removed = remove_wal_after(config, server, entry["end_wal"])
    assert removed, "no archived WAL after the base backup to take out"
    broken = await asyncio.to_thread(backup.restore, config, server, datetime.fromtimestamp(target, UTC),
                                     root / "broken")
    with pytest.raises(StartError) as failure:
        await asyncio.to_thread(backup.start_restored, config, broken, 60)
    assert "recovery ended before configured recovery target was reached" in str(failure.value)
    print(f"without {len(removed)} WAL segment(s) after {entry['end_wal']} the restore stops: "
          "recovery ended before configured recovery target was reached")


def remove_wal_after(config: StackConfig, server: str, last_kept: str) -> list[str]:
    """Delete the archived WAL segments after `last_kept` (s3://regie-backup/<server>/wals/...)."""
    client = backup_client(config)
    removed = []
    for item in client.list_objects(backup.BUCKET, prefix=f"{server}/wals/", recursive=True):
        segment = item.object_name.rsplit("/", 1)[-1].split(".")[0]
        if len(segment) == 24 and segment > last_kept:
            client.remove_object(backup.BUCKET, item.object_name)
            removed.append(segment)
    return removed
