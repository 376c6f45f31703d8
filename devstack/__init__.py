"""The local Regie stack without Docker: PostgreSQL, NATS JetStream, SeaweedFS S3, Keycloak.

    from devstack import Stack, StackConfig
    stack = Stack(StackConfig.from_env("test")).up()

Command line: ``python -m devstack up|down|status [--profile run|test]``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["Stack", "StackConfig", "StartError", "start_process", "stop_all", "stop_process"]

if TYPE_CHECKING:
    from devstack.config import StackConfig
    from devstack.processes import StartError, start_process, stop_all, stop_process
    from devstack.stack import Stack

# Resolved on first use, so that `python -m devstack.realms` (and anything
# that needs only the config) does not import every module of the package.
_EXPORTS = {
    "Stack": "devstack.stack",
    "StackConfig": "devstack.config",
    "StartError": "devstack.processes",
    "start_process": "devstack.processes",
    "stop_all": "devstack.processes",
    "stop_process": "devstack.processes",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'devstack' has no attribute {name!r}")
