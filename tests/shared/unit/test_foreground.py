"""Requests before background work (shared/foreground.py): a turn waits while the process is answering a request,
until the answer starts, never longer than its limit, and not at all for as long again after a wait in vain."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.foreground import Foreground
from tests.support import finished


class Answering:
    """An ASGI app whose every request waits for `answer` before its response starts, then streams a body that
    waits for `finish`; or raises before any response when `fail` is set."""

    def __init__(self, fail: bool = False) -> None:
        self.answer = asyncio.Event()
        self.finish = asyncio.Event()
        self.fail = fail
        self.arrived = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.arrived.set()
        await self.answer.wait()
        if self.fail:
            raise RuntimeError("the handler broke")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await self.finish.wait()
        await send({"type": "http.response.body", "body": b"last", "more_body": False})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def request(foreground: Foreground, app: Answering, sent: list[dict[str, Any]],
            kind: str = "http") -> asyncio.Task[None]:
    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    return asyncio.create_task(foreground.counting(app)({"type": kind, "path": "/"}, receive, send))


async def test_a_turn_is_at_once_when_no_request_is_being_answered() -> None:
    foreground = Foreground(max_wait_seconds=10)
    assert await finished(asyncio.create_task(foreground.turn()), 0.01)


async def test_a_turn_waits_for_the_answer_to_start_not_for_its_body() -> None:
    foreground, app, sent = Foreground(max_wait_seconds=10), Answering(), []
    answering = request(foreground, app, sent)
    await app.arrived.wait()
    turn = asyncio.create_task(foreground.turn())
    assert not await finished(turn)
    assert foreground.answering == 1
    app.answer.set()
    assert await finished(turn)  # the body is still streaming
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert foreground.answering == 0
    app.finish.set()
    await answering
    assert foreground.answering == 0


async def test_a_turn_waits_until_every_request_is_answered() -> None:
    foreground, first, second, sent = Foreground(max_wait_seconds=10), Answering(), Answering(), []
    tasks = [request(foreground, first, sent), request(foreground, second, sent)]
    await first.arrived.wait()
    await second.arrived.wait()
    turn = asyncio.create_task(foreground.turn())
    first.answer.set()
    first.finish.set()
    assert not await finished(turn)
    second.answer.set()
    second.finish.set()
    assert await finished(turn)
    await asyncio.gather(*tasks)


async def test_a_request_that_fails_before_answering_holds_nothing_up() -> None:
    foreground, app, sent = Foreground(max_wait_seconds=10), Answering(fail=True), []
    answering = request(foreground, app, sent)
    await app.arrived.wait()
    app.answer.set()
    with pytest.raises(RuntimeError):
        await answering
    assert sent == [] and foreground.answering == 0
    assert await finished(asyncio.create_task(foreground.turn()), 0.01)


async def test_other_than_http_is_not_counted() -> None:
    foreground, app, sent = Foreground(max_wait_seconds=10), Answering(), []
    task = request(foreground, app, sent, kind="lifespan")
    await app.arrived.wait()
    assert foreground.answering == 0
    assert await finished(asyncio.create_task(foreground.turn()), 0.01)
    app.answer.set()
    app.finish.set()
    await task


async def test_a_turn_goes_ahead_after_its_limit_and_then_waits_for_nothing_for_as_long_again() -> None:
    foreground, app, sent = Foreground(max_wait_seconds=0.3), Answering(), []
    answering = request(foreground, app, sent)  # a request that takes long, an upload say
    await app.arrived.wait()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await foreground.turn()
    assert loop.time() - started >= 0.3
    started = loop.time()
    for _ in range(3):  # within the free time that follows: at once
        await foreground.turn()
    assert loop.time() - started < 0.1
    await asyncio.sleep(0.3)
    assert not await finished(asyncio.create_task(foreground.turn()), 0.1)  # after it: waiting again
    app.answer.set()
    app.finish.set()
    await answering


async def test_giving_way_waits_for_the_answer_but_only_briefly_and_then_not_for_as_long_again() -> None:
    """Within a unit of work under way (shared.db.GIVES_WAY_KEY): at once when no request is being answered;
    while one is, until its answer starts or `give_way_seconds` have passed, then at once for as long again."""
    foreground, app, sent = Foreground(max_wait_seconds=10, give_way_seconds=0.3), Answering(), []
    assert await finished(asyncio.create_task(foreground.give_way()), 0.01)
    answering = request(foreground, app, sent)
    await app.arrived.wait()
    waiting = asyncio.create_task(foreground.give_way())
    assert not await finished(waiting)
    app.answer.set()
    assert await finished(waiting)

    app.answer.clear()
    slow, answered_slowly = Answering(), []
    longer = request(foreground, slow, answered_slowly)  # a request that takes long, an upload say
    await slow.arrived.wait()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await foreground.give_way()
    assert loop.time() - started >= 0.3  # gone ahead after its limit, the request still unanswered
    assert foreground.answering == 1 and answered_slowly == []
    assert await finished(asyncio.create_task(foreground.give_way()), 0.05)  # and at once within as long again
    await asyncio.sleep(0.3)
    assert not await finished(asyncio.create_task(foreground.give_way()), 0.05)  # after it: waiting again
    for done in (app.finish, slow.answer, slow.finish):
        done.set()
    await asyncio.gather(answering, longer)
