"""The Regie services on top of the components: started as real processes (`python -m services.<name>`,
which migrates its own database first), each with the environment `StackConfig.service_env` gives it."""

from __future__ import annotations

import compileall
import os
import subprocess
import sys

from devstack.config import REPO_ROOT, StackConfig
from devstack.processes import log, start_process, stop_process

# Producers before consumers is not required (every service ensures every stream), but the gateway last:
# its readiness checks the services behind it.
SERVICES = ("partners", "grants", "foodsavers", "gateway")


def service_url(config: StackConfig, service: str) -> str:
    return f"http://127.0.0.1:{config.service_env(service)['REGIE_HTTP_PORT']}"


def compile_bytecode(service: str) -> None:
    """The service's and the shared library's modules compiled to bytecode before it starts, where they are not
    yet or are older than their source. Where PYTHONDONTWRITEBYTECODE is set (this machine's shells, the
    Dockerfiles) Python never keeps what it compiles, and every start compiled all of them again: about half
    a second of CPU per service. Checking a current tree costs a few milliseconds."""
    for folder in (REPO_ROOT / "shared", REPO_ROOT / "services" / service):
        compileall.compile_dir(folder, quiet=2)
    compileall.compile_file(REPO_ROOT / "services" / "__init__.py", quiet=2)


def start_service(config: StackConfig, service: str, *, restart: bool = False) -> int:
    if restart:  # e.g. tests: never run against a process that still has older code loaded
        stop_process(config, service)
    compile_bytecode(service)
    return start_process(config, service, [sys.executable, "-m", f"services.{service}"],
                         env=config.service_env(service), ready=f"{service_url(config, service)}/health/ready",
                         timeout=90)


def start_services(config: StackConfig, services: tuple[str, ...] = SERVICES, *, restart: bool = False) -> None:
    for service in services:
        pid = start_service(config, service, restart=restart)
        log(f"{service} ready on {service_url(config, service)} (pid {pid})")


def stop_services(config: StackConfig, services: tuple[str, ...] = SERVICES) -> None:
    for service in reversed(services):
        stop_process(config, service)


def migrate_services(config: StackConfig) -> None:
    """Each service's Alembic migrations, as `make migrate` (services also migrate when they start)."""
    for service in SERVICES:
        if service == "gateway":
            continue  # no database
        subprocess.run([sys.executable, "-m", f"services.{service}", "migrate"],
                       env={**os.environ, **config.service_env(service)}, check=True)
