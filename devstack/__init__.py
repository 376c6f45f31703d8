"""The local Regie stack without Docker: PostgreSQL, NATS JetStream, SeaweedFS S3, Keycloak.

    from devstack import Stack, StackConfig
    stack = Stack(StackConfig.from_env("test")).up()

Command line: ``python -m devstack up|down|status [--profile run|test]``.
"""

from devstack.config import StackConfig
from devstack.processes import StartError, start_process, stop_all, stop_process
from devstack.stack import Stack

__all__ = ["Stack", "StackConfig", "StartError", "start_process", "stop_all", "stop_process"]
