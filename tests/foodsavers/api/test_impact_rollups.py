"""Impact's rollups (month, category day, recipient day) kept beside the day totals: the figures of a period
with partial months at both ends (the 15th to the 10th two months later) are exactly those computed from the
day totals alone (the period's days summed per week and party, the rules' reference computation), by every
dimension; and recomputing the rollups from the day totals (what `totals.rebuild` ends with) reproduces the
rollups `totals.add` kept. The totals are added through the service layer, as the logbook adds them, in a
period of their own far in the future."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.foodsavers.impact import rules, service, totals
from services.foodsavers.impact.rules import STANDARD, Dimension, TotalRow
from services.foodsavers.impact.totals import Delta, Flow
from shared.db import Database
from shared.municipalities import find
from tests.foodsavers.api.test_impact_api import add_totals
from tests.foodsavers.world import api_path, headers, register_donor, register_recipient

TENANT = "west-vlaanderen"
CATEGORIES = ("fresh-produce", "bread", "dairy", "meat-fish", "non-food")


@pytest.fixture(scope="module")
def coordinator(tokens: Any) -> str:
    return str(tokens(TENANT, "coordinator"))


@pytest.fixture(scope="module")
async def world(client: httpx.Client, coordinator: str, stack_config: Any) -> dict[str, Any]:
    """Two donors and three recipients (one in a second municipality); every day of four months, from the first
    of a month far ahead, random grams picked up, refused and delivered (rescue and some FEAD); the period read
    runs from the 15th of the first month to the 10th of the third."""
    first = date(2070 + random.randrange(0, 80), random.randrange(1, 9), 1)  # a period of this run's own
    rng = random.Random(2026)
    diksmuide, veurne, koksijde = find("Diksmuide"), find("Veurne"), find("Koksijde")
    assert diksmuide is not None and veurne is not None and koksijde is not None
    donors = [register_donor(client, TENANT, coordinator, municipality=m) for m in ("Diksmuide", "Hooglede")]
    recipients = [register_recipient(client, TENANT, coordinator, municipality=m, people_served=people)
                  for m, people in (("Veurne", 120), ("Veurne", 45), ("Koksijde", 80))]
    places = {recipients[0]["id"]: veurne.code, recipients[1]["id"]: veurne.code,
              recipients[2]["id"]: koksijde.code}
    deltas: list[Delta] = []
    day = first
    while day < date(first.year + (first.month + 3) // 12, (first.month + 3) % 12 + 1, 1):
        for donor in donors:
            for category in rng.sample(CATEGORIES, 3):
                grams = rng.randrange(1_000, 30_000)
                deltas.append(Delta(day, Flow.PICKED_UP, category, "rescue", grams,
                                    donor_id=uuid.UUID(donor["id"]), municipality=diksmuide.code))
                if rng.random() < 0.2:
                    deltas.append(Delta(day, Flow.REFUSED, category, "rescue", grams // 10,
                                        donor_id=uuid.UUID(donor["id"]), municipality=diksmuide.code))
        for recipient in rng.sample(recipients, 2):
            kind = "fead" if rng.random() < 0.1 else "rescue"
            deltas.append(Delta(day, Flow.DELIVERED, rng.choice(CATEGORIES), kind, rng.randrange(1_000, 40_000),
                                recipient_id=uuid.UUID(recipient["id"]), municipality=places[recipient["id"]]))
        day += timedelta(days=1)
    for start in range(0, len(deltas), 150):  # as sync batches arrive
        await add_totals(stack_config, deltas[start:start + 150])
    period_from = first + timedelta(days=14)
    month3 = date(first.year + (first.month + 1) // 12, (first.month + 1) % 12 + 1, 1)
    return {"first": first, "from": period_from, "until": month3 + timedelta(days=9), "donors": donors,
            "recipients": recipients}


async def from_day_totals(stack_config: Any, world: dict[str, Any]) -> list[TotalRow]:
    """The period's day totals summed per ISO week and party: what the figures were computed from before the
    rollups (read straight from daily_totals)."""
    db = Database.from_url(stack_config.database_url("foodsavers", "regie_app"), pool_size=1)
    try:
        async with db.transaction(TENANT) as session:
            found = (await session.execute(text("""
                SELECT flow, round_kind, category, donor_id, recipient_id, municipality,
                       CAST(date_trunc('week', day) AS date), sum(grams)
                  FROM daily_totals WHERE tenant = :tenant AND day BETWEEN :from AND :until
                 GROUP BY 1, 2, 3, 4, 5, 6, 7"""), {"tenant": TENANT, "from": world["from"],
                                                    "until": world["until"]})).all()
    finally:
        await db.dispose()
    return [TotalRow(flow=r[0], round_kind=r[1], category=r[2], donor_id=str(r[3]), recipient_id=str(r[4]),
                     municipality=r[5], week=r[6], grams=int(r[7])) for r in found]


def without_time(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures.items() if k in ("totals", "by")}


async def test_a_period_with_partial_months_equals_the_day_totals_alone(
        client: httpx.Client, coordinator: str, world: dict[str, Any], stack_config: Any) -> None:
    assert world["from"].day == 15 and world["until"].day == 10
    rows = await from_day_totals(stack_config, world)
    assert {r.week for r in rows} and any(r.round_kind == "fead" for r in rows)
    spec = STANDARD[rules.FLAT]
    method = rules.Method(str(spec.co2_basis), spec.flat_co2_grams_per_kg, spec.factors)
    people = {r["id"]: r["people_served"] for r in world["recipients"]}
    assert {r.recipient_id for r in rows if r.flow == "delivered"} == set(people)
    names = {p["id"]: p["name"] for p in (*world["donors"], *world["recipients"])}
    expected = rules.compute(method, rows, people, names, service.municipality_name, None)
    assert expected["totals"]["grams"] > 0 and expected["totals"]["people"] == 245
    for by in (None, *Dimension):
        response = client.get(api_path(TENANT, "/impact"), headers=headers(coordinator), params={
            "from": world["from"].isoformat(), "until": world["until"].isoformat(), "method": rules.FLAT,
            "version": 1, **({"by": str(by)} if by else {})})
        assert response.status_code == 200, response.text
        found = without_time(response.json())
        assert found["totals"] == expected["totals"], by
        if by is not None:
            assert found["by"][str(by)] == expected["by"][str(by)], by


class Undone(Exception):
    pass


async def rollups(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted(tuple(map(str, r)) for r in (await session.execute(text(
        f"SELECT * FROM {table} WHERE tenant = :tenant AND grams <> 0"), {"tenant": TENANT})).all())
            for table in totals.ROLLUPS}


async def test_rebuilding_the_rollups_reproduces_what_add_kept(world: dict[str, Any], stack_config: Any) -> None:
    db = Database.from_url(stack_config.database_url("foodsavers", "regie_app"), pool_size=1)
    try:
        with pytest.raises(Undone):  # leave the tenant's rollups as add kept them
            async with db.transaction(TENANT) as session:
                kept = await rollups(session)
                await totals.rebuild_rollups(session, TENANT)
                rebuilt = await rollups(session)
                raise Undone
    finally:
        await db.dispose()
    assert all(kept[table] for table in totals.ROLLUPS)
    first_month = world["first"].isoformat()
    assert any(first_month in row for row in kept["monthly_totals"])
    assert rebuilt == kept
