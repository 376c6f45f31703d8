"""Two steps of Litestar's path to a handler, done the lean way in every Regie process (`lean_handler_path()`).

Under load these were a fifth of a service's CPU per request and did nothing for us (bench/README.md):

- **Dependencies side by side.** Litestar resolves the dependencies of one level in an anyio task group, a task
  each, when there are two or more (litestar-org/litestar#4563). Nearly every handler here takes two (`session`
  and `principal`) and each is quick (a session object, the request's user, a pool). They are resolved one after
  the other instead, level by level as before, so a dependency still sees the ones it asks for; an exception is
  raised as it comes, as the task group's first one was.
- **A copy of the handler per guard.** Litestar hands each guard a shallow copy of the route handler, so that a
  guard cannot change the handler for later requests. Ours (`shared.auth.require_roles`, the gateway's) only read
  the connection: they are handed the handler itself."""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler


async def _dependencies_in_turn(self: KwargsModel, connection: ASGIConnection,
                                kwargs: dict[str, Any]) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


async def _guards_on_the_handler(self: BaseRouteHandler, connection: ASGIConnection) -> None:
    for guard in self.resolve_guards():
        await guard(connection, self)  # type: ignore[misc]


def lean_handler_path() -> None:
    """Installs both (idempotent): called where a process builds its application."""
    KwargsModel.resolve_dependencies = _dependencies_in_turn  # type: ignore[method-assign]
    BaseRouteHandler.authorize_connection = _guards_on_the_handler  # type: ignore[method-assign]
