"""The logbook API (behind the gateway at /<tenant>/api/foodsavers/…): the phone's sync, closing a round, a
round's logbook, a pickup's photo."""

from __future__ import annotations

import uuid
from decimal import Decimal

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.response import Stream
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.impact.cache import FIGURES
from services.foodsavers.logbook import service
from services.foodsavers.logbook.schemas import (
    BalanceOut,
    CloseIn,
    DeliveryLineOut,
    DeliveryOut,
    FlagOut,
    LogbookOut,
    PhotoOut,
    PickupLineOut,
    PickupOut,
    SyncIn,
    SyncOut,
)
from services.foodsavers.portal import COORDINATORS, DRIVERS
from services.foodsavers.safety.models import RoundFlag
from services.foodsavers.safety.rules import FINDING_LABELS, Balance
from shared.auth import Principal, require_roles
from shared.i18n import _
from shared.problems import BadRequest
from shared.service_app import Runtime
from shared.storage import ObjectStore

LOGGING = (*DRIVERS, *COORDINATORS)
"""Who logs: a driver on their own rounds (checked per item), a coordinator on any."""

_decoder = msgspec.json.Decoder(SyncIn)


def flag_out(flag: RoundFlag, day: object = None, driver_name: str = "") -> FlagOut:
    return FlagOut(id=flag.id, round_id=flag.round_id, kind=flag.kind, label=FINDING_LABELS.get(flag.kind, flag.kind),
                   detail=flag.detail, raised_at=flag.raised_at, resolved_at=flag.resolved_at,
                   resolved_by=flag.resolved_by, resolution=flag.resolution, round_day=day,  # type: ignore[arg-type]
                   driver_name=driver_name)


def balance_out(balance: Balance, refused: int) -> BalanceOut:
    return BalanceOut(picked_up_grams=balance.picked_up, delivered_grams=balance.delivered,
                      discarded_grams=balance.discarded, left_in_van_grams=balance.left_in_van,
                      refused_grams=refused, difference_grams=balance.difference, tolerance_grams=balance.tolerance,
                      holds=balance.holds)


def celsius(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def logbook_out(book: service.RoundLogbook) -> LogbookOut:
    r = book.round
    return LogbookOut(
        round_id=r.id, day=r.day, kind=r.kind, status=r.status, driver_name=book.driver_name, km=r.km,
        started_at=r.started_at, closed_at=r.closed_at, closed_by=r.closed_by, totals=r.totals,
        pickups=[PickupOut(id=p.id, donor_id=p.donor_id, donor_name=name, stop_id=p.stop_id,
                           picked_up_at=p.picked_up_at, van_full=p.van_full, left_behind_grams=p.left_behind_grams,
                           note=p.note, has_photo=bool(p.photo_key),
                           lines=[PickupLineOut(id=li.id, category=li.category, grams=li.grams,
                                                refused_grams=li.refused_grams, refused_reason=li.refused_reason,
                                                date_kind=li.date_kind, best_date=li.best_date,
                                                celsius=celsius(li.celsius), flags=list(li.flags))
                                  for li in lines])
                 for p, name, lines in book.pickups],
        deliveries=[DeliveryOut(id=d.id, recipient_id=d.recipient_id, recipient_name=name, stop_id=d.stop_id,
                                delivered_at=d.delivered_at, confirmed_by=d.confirmed_by, note=d.note,
                                lines=[DeliveryLineOut(id=li.id, category=li.category, grams=li.grams)
                                       for li in lines])
                    for d, name, lines in book.deliveries],
        balance=balance_out(book.balance, book.refused_grams),
        flags=[flag_out(f, r.day, book.driver_name) for f in book.flags])


class SyncController(Controller):
    path = "/{tenant:str}"
    tags = ["logbook"]

    @post("/sync", guards=[require_roles(*LOGGING)], status_code=200)
    async def sync(self, request: Request, session: AsyncSession, principal: Principal) -> Response[SyncOut]:
        """What the phone kept while offline: pickups, deliveries and closings, each keyed by the id the phone
        made. 200 with every item's outcome (stored, already-stored, or refused with its Dutch reason); a
        malformed body is a 400, more than 2000 lines a 413."""
        try:
            body = _decoder.decode(await request.body())
        except msgspec.DecodeError as exc:
            raise BadRequest(_("de zending is geen geldige JSON in de afgesproken vorm: %(error)s")
                             % {"error": exc}) from exc
        # The province's figures change with the lines: forgotten once the transaction has committed (the
        # background task runs after the response, the unit of work commits before it).
        return Response(await service.sync(session, principal, body),
                        background=BackgroundTask(FIGURES.forget, principal.tenant))

    @post("/rounds/{round_id:uuid}/close", guards=[require_roles(*LOGGING)], status_code=200)
    async def close(self, round_id: uuid.UUID, data: CloseIn, session: AsyncSession,
                    principal: Principal) -> Response[LogbookOut]:
        """Closes the round with the km driven, what is still in the van and what was thrown away on the way:
        its totals and mass balance kept, a flag when the balance does not hold, round.closed announced (and the
        province's figures forgotten: a method net of the vans counts the km)."""
        await service.close_round(session, principal, round_id, km=data.km, left_in_van_grams=data.left_in_van_grams,
                                  discarded_grams=data.discarded_grams, closed_at=data.closed_at)
        await session.flush()
        session.expire_all()
        return Response(logbook_out(await service.round_logbook(session, principal.tenant, round_id)),
                        background=BackgroundTask(FIGURES.forget, principal.tenant))

    @get("/rounds/{round_id:uuid}/logbook", guards=[require_roles(*LOGGING)])
    async def logbook(self, round_id: uuid.UUID, session: AsyncSession, principal: Principal) -> LogbookOut:
        """The round's pickups and deliveries with their lines, its mass balance and its flags."""
        await service.may_read_round(session, principal, round_id)
        return logbook_out(await service.round_logbook(session, principal.tenant, round_id))

    @put("/pickups/{pickup_id:uuid}/photo", guards=[require_roles(*LOGGING)], status_code=200)
    async def put_photo(self, request: Request, pickup_id: uuid.UUID, principal: Principal, store: ObjectStore,
                        runtime: Runtime) -> PhotoOut:
        """The photo as the raw body (image/jpeg, image/png or image/webp, at most 8 MB); a second one replaces
        the first."""
        stored = await service.put_photo(lambda: runtime.db.transaction(principal.tenant), principal, store,
                                         pickup_id, content_type=request.headers.get("content-type", ""),
                                         chunks=request.stream())
        return PhotoOut(pickup_id=pickup_id, key=stored.key, content_type=stored.content_type, size=stored.size)

    @get("/pickups/{pickup_id:uuid}/photo", guards=[require_roles(*LOGGING)])
    async def get_photo(self, pickup_id: uuid.UUID, session: AsyncSession, principal: Principal,
                        store: ObjectStore) -> Stream:
        media_type, content = await service.read_photo(session, principal, store, pickup_id)
        return Stream(content.chunks, media_type=media_type,
                      headers={"Content-Length": str(content.size), "Cache-Control": "private, no-store"})


CONTROLLERS: list[ControllerRouterHandler] = [SyncController]
