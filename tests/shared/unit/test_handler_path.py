"""The lean path to a handler (shared/handler_path.py) keeps what Litestar's own did: dependencies of every level
resolved with the ones they ask for, a generator dependency's code after `yield` run once the answer is made
(also when the handler raised), the first failing dependency's error answered, and every guard run and able to
refuse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, get
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.testing import TestClient

from shared.handler_path import lean_handler_path

seen: list[str] = []


async def first() -> str:
    return "first"


def second() -> str:
    return "second"


async def unit(first: str, second: str) -> AsyncIterator[str]:
    seen.append(f"opened with {first} and {second}")
    try:
        yield "unit"
    finally:
        seen.append("closed")


def refused() -> str:
    raise ValidationException("refused by a dependency")


async def only_when_asked(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    seen.append(f"guard of {handler.handler_name}")
    if connection.query_params.get("let") != "in":
        raise NotAuthorizedException("not let in")


@get("/all", guards=[only_when_asked], sync_to_thread=False)
def everything(first: str, second: str, unit: str) -> dict[str, Any]:
    return {"values": [first, second, unit]}


@get("/failing", sync_to_thread=False)
def failing(unit: str) -> None:
    raise ValueError("the handler failed")


@get("/refused", sync_to_thread=False)
def with_refused(first: str, refused: str) -> None:
    raise AssertionError("never called")


def app() -> Litestar:
    lean_handler_path()
    return Litestar([everything, failing, with_refused], dependencies={
        "first": Provide(first), "second": Provide(second, sync_to_thread=False), "unit": Provide(unit),
        "refused": Provide(refused, sync_to_thread=False)})


def test_dependencies_levels_and_cleanup_as_before() -> None:
    seen.clear()
    with TestClient(app()) as client:
        answer = client.get("/all?let=in")
        assert answer.status_code == 200 and answer.json() == {"values": ["first", "second", "unit"]}
        assert seen == ["guard of everything", "opened with first and second", "closed"]
        seen.clear()
        assert client.get("/failing").status_code == 500
        assert seen == ["opened with first and second", "closed"]
        refusal = client.get("/refused")
        assert refusal.status_code == 400 and "refused by a dependency" in refusal.text


def test_guards_still_refuse() -> None:
    seen.clear()
    with TestClient(app()) as client:
        assert client.get("/all").status_code == 401
        assert seen == ["guard of everything"]  # refused before any dependency was made
