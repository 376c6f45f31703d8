"""The impact methods: named, versioned, their factors data. Each tenant starts with the region's flat method
("vlak", 2.5 kg CO2-eq per kg, as Foodsavers Westhoek reports); the impact capability adds per-category and
net-of-van methods and new versions. Reports name the method and version they were computed with.

`current_method` and `gross_impact` are what the logbook calls when a delivery completes (the figures its
delivery.completed event carries)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.impact.models import ImpactMethod
from services.foodsavers.registry.categories import FRESH, Category
from shared.ids import uuid7

FLAT = "vlak"
"""The name of the region's flat method."""

DEFAULT_VALUE_CENTS_PER_KG: dict[str, int] = {
    Category.FRESH_PRODUCE: 300, Category.BREAD: 350, Category.DAIRY: 500, Category.MEAT_FISH: 1500,
    Category.FROZEN: 800, Category.PREPARED_MEALS: 1000, Category.DRY: 400, Category.NON_FOOD: 300,
}
"""Placeholder retail values per kg; the impact capability replaces them with sourced figures."""
MEALS_PER_KG = "2"
"""One meal ≈ 500 g of food (placeholder until the impact capability states its source)."""


def default_factors() -> dict[str, dict[str, object]]:
    return {str(category): {"co2_grams_per_kg": 2500,
                            "value_cents_per_kg": DEFAULT_VALUE_CENTS_PER_KG[category],
                            "meals_per_kg": MEALS_PER_KG}
            for category in Category}


async def current_method(session: AsyncSession, tenant: str, name: str = FLAT) -> ImpactMethod:
    """The latest version of the tenant's method `name`; the flat method v1 is created on first use (safe
    when two requests race: the second insert does nothing)."""
    found = await _latest(session, name)
    if found is not None or name != FLAT:
        if found is None:
            raise LookupError(name)
        return found
    await session.execute(text("""
        INSERT INTO impact_methods (id, tenant, name, version, title, co2_basis, flat_co2_grams_per_kg,
                                    net_of_van, factors, source, valid_from, created_by)
        VALUES (:id, :tenant, :name, 1, :title, 'flat', 2500, false, CAST(:factors AS jsonb), :source,
                :valid_from, 'regie')
        ON CONFLICT (tenant, name, version) DO NOTHING"""), {
        "id": uuid7(), "tenant": tenant, "name": FLAT, "title": "Vlakke factor van de regio (2,5 kg CO2-eq per kg)",
        "factors": json.dumps(default_factors()),
        "source": "Foodsavers Westhoek, rapportage regierol sociale economie Westhoek 2020: 2,5 kg CO2-eq per "
                  "kg geredde voeding.",
        "valid_from": date(2020, 1, 1)})
    found = await _latest(session, name)
    assert found is not None
    return found


async def _latest(session: AsyncSession, name: str) -> ImpactMethod | None:
    return (await session.scalars(select(ImpactMethod).where(ImpactMethod.name == name)
                                  .order_by(ImpactMethod.version.desc()).limit(1))).first()


@dataclass(frozen=True)
class Impact:
    grams: int
    fresh_grams: int
    co2_eq_grams: int
    value_cents: int
    meals: Decimal


def gross_impact(method: ImpactMethod, grams_by_category: Mapping[str, int]) -> Impact:
    """What `grams_by_category` avoided and was worth by `method`, before any van emissions."""
    co2 = Decimal(0)
    value = Decimal(0)
    meals = Decimal(0)
    for category, grams in grams_by_category.items():
        factors = method.factors.get(category, {})
        kg = Decimal(grams) / 1000
        per_kg = (method.flat_co2_grams_per_kg if method.co2_basis == "flat"
                  else int(factors.get("co2_grams_per_kg", 0))) or 0
        co2 += kg * per_kg
        value += kg * int(factors.get("value_cents_per_kg", 0))
        meals += kg * Decimal(str(factors.get("meals_per_kg", "0")))
    return Impact(grams=sum(grams_by_category.values()),
                  fresh_grams=sum(g for c, g in grams_by_category.items() if c in FRESH),
                  co2_eq_grams=int(co2.to_integral_value()), value_cents=int(value.to_integral_value()),
                  meals=meals.quantize(Decimal("0.1")))
