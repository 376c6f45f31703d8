"""The logbook's SQL. A sync of 500 lines costs a fixed handful of statements whatever its size: one SELECT per
kind of thing it names (rounds, donors, recipients, stops, limits), one multi-row INSERT per table from arrays
(`unnest`), `ON CONFLICT (id) DO NOTHING RETURNING id` telling which rows are new. No ORM object per line."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.registry.categories import Storage
from services.foodsavers.safety.rules import Action, Limit


@dataclass(frozen=True)
class RoundRow:
    id: uuid.UUID
    day: date
    kind: str
    status: str
    driver_id: uuid.UUID
    driver_username: str
    driver_name: str
    capacity_grams: int
    km: int | None


ROUNDS = text("""
    SELECT r.id, r.day, r.kind, r.status, r.driver_id, d.username, d.name, v.capacity_grams, r.km
      FROM rounds r JOIN drivers d ON d.id = r.driver_id JOIN vehicles v ON v.id = r.vehicle_id
     WHERE r.tenant = :tenant AND r.id = ANY(CAST(:ids AS uuid[]))
     ORDER BY r.id
       FOR NO KEY UPDATE OF r""")


async def rounds(session: AsyncSession, tenant: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, RoundRow]:
    """The rounds named, locked in id order for the rest of the transaction (a closing and a sync of the same
    round take turns; two syncs never wait on each other in a cycle)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(ROUNDS, {"tenant": tenant, "ids": wanted})
    return {row[0]: RoundRow(*row) for row in rows}


@dataclass(frozen=True)
class Party:
    id: uuid.UUID
    name: str
    municipality: str
    enterprise_number: str | None = None
    people_served: int = 0


async def _named(session: AsyncSession, tenant: str, table: str, columns: str,
                 ids: Iterable[uuid.UUID]) -> list[Any]:
    """The rows of `table` (donors, recipients, round_stops) with the ids a batch names: one query."""
    assert table in {"donors", "recipients", "round_stops"}
    wanted = list(set(ids))
    if not wanted:
        return []
    return list(await session.execute(text(
        f"SELECT {columns} FROM {table} WHERE tenant = :tenant AND id = ANY(CAST(:ids AS uuid[]))"),  # noqa: S608
        {"tenant": tenant, "ids": wanted}))


async def donors(session: AsyncSession, tenant: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Party]:
    rows = await _named(session, tenant, "donors", "id, name, municipality", ids)
    return {row[0]: Party(row[0], row[1], row[2]) for row in rows}


async def recipients(session: AsyncSession, tenant: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Party]:
    rows = await _named(session, tenant, "recipients", "id, name, municipality, enterprise_number, people_served",
                        ids)
    return {row[0]: Party(*row) for row in rows}


@dataclass(frozen=True)
class StopRow:
    id: uuid.UUID
    round_id: uuid.UUID
    kind: str
    donor_id: uuid.UUID | None
    recipient_id: uuid.UUID | None


async def stops(session: AsyncSession, tenant: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, StopRow]:
    rows = await _named(session, tenant, "round_stops", "id, round_id, kind, donor_id, recipient_id", ids)
    return {row[0]: StopRow(*row) for row in rows}


async def limits(session: AsyncSession, tenant: str) -> dict[Storage, Limit]:
    rows = await session.execute(text("SELECT storage, max_celsius, action FROM safety_limits WHERE tenant = :t"),
                                 {"t": tenant})
    return {Storage(r[0]): Limit(Storage(r[0]), Decimal(r[1]), Action(r[2])) for r in rows}


INSERT_PICKUPS = text("""
    INSERT INTO pickups (id, tenant, round_id, stop_id, donor_id, picked_up_at, van_full, left_behind_grams, note,
                         driver_id)
    SELECT t.id, :tenant, t.round_id, t.stop_id, t.donor_id, t.at, t.van_full, t.left_behind, t.note, t.driver_id
      FROM unnest(CAST(:ids AS uuid[]), CAST(:rounds AS uuid[]), CAST(:stops AS uuid[]), CAST(:donors AS uuid[]),
                  CAST(:ats AS timestamptz[]), CAST(:van_full AS boolean[]), CAST(:left_behind AS bigint[]),
                  CAST(:notes AS text[]), CAST(:drivers AS uuid[]))
           AS t(id, round_id, stop_id, donor_id, at, van_full, left_behind, note, driver_id)
     ORDER BY t.id
    ON CONFLICT (id) DO NOTHING
    RETURNING id""")

INSERT_PICKUP_LINES = text("""
    INSERT INTO pickup_lines (id, tenant, pickup_id, round_id, donor_id, picked_up_at, category, grams,
                              refused_grams, refused_reason, date_kind, best_date, celsius, flags)
    SELECT t.id, :tenant, t.pickup_id, t.round_id, t.donor_id, t.at, t.category, t.grams, t.refused,
           t.reason, t.date_kind, t.best_date, t.celsius,
           CASE WHEN t.flag = '' THEN CAST('{}' AS varchar[]) ELSE ARRAY[CAST(t.flag AS varchar)] END
      FROM unnest(CAST(:ids AS uuid[]), CAST(:pickups AS uuid[]), CAST(:rounds AS uuid[]),
                  CAST(:donors AS uuid[]), CAST(:ats AS timestamptz[]), CAST(:categories AS text[]),
                  CAST(:grams AS bigint[]), CAST(:refused AS bigint[]), CAST(:reasons AS text[]),
                  CAST(:date_kinds AS text[]), CAST(:best_dates AS date[]), CAST(:celsius AS numeric[]),
                  CAST(:flags AS text[]))
           AS t(id, pickup_id, round_id, donor_id, at, category, grams, refused, reason, date_kind, best_date,
                celsius, flag)
     ORDER BY t.id
    ON CONFLICT (id) DO NOTHING
    RETURNING id""")

INSERT_DELIVERIES = text("""
    INSERT INTO deliveries (id, tenant, round_id, stop_id, recipient_id, delivered_at, confirmed_by, note, driver_id)
    SELECT t.id, :tenant, t.round_id, t.stop_id, t.recipient_id, t.at, t.confirmed_by, t.note, t.driver_id
      FROM unnest(CAST(:ids AS uuid[]), CAST(:rounds AS uuid[]), CAST(:stops AS uuid[]),
                  CAST(:recipients AS uuid[]), CAST(:ats AS timestamptz[]), CAST(:confirmed AS text[]),
                  CAST(:notes AS text[]), CAST(:drivers AS uuid[]))
           AS t(id, round_id, stop_id, recipient_id, at, confirmed_by, note, driver_id)
     ORDER BY t.id
    ON CONFLICT (id) DO NOTHING
    RETURNING id""")

INSERT_DELIVERY_LINES = text("""
    INSERT INTO delivery_lines (id, tenant, delivery_id, round_id, recipient_id, delivered_at, category, grams)
    SELECT t.id, :tenant, t.delivery_id, t.round_id, t.recipient_id, t.at, t.category, t.grams
      FROM unnest(CAST(:ids AS uuid[]), CAST(:deliveries AS uuid[]), CAST(:rounds AS uuid[]),
                  CAST(:recipients AS uuid[]), CAST(:ats AS timestamptz[]), CAST(:categories AS text[]),
                  CAST(:grams AS bigint[]))
           AS t(id, delivery_id, round_id, recipient_id, at, category, grams)
     ORDER BY t.id
    ON CONFLICT (id) DO NOTHING
    RETURNING id""")


async def insert(session: AsyncSession, statement: Any, tenant: str, columns: Mapping[str, Sequence[Any]]) -> set[Any]:
    """One multi-row INSERT from the columns' arrays; the ids that were new."""
    if not columns.get("ids"):
        return set()
    return set((await session.scalars(statement, {"tenant": tenant, **columns})).all())


async def stored(session: AsyncSession, tenant: str, table: str, columns: str,
                 ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[Any, ...]]:
    """What an earlier sync stored under `ids` (`columns` after the id), to tell a retry from an id reused."""
    assert table in {"pickups", "pickup_lines", "deliveries", "delivery_lines"}
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(text(f"SELECT id, {columns} FROM {table} "  # noqa: S608 - fixed names above
                                      "WHERE tenant = :tenant AND id = ANY(CAST(:ids AS uuid[]))"),
                                 {"tenant": tenant, "ids": wanted})
    return {row[0]: tuple(row[1:]) for row in rows}


async def start_rounds(session: AsyncSession, tenant: str, started: dict[uuid.UUID, datetime]) -> None:
    """A planned round on which a first entry arrives is under way, from that entry's time."""
    if not started:
        return
    ids = sorted(started)
    await session.execute(text("""
        UPDATE rounds r SET status = 'under-way', started_at = t.at, updated_at = now(), version = r.version + 1
          FROM unnest(CAST(:ids AS uuid[]), CAST(:ats AS timestamptz[])) AS t(id, at)
         WHERE r.id = t.id AND r.tenant = :tenant AND r.status = 'planned'"""),
        {"tenant": tenant, "ids": ids, "ats": [started[i] for i in ids]})


async def stops_done(session: AsyncSession, tenant: str, done: dict[uuid.UUID, datetime]) -> None:
    if not done:
        return
    ids = sorted(done)
    await session.execute(text("""
        UPDATE round_stops s SET done_at = t.at
          FROM unnest(CAST(:ids AS uuid[]), CAST(:ats AS timestamptz[])) AS t(id, at)
         WHERE s.id = t.id AND s.tenant = :tenant AND s.done_at IS NULL"""),
        {"tenant": tenant, "ids": ids, "ats": [done[i] for i in ids]})


RAISE_FLAG = text("""
    INSERT INTO round_flags (id, tenant, round_id, kind, detail)
    VALUES (:id, :tenant, :round_id, :kind, CAST(:detail AS jsonb))
    ON CONFLICT (round_id, kind) WHERE resolved_at IS NULL
    DO UPDATE SET detail = round_flags.detail || EXCLUDED.detail""")


@dataclass(frozen=True)
class RoundFigures:
    picked_up: dict[str, int]
    refused: dict[str, int]
    delivered: dict[str, int]
    deliveries: int


async def figures(session: AsyncSession, tenant: str, round_id: uuid.UUID) -> RoundFigures:
    """A round's grams per category: picked up (accepted), refused at the donors, delivered."""
    rows = await session.execute(text("""
        SELECT 'p', category, sum(grams), sum(refused_grams) FROM pickup_lines
         WHERE tenant = :tenant AND round_id = :round GROUP BY category
        UNION ALL
        SELECT 'd', category, sum(grams), 0 FROM delivery_lines
         WHERE tenant = :tenant AND round_id = :round GROUP BY category
        UNION ALL
        SELECT 'n', '', count(*), 0 FROM deliveries WHERE tenant = :tenant AND round_id = :round"""),
        {"tenant": tenant, "round": round_id})
    picked: dict[str, int] = {}
    refused: dict[str, int] = {}
    delivered: dict[str, int] = {}
    deliveries = 0
    for flow, category, grams, refused_grams in rows:
        if flow == "p":
            picked[category] = int(grams)
            if refused_grams:
                refused[category] = int(refused_grams)
        elif flow == "d":
            delivered[category] = int(grams)
        else:
            deliveries = int(grams)
    return RoundFigures(picked, refused, delivered, deliveries)
