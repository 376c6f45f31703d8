"""Food safety's use cases: the tenant's temperature limits, the register of every rule that fired on entry,
the coordinator's flags on rounds (raised by the logbook, resolved here), and the recall query. Never commits.

`register` and `raise_flag` are what the logbook calls in its sync's transaction; `open_flags` is what the
coordinator's dashboard shows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.events.published import NoticeRaisedV1
from services.foodsavers.planning.models import Round
from services.foodsavers.registry.categories import Category, Storage
from services.foodsavers.registry.models import Driver
from services.foodsavers.safety import rules
from services.foodsavers.safety.models import RoundFlag, SafetyLimit, SafetyRegisterEntry
from services.foodsavers.safety.rules import Action, Finding, Limit
from shared.auth import Principal
from shared.i18n import _
from shared.ids import uuid7
from shared.notices.kinds import NoticeKind, RecipientKind
from shared.notices.service import in_every_language, raise_notice
from shared.portal import formats
from shared.problems import Conflict, Invalid, NotFound

BRUSSELS = ZoneInfo("Europe/Brussels")


# --- limits -------------------------------------------------------------------------------------------------


async def limits(session: AsyncSession, tenant: str) -> dict[Storage, tuple[Limit, SafetyLimit | None]]:
    """Each storage kind's limit: the tenant's row, or the default (row None)."""
    rows = {Storage(r.storage): r for r in (await session.scalars(
        select(SafetyLimit).where(SafetyLimit.tenant == tenant))).all()}
    return {storage: ((Limit(storage, Decimal(rows[storage].max_celsius), Action(rows[storage].action)), rows[storage])
                      if storage in rows else (default, None))
            for storage, default in rules.DEFAULT_LIMITS.items()}


def parse_limit(storage: Any, max_celsius: Any, action: Any) -> Limit:
    """A limit as typed, checked: a chilled or frozen storage kind, a temperature in its range, an action."""
    try:
        kind = Storage(storage)
    except ValueError:
        kind = None
    if kind not in rules.LIMIT_RANGES:
        raise Invalid(_("onbekende bewaring %(storage)s: kies gekoeld (chilled) of diepvries (frozen)")
                      % {"storage": repr(storage)}, field="storage")
    assert kind is not None
    try:
        celsius = Decimal(str(max_celsius).replace(",", ".")).quantize(Decimal("0.1"))
    except ArithmeticError as exc:
        raise Invalid(_("%(value)s is geen temperatuur") % {"value": repr(max_celsius)}, field="max_celsius") from exc
    low, high = rules.LIMIT_RANGES[kind]
    if not celsius.is_finite() or not low <= celsius <= high:
        between = {"low": rules.celsius_text(low), "high": rules.celsius_text(high)}
        raise Invalid((_("de grens voor gekoelde voeding moet tussen %(low)s en %(high)s liggen")
                       if kind is Storage.CHILLED else
                       _("de grens voor diepgevroren voeding moet tussen %(low)s en %(high)s liggen")) % between,
                      field="max_celsius")
    try:
        chosen = Action(action)
    except ValueError as exc:
        raise Invalid(_("onbekende handeling %(action)s: kies weigeren (refuse) of signaleren (flag)")
                      % {"action": repr(action)},
                      field="action") from exc
    return Limit(kind, celsius, chosen)


async def set_limits(session: AsyncSession, principal: Principal, changed: Iterable[Limit]) -> None:
    """Sets the tenant's limits (one row per storage kind, created or changed)."""
    for limit in changed:
        await session.execute(text("""
            INSERT INTO safety_limits (id, tenant, storage, max_celsius, action, updated_by, updated_at)
            VALUES (:id, :tenant, :storage, :max, :action, :by, now())
            ON CONFLICT (tenant, storage) DO UPDATE
               SET max_celsius = EXCLUDED.max_celsius, action = EXCLUDED.action, updated_by = EXCLUDED.updated_by,
                   updated_at = now()"""), {
            "id": uuid7(), "tenant": principal.tenant, "storage": limit.storage.value, "max": limit.max_celsius,
            "action": limit.action.value, "by": principal.username})


# --- the register and the flags -----------------------------------------------------------------------------


async def register(session: AsyncSession, tenant: str, entries: list[dict[str, Any]]) -> None:
    """Adds register entries (keys as SafetyRegisterEntry's columns, without id and tenant) in one statement."""
    if entries:
        await session.execute(insert(SafetyRegisterEntry),
                              [{"id": uuid7(), "tenant": tenant, **entry} for entry in entries])


async def raise_flag(session: AsyncSession, tenant: str, round_id: uuid.UUID, kind: Finding,
                     detail: dict[str, Any]) -> None:
    """Raises a flag on the round, or adds to its open flag of that kind (one open flag per round and kind). A
    new flag is a notice for the province's coordinators; an addition to an open one is not."""
    new = await session.scalar(text("""
        INSERT INTO round_flags (id, tenant, round_id, kind, detail)
        VALUES (:id, :tenant, :round_id, :kind, CAST(:detail AS jsonb))
        ON CONFLICT (round_id, kind) WHERE resolved_at IS NULL
        DO UPDATE SET detail = round_flags.detail || EXCLUDED.detail
        RETURNING xmax = 0"""), {
        "id": uuid7(), "tenant": tenant, "round_id": round_id, "kind": kind.value,
        "detail": json.dumps(detail, default=str)})
    if new:
        await _tell_coordinators(session, tenant, round_id, kind)


async def _tell_coordinators(session: AsyncSession, tenant: str, round_id: uuid.UUID, kind: Finding) -> None:
    on = await session.scalar(select(Round.day).where(Round.tenant == tenant, Round.id == round_id))

    def text_of() -> tuple[str, str]:
        values = {"finding": _(rules.FINDING_LABELS[kind]), "day": formats.day(on) if on else ""}
        return (_("Melding op de rit van %(day)s: %(finding)s") % values,
                _("Op de rit van %(day)s werd gesignaleerd: %(finding)s. Bekijk de melding en los ze op bij "
                  "voedselveiligheid.") % values)

    raise_notice(session, tenant, NoticeRaisedV1, kind=NoticeKind.ROUND_FLAGGED,
                 recipients=[(RecipientKind.ROLE, "coordinator")], texts=in_every_language(text_of),
                 link=f"/{tenant}/voedsel/veiligheid/")


@dataclass(frozen=True)
class FlagOnRound:
    flag: RoundFlag
    day: date
    round_kind: str
    driver_name: str


async def flags(session: AsyncSession, tenant: str, *, open_only: bool = True, round_id: uuid.UUID | None = None,
                limit: int = 100) -> list[FlagOnRound]:
    """Flags newest first, each with its round's day and kind and its driver's name: one query."""
    statement = (select(RoundFlag, Round.day, Round.kind, Driver.name)
                 .join(Round, Round.id == RoundFlag.round_id).join(Driver, Driver.id == Round.driver_id)
                 .where(RoundFlag.tenant == tenant)
                 .order_by(RoundFlag.raised_at.desc(), RoundFlag.id.desc()).limit(limit))
    if open_only:
        statement = statement.where(RoundFlag.resolved_at.is_(None))
    if round_id is not None:
        statement = statement.where(RoundFlag.round_id == round_id)
    return [FlagOnRound(*row) for row in (await session.execute(statement)).all()]


async def open_flags(session: AsyncSession, tenant: str, limit: int = 50) -> list[FlagOnRound]:
    """The open flags, newest first (the dashboard's and the safety page's list)."""
    return await flags(session, tenant, open_only=True, limit=limit)


async def resolve_flag(session: AsyncSession, principal: Principal, flag_id: uuid.UUID, resolution: str) -> RoundFlag:
    """A coordinator resolves an open flag with what was done about it."""
    resolution = resolution.strip()
    if not resolution:
        raise Invalid(_("beschrijf hoe het opgelost is"), field="resolution")
    flag = (await session.scalars(select(RoundFlag).where(RoundFlag.tenant == principal.tenant, RoundFlag.id == flag_id)
                                  .with_for_update())).first()
    if flag is None:
        raise NotFound(_("deze melding bestaat niet"))
    if flag.resolved_at is not None:
        raise Conflict(_("deze melding is al opgelost door %(who)s") % {"who": flag.resolved_by})
    flag.resolved_at = datetime.now(UTC)
    flag.resolved_by = principal.username or principal.subject
    flag.resolution = resolution[:2000]
    await session.flush()
    return flag


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Brussels days as UTC instants: from the start of `since` to the end of `until` (exclusive)."""
    start = datetime.combine(since, time(0), BRUSSELS).astimezone(UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), time(0), BRUSSELS).astimezone(UTC) if until else None
    return start, end


async def register_page(session: AsyncSession, tenant: str, *, since: date | None, until: date | None,
                        kind: str | None, after: uuid.UUID | None, limit: int) -> list[SafetyRegisterEntry]:
    """The register, newest first (by id: UUIDv7, in the order recorded), between Brussels days, of a kind."""
    if kind is not None and kind not in {f.value for f in Finding}:
        raise Invalid(_("onbekende soort %(kind)s") % {"kind": repr(kind)}, field="kind",
                      allowed=[f.value for f in Finding])
    start, end = day_bounds(since, until)
    query = select(SafetyRegisterEntry).where(SafetyRegisterEntry.tenant == tenant)
    if start is not None:
        query = query.where(SafetyRegisterEntry.occurred_at >= start)
    if end is not None:
        query = query.where(SafetyRegisterEntry.occurred_at < end)
    if kind:
        query = query.where(SafetyRegisterEntry.kind == kind)
    if after is not None:
        query = query.where(SafetyRegisterEntry.id < after)
    return list((await session.scalars(query.order_by(SafetyRegisterEntry.id.desc()).limit(limit))).all())


# --- recall -------------------------------------------------------------------------------------------------


RECALL = text("""
    WITH carried AS (
        SELECT round_id, sum(grams) AS donor_grams, min(picked_up_at) AS first_at
          FROM pickup_lines
         WHERE tenant = :tenant AND donor_id = :donor AND category = :category AND grams > 0
           AND picked_up_at >= :start AND picked_up_at < :end
         GROUP BY round_id)
    SELECT c.round_id, r.day, r.kind, c.donor_grams, dl.recipient_id, rc.name, rc.municipality,
           rc.favv_number, COALESCE(sum(dl.grams), 0) AS grams, min(dl.delivered_at), max(dl.delivered_at)
      FROM carried c JOIN rounds r ON r.id = c.round_id
      LEFT JOIN delivery_lines dl ON dl.round_id = c.round_id AND dl.category = :category AND dl.tenant = :tenant
      LEFT JOIN recipients rc ON rc.id = dl.recipient_id
     GROUP BY c.round_id, r.day, r.kind, c.donor_grams, dl.recipient_id, rc.name, rc.municipality, rc.favv_number
     ORDER BY r.day, c.round_id, rc.name""")


@dataclass
class RecallRecipient:
    recipient_id: uuid.UUID
    name: str
    municipality: str
    favv_number: str
    grams: int = 0
    rounds: list[uuid.UUID] = field(default_factory=list)
    days: list[date] = field(default_factory=list)
    first_delivered_at: datetime | None = None
    last_delivered_at: datetime | None = None


@dataclass(frozen=True)
class RecallRound:
    round_id: uuid.UUID
    day: date
    kind: str
    donor_grams: int
    """What the donor's lines of the category put into the van on this round."""
    delivered_grams: int
    """What all recipients got of the category on this round (from every donor on it)."""


@dataclass(frozen=True)
class Recall:
    donor_id: uuid.UUID
    category: Category
    since: date
    until: date
    donor_grams: int
    recipients: list[RecallRecipient]
    rounds: list[RecallRound]


async def recall(session: AsyncSession, tenant: str, donor_id: uuid.UUID, category: Category, since: date,
                 until: date) -> Recall:
    """Which recipients got `category` from `donor_id` between the Brussels days `since` and `until`, and how
    much: in one query. A round mixes donors: the grams a recipient is given here are what it got of the category
    on rounds that carried the donor's lines of it (an upper bound of the donor's share: the food is mixed in
    the van), and each round states what the donor put in (donor_grams) beside what was delivered of the
    category, so the recipient's share of the donor's food can be judged. Blocked lines (nothing loaded) carry
    nothing."""
    if until < since:
        raise Invalid(_("de einddatum ligt voor de begindatum"), field="until")
    start, end = day_bounds(since, until)
    rows = (await session.execute(RECALL, {"tenant": tenant, "donor": donor_id, "category": category.value,
                                           "start": start, "end": end})).all()
    recipients: dict[uuid.UUID, RecallRecipient] = {}
    rounds: dict[uuid.UUID, tuple[date, str, int, int]] = {}
    for round_id, day, kind, donor_grams, recipient_id, name, municipality, favv, grams, first, last in rows:
        known = rounds.get(round_id, (day, kind, int(donor_grams), 0))
        rounds[round_id] = (day, kind, int(donor_grams), known[3] + int(grams))
        if recipient_id is None:
            continue
        entry = recipients.setdefault(recipient_id, RecallRecipient(recipient_id, name, municipality, favv))
        entry.grams += int(grams)
        entry.rounds.append(round_id)
        if day not in entry.days:
            entry.days.append(day)
        entry.first_delivered_at = min(x for x in (entry.first_delivered_at, first) if x is not None)
        entry.last_delivered_at = max(x for x in (entry.last_delivered_at, last) if x is not None)
    return Recall(donor_id, category, since, until, sum(r[2] for r in rounds.values()),
                  sorted(recipients.values(), key=lambda r: (-r.grams, r.name)),
                  [RecallRound(i, *values) for i, values in rounds.items()])
