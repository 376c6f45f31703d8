"""The planning API (behind the gateway at /<tenant>/api/foodsavers/…): round series and the rounds they generate,
one-off rounds, changing or cancelling one occurrence, the day's plan per driver, the driver's own day (what the
driver's app loads) and a FEAD round's transfer form. Coordinators and the province's administrator write; a
driver reads their own rounds."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers import portal
from services.foodsavers.planning import rules, service, transfer_form
from services.foodsavers.planning.models import Round, RoundSeries
from services.foodsavers.planning.repository import PlanningRepository
from services.foodsavers.planning.schemas import (
    Cancellation,
    DayPlan,
    MyDay,
    RoundChanges,
    RoundIn,
    RoundOut,
    RoundPage,
    SeriesChanges,
    SeriesIn,
    SeriesOut,
    SeriesPage,
)
from services.foodsavers.planning.views import series_out, summaries_out
from shared import idempotency
from shared.auth import Principal, require_roles
from shared.downloads import FileFormat, made_file
from shared.i18n import _
from shared.problems import BadRequest
from shared.versioning import IdempotencyKey, IfMatch, etag, expected_version

WRITERS = portal.COORDINATORS
READERS = portal.READERS
T = TypeVar("T")


async def series_answer(session: AsyncSession, principal: Principal, found: RoundSeries,
                        status_code: int = 200) -> Response[SeriesOut]:
    (answer,) = await series_out(PlanningRepository(session, principal.tenant), [found])
    return Response(answer, status_code=status_code, headers={"ETag": etag(found.version)})


async def round_answer(session: AsyncSession, principal: Principal, found: Round,
                       status_code: int = 200) -> Response[RoundOut]:
    answer = await service.round_out(session, principal.tenant, found)
    return Response(answer, status_code=status_code, headers={"ETag": etag(found.version)})


async def created_once(request: Request, session: AsyncSession, principal: Principal, key: str | None,
                       make: Callable[[], Awaitable[Response[T]]]) -> Response[T]:
    """A creating call with an optional Idempotency-Key: a retry with the same key gets the first answer."""
    keyed = await idempotency.claim_request(session, request, tenant=principal.tenant, subject=principal.subject,
                                            key=key)
    if keyed is not None and keyed.replay is not None:
        return keyed.replay
    return await idempotency.remember(session, keyed, await make())


def uuid_cursor(cursor: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(cursor) if cursor else None
    except ValueError as exc:
        raise BadRequest(_("ongeldige cursor")) from exc


def round_cursor(cursor: str | None) -> tuple[date, uuid.UUID] | None:
    """"<day>_<id>": the last round of the previous page."""
    if not cursor:
        return None
    try:
        day, _sep, round_id = cursor.partition("_")
        return date.fromisoformat(day), uuid.UUID(round_id)
    except ValueError as exc:
        raise BadRequest(_("ongeldige cursor")) from exc


def brussels_day(day: date | None) -> date:
    return day or rules.today()


class SeriesController(Controller):
    path = "/{tenant:str}/series"
    tags = ["planning"]

    @post("/", guards=[require_roles(*WRITERS)])
    async def create_series(self, request: Request, data: SeriesIn, session: AsyncSession, principal: Principal,
                            idempotency_key: IdempotencyKey = None) -> Response[SeriesOut]:
        """A recurring round and its rounds up to six weeks ahead (or its end). With an Idempotency-Key a retry
        gets the first answer, not a second series."""
        async def make() -> Response[SeriesOut]:
            created = await service.create_series(session, principal, data)
            return await series_answer(session, principal, created, 201)

        return await created_once(request, session, principal, idempotency_key, make)

    @get("/", guards=[require_roles(*WRITERS)])
    async def list_series(self, session: AsyncSession, principal: Principal,
                          limit: int = Parameter(default=50, ge=1, le=200),
                          cursor: str | None = Parameter(default=None)) -> SeriesPage:
        rows = await service.series_page(session, principal, uuid_cursor(cursor), limit)
        items = await series_out(PlanningRepository(session, principal.tenant), rows[:limit])
        return SeriesPage(items=items, next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)

    @get("/{series_id:uuid}", guards=[require_roles(*WRITERS)])
    async def get_series(self, series_id: uuid.UUID, session: AsyncSession,
                         principal: Principal) -> Response[SeriesOut]:
        return await series_answer(session, principal, await service.get_series(session, principal.tenant,
                                                                                series_id))

    @patch("/{series_id:uuid}", guards=[require_roles(*WRITERS)])
    async def change_series(self, series_id: uuid.UUID, data: SeriesChanges, session: AsyncSession,
                            principal: Principal, if_match: IfMatch = None) -> Response[SeriesOut]:
        """Changes the series and its untouched planned occurrences from `effective_from` (default today) on;
        occurrences changed by hand, cancelled, under way or closed stay as they are."""
        changed = await service.change_series(session, principal, series_id, data, expected_version(if_match))
        return await series_answer(session, principal, changed)


class RoundController(Controller):
    path = "/{tenant:str}/rounds"
    tags = ["planning"]

    @post("/", guards=[require_roles(*WRITERS)])
    async def create_round(self, request: Request, data: RoundIn, session: AsyncSession, principal: Principal,
                           idempotency_key: IdempotencyKey = None) -> Response[RoundOut]:
        """A one-off round outside any series (e.g. an extra FEAD transport)."""
        async def make() -> Response[RoundOut]:
            created = await service.create_round(session, principal, data)
            return await round_answer(session, principal, created, 201)

        return await created_once(request, session, principal, idempotency_key, make)

    @get("/", guards=[require_roles(*READERS)])
    async def list_rounds(
        self, session: AsyncSession, principal: Principal,
        from_day: date | None = Parameter(query="from", default=None),
        until_day: date | None = Parameter(query="until", default=None),
        driver_id: uuid.UUID | None = Parameter(default=None), kind: str | None = Parameter(default=None),
        status: str | None = Parameter(default=None), limit: int = Parameter(default=50, ge=1, le=500),
        cursor: str | None = Parameter(default=None),
    ) -> RoundPage:
        """Rounds by day (then id), filtered; a driver sees only their own."""
        rows = await service.page(session, principal, from_day=from_day, until_day=until_day, driver_id=driver_id,
                                  kind=kind, status=status, after=round_cursor(cursor), limit=limit)
        items = await summaries_out(PlanningRepository(session, principal.tenant), rows[:limit])
        last = rows[limit - 1] if len(rows) > limit else None
        return RoundPage(items=items, next_cursor=f"{last.day.isoformat()}_{last.id}" if last else None)

    @get("/{round_id:uuid}", guards=[require_roles(*READERS)])
    async def get_round(self, round_id: uuid.UUID, session: AsyncSession,
                        principal: Principal) -> Response[RoundOut]:
        return await round_answer(session, principal, await service.readable_round(session, principal, round_id))

    @patch("/{round_id:uuid}", guards=[require_roles(*WRITERS)])
    async def change_round(self, round_id: uuid.UUID, data: RoundChanges, session: AsyncSession,
                           principal: Principal, if_match: IfMatch = None) -> Response[RoundOut]:
        """One occurrence changed by hand (marked edited: its series' later changes leave it alone); 409 once
        it is under way, closed or cancelled."""
        changed = await service.change_round(session, principal, round_id, data, expected_version(if_match))
        return await round_answer(session, principal, changed)

    @post("/{round_id:uuid}/cancel", guards=[require_roles(*WRITERS)], status_code=200)
    async def cancel_round(self, round_id: uuid.UUID, data: Cancellation, session: AsyncSession,
                           principal: Principal, if_match: IfMatch = None) -> Response[RoundOut]:
        cancelled = await service.cancel_round(session, principal, round_id, data.reason, expected_version(if_match))
        return await round_answer(session, principal, cancelled)

    @get("/{round_id:uuid}/transfer-form.pdf", guards=[require_roles(*READERS)])
    async def transfer_form(self, round_id: uuid.UUID, session: AsyncSession,
                            principal: Principal) -> Response[bytes]:
        """The FEAD transfer form as PDF (FEAD rounds only), for a coordinator or the round's driver."""
        form = await transfer_form.transfer_form(session, principal, round_id)
        content = await asyncio.to_thread(transfer_form.render, form)
        return made_file(content, FileFormat.PDF, form.file_name.removesuffix(".pdf"), inline=True)


class DayController(Controller):
    path = "/{tenant:str}"
    tags = ["planning"]

    @get("/day", guards=[require_roles(*WRITERS)])
    async def day(self, session: AsyncSession, principal: Principal,
                  day: date | None = Parameter(default=None)) -> DayPlan:
        """The day's plan per driver (default today, Brussels)."""
        return await service.day_plan(session, principal, brussels_day(day))

    @get("/my/day", guards=[require_roles(*portal.DRIVERS)])
    async def my_day(self, session: AsyncSession, principal: Principal,
                     day: date | None = Parameter(default=None)) -> MyDay:
        """The signed-in driver's rounds that day (default today, Brussels) with every stop's details."""
        return await service.day_plan_for_driver(session, principal, brussels_day(day))


CONTROLLERS: list[ControllerRouterHandler] = [SeriesController, RoundController, DayController]
