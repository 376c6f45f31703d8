"""The safety API (behind the gateway at /<tenant>/api/foodsavers/…): the temperature limits, the register, the
flags on rounds and the recall query. For coordinators."""

from __future__ import annotations

import uuid
from datetime import date

from litestar import Controller, get, post, put
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.logbook.routes import flag_out
from services.foodsavers.portal import COORDINATORS
from services.foodsavers.registry.categories import Category
from services.foodsavers.safety import service
from services.foodsavers.safety.models import SafetyRegisterEntry
from services.foodsavers.safety.rules import ACTION_LABELS, FINDING_LABELS
from services.foodsavers.safety.schemas import (
    FlagPage,
    LimitOut,
    LimitsIn,
    LimitsOut,
    RecallOut,
    RecallRecipientOut,
    RecallRoundOut,
    RegisterEntryOut,
    RegisterPage,
    ResolveIn,
)
from shared import municipalities
from shared.auth import Principal, require_roles
from shared.i18n import _
from shared.problems import BadRequest, Invalid

RECALL_NOTE = ("Een rit mengt schenkers: per ontvanger staat wat die van deze categorie kreeg op de ritten die "
               "voedsel van deze schenker in deze categorie vervoerden; per rit staat wat de schenker inlaadde.")


async def limits_out(session: AsyncSession, tenant: str) -> LimitsOut:
    found = await service.limits(session, tenant)
    return LimitsOut(limits=[LimitOut(storage=storage.value, max_celsius=str(limit.max_celsius),
                                      action=limit.action.value, action_label=ACTION_LABELS[limit.action],
                                      default=row is None, updated_by=row.updated_by if row else "",
                                      updated_at=row.updated_at if row else None)
                             for storage, (limit, row) in found.items()])


def entry_out(e: SafetyRegisterEntry) -> RegisterEntryOut:
    return RegisterEntryOut(id=e.id, kind=e.kind, label=FINDING_LABELS.get(e.kind, e.kind), outcome=e.outcome,
                            round_id=e.round_id, pickup_id=e.pickup_id, line_id=e.line_id, donor_id=e.donor_id,
                            category=e.category, grams=e.grams, detail=e.detail, occurred_at=e.occurred_at)


def a_category(value: str) -> Category:
    try:
        return Category(value)
    except ValueError as exc:
        raise Invalid(_("onbekende categorie %(value)s") % {"value": repr(value)}, field="category",
                      allowed=[c.value for c in Category]) from exc


def recall_out(found: service.Recall) -> RecallOut:
    return RecallOut(
        donor_id=found.donor_id, category=found.category.value, since=found.since, until=found.until,
        donor_grams=found.donor_grams, delivered_grams=sum(r.delivered_grams for r in found.rounds),
        recipients=[RecallRecipientOut(recipient_id=r.recipient_id, name=r.name, municipality=r.municipality,
                                       municipality_name=municipalities.name_of(r.municipality),
                                       favv_number=r.favv_number, grams=r.grams, rounds=r.rounds, days=r.days,
                                       first_delivered_at=r.first_delivered_at, last_delivered_at=r.last_delivered_at)
                    for r in found.recipients],
        rounds=[RecallRoundOut(round_id=r.round_id, day=r.day, kind=r.kind, donor_grams=r.donor_grams,
                               delivered_grams=r.delivered_grams) for r in found.rounds],
        note=RECALL_NOTE)


class SafetyController(Controller):
    path = "/{tenant:str}"
    tags = ["safety"]
    guards = [require_roles(*COORDINATORS)]

    @get("/safety/limits")
    async def get_limits(self, session: AsyncSession, principal: Principal) -> LimitsOut:
        """The temperature limit and action per storage kind (the tenant's, or the FAVV-based default)."""
        return await limits_out(session, principal.tenant)

    @put("/safety/limits")
    async def put_limits(self, data: LimitsIn, session: AsyncSession, principal: Principal) -> LimitsOut:
        """Sets limits (chilled, frozen): each checked (a temperature in the storage's range, refuse or flag)."""
        if not data.limits:
            raise Invalid(_("geef minstens één grens"), field="limits")
        parsed = [service.parse_limit(item.storage, item.max_celsius, item.action) for item in data.limits]
        await service.set_limits(session, principal, parsed)
        return await limits_out(session, principal.tenant)

    @get("/safety/register")
    async def register(self, session: AsyncSession, principal: Principal,
                       since: date | None = Parameter(query="from", default=None),
                       until: date | None = Parameter(default=None), kind: str | None = Parameter(default=None),
                       limit: int = Parameter(default=50, ge=1, le=500),
                       cursor: str | None = Parameter(default=None)) -> RegisterPage:
        """What the food-safety rules did on entry, newest first, between Brussels days, of one kind."""
        try:
            after = uuid.UUID(cursor) if cursor else None
        except ValueError as exc:
            raise BadRequest(_("ongeldige cursor")) from exc
        found = await service.register_page(session, principal.tenant, since=since, until=until, kind=kind,
                                            after=after, limit=limit + 1)
        more = len(found) > limit
        return RegisterPage(items=[entry_out(e) for e in found[:limit]],
                            next_cursor=str(found[limit - 1].id) if more else None)

    @get("/flags")
    async def flags(self, session: AsyncSession, principal: Principal, open: bool = Parameter(default=True),
                    round_id: uuid.UUID | None = Parameter(default=None),
                    limit: int = Parameter(default=100, ge=1, le=500)) -> FlagPage:
        """The flags on rounds (open ones by default), newest first, with each round's day and driver."""
        found = await service.flags(session, principal.tenant, open_only=open, round_id=round_id, limit=limit)
        return FlagPage(items=[flag_out(f.flag, f.day, f.driver_name) for f in found])

    @post("/flags/{flag_id:uuid}/resolve", status_code=200)
    async def resolve(self, flag_id: uuid.UUID, data: ResolveIn, session: AsyncSession,
                      principal: Principal) -> FlagPage:
        flag = await service.resolve_flag(session, principal, flag_id, data.resolution)
        return FlagPage(items=[flag_out(flag)])

    @get("/recall")
    async def recall(self, session: AsyncSession, principal: Principal, donor_id: uuid.UUID = Parameter(),
                     category: str = Parameter(), since: date = Parameter(query="from"),
                     until: date = Parameter()) -> RecallOut:
        """Which recipients got `category` from `donor_id` between the Brussels days, how much, on which rounds
        and days: one query."""
        return recall_out(await service.recall(session, principal.tenant, donor_id, a_category(category), since, until))


CONTROLLERS: list[ControllerRouterHandler] = [SafetyController]
