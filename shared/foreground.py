"""Requests before background work, in one service process.

A process answers its requests and does its background work (its event consumers' handlers, the loops of
ServiceSpec.background: e-mail, reminders, closing calls) on the same event loop and the same cores. At a call's
deadline the applicants wait for their answers while every earlier submission's reactions (its notices, its receipt
e-mail) are still being worked off; the two took turns, and the answers waited for the reactions
(bench/README.md, "Submissions at the deadline"). The reactions can wait a moment; the applicant at the deadline
cannot.

`Foreground` counts the requests the process is answering: from their arrival to the start of their response (a
download streaming its body, or a page the browser still reads, no longer holds anything up). Background work
takes a `turn()` before each unit of work (a batch of events, an e-mail, a province's round), which waits until no
request is being answered. It never waits longer than `max_wait_seconds`: under a load that never pauses, or a
request that takes long (a large upload), background work then goes ahead, and for as long again it does not
wait at all. The outbox relay takes no turns: it publishes what has committed, and other services wait for it.

A turn before the unit of work is not enough: requests arrive at any moment, and one that arrives while an event
consumer's transaction is under way had its every step wait behind the consumer's (a receipt notice costs grants
more CPU than the submission it follows; bench/README.md, "The seventh look"). So the event consumers' units of
work also `give_way()` before each of their statements (shared.db.GIVES_WAY_KEY), briefly: what they locked stays
locked while they wait, and a request may be waiting for exactly that."""

from __future__ import annotations

import asyncio
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send


class Foreground:
    def __init__(self, max_wait_seconds: float = 1.0, give_way_seconds: float = 0.025) -> None:
        self.max_wait_seconds = max_wait_seconds
        self.give_way_seconds = give_way_seconds
        """How long a unit of work already under way waits for the requests at most, before each statement: a
        few of a submission's answers (p50 5 ms, p95 10 ms at a deadline's burst), short enough that a request
        waiting for a lock the unit of work holds loses little."""
        self.answering = 0
        """Requests arrived and not yet answered (their response not started)."""
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._free_until = 0.0

    def counting(self, app: ASGIApp) -> ASGIApp:
        """`app` with its HTTP requests counted while they are being answered."""

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            answering = True
            self._arrived()

            async def send_counted(message: Message) -> None:
                nonlocal answering
                if answering and message["type"] == "http.response.start":
                    answering = False
                    self._answered()
                await send(message)

            try:
                await app(scope, receive, send_counted)
            finally:
                if answering:  # no response started: an error, or the client went away
                    self._answered()

        return counted

    def _arrived(self) -> None:
        self.answering += 1
        self._quiet.clear()

    def _answered(self) -> None:
        self.answering -= 1
        if not self.answering:
            self._quiet.set()

    async def turn(self) -> None:
        """Returns when no request is being answered, or after `max_wait_seconds`; after such a wait in vain, at
        once for as long again."""
        await self._wait_for_quiet(self.max_wait_seconds)

    async def give_way(self) -> None:
        """Within a unit of work under way, before its next statement: returns when no request is being answered,
        or after `give_way_seconds`; after such a wait in vain, at once for as long again (a load that never
        pauses still leaves the work half the time)."""
        await self._wait_for_quiet(self.give_way_seconds)

    async def _wait_for_quiet(self, limit: float) -> None:
        """Until no request is being answered, at most `limit`; after a wait in vain, none for as long again (a
        free time already longer is kept)."""
        if not self.answering or time.monotonic() < self._free_until:
            return
        try:
            await asyncio.wait_for(self._quiet.wait(), limit)
        except TimeoutError:
            self._free_until = max(self._free_until, time.monotonic() + limit)
