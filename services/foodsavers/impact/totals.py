"""The totals kept as lines arrive: one upsert per (day, flow, category, donor or recipient, kind of round) in
the transaction that stores the lines, with its rollups in the same statement (the month, the category day and
the recipient day), so the dashboard and the reports read whole months and a period's edge days, a few
thousand rows however many lines there are, instead of summing millions of lines."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.impact.models import NO_PARTY


class Flow(StrEnum):
    PICKED_UP = "picked-up"
    REFUSED = "refused"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class Delta:
    """Grams to add to one day's total. For picked-up and refused: the donor (and its municipality); for
    delivered: the recipient (and its municipality)."""

    day: date
    flow: Flow
    category: str
    round_kind: str
    grams: int
    donor_id: uuid.UUID = NO_PARTY
    recipient_id: uuid.UUID = NO_PARTY
    municipality: str = ""


UPSERT = text("""
    WITH t AS (
        SELECT * FROM unnest(CAST(:days AS date[]), CAST(:flows AS text[]), CAST(:categories AS text[]),
                             CAST(:donors AS uuid[]), CAST(:recipients AS uuid[]), CAST(:kinds AS text[]),
                             CAST(:municipalities AS text[]), CAST(:grams AS bigint[]), CAST(:lines AS bigint[]))
             AS t(day, flow, category, donor_id, recipient_id, round_kind, municipality, grams, lines)
    ), d AS (
        INSERT INTO daily_totals AS x (tenant, day, flow, category, donor_id, recipient_id, round_kind, municipality,
                                       grams, lines)
        SELECT :tenant, day, flow, category, donor_id, recipient_id, round_kind, municipality, grams, lines
          FROM t ORDER BY 2, 3, 4, 5, 6, 7
        ON CONFLICT ON CONSTRAINT pk_daily_totals
        DO UPDATE SET grams = x.grams + EXCLUDED.grams, lines = x.lines + EXCLUDED.lines
        RETURNING day, flow, category, donor_id, recipient_id, round_kind, municipality
    ), m AS (
        INSERT INTO monthly_totals AS x (tenant, month, flow, category, donor_id, recipient_id, round_kind,
                                         municipality, grams, lines)
        SELECT :tenant, CAST(date_trunc('month', t.day) AS date), t.flow, t.category, t.donor_id, t.recipient_id,
               t.round_kind, d.municipality, sum(t.grams), sum(t.lines)
          FROM t JOIN d USING (day, flow, category, donor_id, recipient_id, round_kind)
         GROUP BY 2, 3, 4, 5, 6, 7, 8 ORDER BY 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT ON CONSTRAINT pk_monthly_totals
        DO UPDATE SET grams = x.grams + EXCLUDED.grams, lines = x.lines + EXCLUDED.lines
    ), c AS (
        INSERT INTO category_days AS x (tenant, day, flow, round_kind, category, grams, lines)
        SELECT :tenant, day, flow, round_kind, category, sum(grams), sum(lines)
          FROM t GROUP BY 2, 3, 4, 5 ORDER BY 2, 3, 4, 5
        ON CONFLICT ON CONSTRAINT pk_category_days
        DO UPDATE SET grams = x.grams + EXCLUDED.grams, lines = x.lines + EXCLUDED.lines
    ), r AS (
        INSERT INTO recipient_days AS x (tenant, day, round_kind, recipient_id, grams, lines)
        SELECT :tenant, day, round_kind, recipient_id, sum(grams), sum(lines)
          FROM t WHERE flow = 'delivered' GROUP BY 2, 3, 4 ORDER BY 2, 3, 4
        ON CONFLICT ON CONSTRAINT pk_recipient_days
        DO UPDATE SET grams = x.grams + EXCLUDED.grams, lines = x.lines + EXCLUDED.lines
    )
    SELECT count(*) FROM d
""")
"""One statement, one round trip: the day totals, and from the same merged deltas the month (with the
municipality the day row holds, so a month stays the sum of its days), the category day and the recipient day.
Every insert takes its rows in key order, and every transaction the tables in the same order: two concurrent
syncs never deadlock."""


async def add(session: AsyncSession, tenant: str, deltas: Iterable[Delta]) -> None:
    """Adds the deltas (merged per key first; rows taken in key order, so two concurrent syncs never
    deadlock). Negative grams take a correction back."""
    merged: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0])
    municipality: dict[tuple[object, ...], str] = {}
    for d in deltas:
        key = (d.day, str(d.flow), d.category, d.donor_id, d.recipient_id, d.round_kind)
        merged[key][0] += d.grams
        merged[key][1] += 1 if d.grams >= 0 else -1
        municipality[key] = d.municipality
    if not merged:
        return
    keys = sorted(merged, key=lambda k: (k[0], k[1], k[2], str(k[3]), str(k[4]), k[5]))
    await session.execute(UPSERT, {
        "tenant": tenant,
        "days": [k[0] for k in keys], "flows": [k[1] for k in keys], "categories": [k[2] for k in keys],
        "donors": [k[3] for k in keys], "recipients": [k[4] for k in keys], "kinds": [k[5] for k in keys],
        "municipalities": [municipality[k] for k in keys],
        "grams": [merged[k][0] for k in keys], "lines": [merged[k][1] for k in keys],
    })


ROLLUPS = ("monthly_totals", "category_days", "recipient_days")
"""Kept from the day totals: impact.repository reads them."""

REBUILD = (
    text("DELETE FROM daily_totals WHERE tenant = :tenant"),
    text("""
    INSERT INTO daily_totals (tenant, day, flow, category, donor_id, recipient_id, round_kind, municipality,
                              grams, lines)
    SELECT l.tenant, (l.picked_up_at AT TIME ZONE 'Europe/Brussels')::date, f.flow, l.category, l.donor_id,
           CAST(:no_party AS uuid), r.kind, min(d.municipality), sum(f.grams), count(*)
      FROM pickup_lines l
      JOIN rounds r ON r.id = l.round_id
      JOIN donors d ON d.id = l.donor_id
     CROSS JOIN LATERAL (VALUES ('picked-up', l.grams), ('refused', l.refused_grams)) AS f(flow, grams)
     WHERE l.tenant = :tenant AND f.grams > 0
     GROUP BY 1, 2, 3, 4, 5, 6, 7"""),
    text("""
    INSERT INTO daily_totals (tenant, day, flow, category, donor_id, recipient_id, round_kind, municipality,
                              grams, lines)
    SELECT l.tenant, (l.delivered_at AT TIME ZONE 'Europe/Brussels')::date, 'delivered', l.category,
           CAST(:no_party AS uuid), l.recipient_id, r.kind, min(p.municipality), sum(l.grams), count(*)
      FROM delivery_lines l
      JOIN rounds r ON r.id = l.round_id
      JOIN recipients p ON p.id = l.recipient_id
     WHERE l.tenant = :tenant
     GROUP BY 1, 2, 3, 4, 5, 6, 7"""),
)
REBUILD_ROLLUPS = (
    *(text(f"DELETE FROM {table} WHERE tenant = :tenant") for table in ROLLUPS),
    text("""
    INSERT INTO monthly_totals (tenant, month, flow, category, donor_id, recipient_id, round_kind, municipality,
                                grams, lines)
    SELECT tenant, CAST(date_trunc('month', day) AS date), flow, category, donor_id, recipient_id, round_kind,
           municipality, sum(grams), sum(lines)
      FROM daily_totals WHERE tenant = :tenant GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"""),
    text("""
    INSERT INTO category_days (tenant, day, flow, round_kind, category, grams, lines)
    SELECT tenant, day, flow, round_kind, category, sum(grams), sum(lines)
      FROM daily_totals WHERE tenant = :tenant GROUP BY 1, 2, 3, 4, 5"""),
    text("""
    INSERT INTO recipient_days (tenant, day, round_kind, recipient_id, grams, lines)
    SELECT tenant, day, round_kind, recipient_id, sum(grams), sum(lines)
      FROM daily_totals WHERE tenant = :tenant AND flow = 'delivered' GROUP BY 1, 2, 3, 4"""),
)


async def rebuild(session: AsyncSession, tenant: str) -> None:
    """Recomputes the tenant's daily totals from the lines, then the rollups from them, in one transaction
    (readers see the old totals until it commits): for lines loaded in bulk (the dashboard bench's COPY seed) and
    for operators who doubt the totals. The same keys as `add`: the Brussels day of the line, the donor's
    municipality for picked-up and refused, the recipient's for delivered; a picked-up or refused total only where
    such grams were weighed."""
    for statement in REBUILD:
        await session.execute(statement, {"tenant": tenant, "no_party": NO_PARTY})
    await rebuild_rollups(session, tenant)


async def rebuild_rollups(session: AsyncSession, tenant: str) -> None:
    """Recomputes the tenant's rollups (month, category day, recipient day) from its day totals."""
    for statement in REBUILD_ROLLUPS:
        await session.execute(statement, {"tenant": tenant})
