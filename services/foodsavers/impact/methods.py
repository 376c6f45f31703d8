"""The impact methods: named, versioned, their factors data (impact.rules names the standard ones and their
sources). Each tenant has the region's flat method ("vlak", 2,5 kg CO2-eq per kg, as Foodsavers Westhoek
reports), the per-category method and the per-category method net of the vans from their first use; a
coordinator adds a method or a new version of one (version = latest + 1; a version is never edited). Reports
name the method and version they were computed with.

`current_method` and `gross_impact` are what the logbook calls when a delivery completes (the figures its
delivery.completed event carries)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.foodsavers.impact import rules
from services.foodsavers.impact.models import ImpactMethod
from services.foodsavers.impact.rules import FLAT, STANDARD, Co2Basis, MethodSpec
from services.foodsavers.registry.categories import FRESH
from shared.i18n import _
from shared.ids import uuid7
from shared.problems import Invalid, NotFound

__all__ = ["FLAT", "Impact", "add_method", "as_rule", "current_method", "gross_impact", "method_version",
           "methods"]


async def current_method(session: AsyncSession, tenant: str, name: str = FLAT) -> ImpactMethod:
    """The latest version of the tenant's method `name`; a standard method (rules.STANDARD) is created as its
    version 1 on first use (safe when two requests race: the second insert does nothing). LookupError for an
    unknown name."""
    found = await _latest(session, tenant, name)
    if found is not None:
        return found
    spec = STANDARD.get(name)
    if spec is None:
        raise LookupError(name)
    await _insert(session, tenant, spec, 1, "regie", conflict_ok=True)
    found = await _latest(session, tenant, name)
    assert found is not None
    return found


async def _insert(session: AsyncSession, tenant: str, spec: MethodSpec, version: int, by: str, *,
                  conflict_ok: bool = False) -> None:
    await session.execute(text(f"""
        INSERT INTO impact_methods (id, tenant, name, version, title, co2_basis, flat_co2_grams_per_kg,
                                    net_of_van, factors, source, valid_from, created_by)
        VALUES (:id, :tenant, :name, :version, :title, :co2_basis, :flat, :net, CAST(:factors AS jsonb),
                :source, :valid_from, :by)
        {"ON CONFLICT (tenant, name, version) DO NOTHING" if conflict_ok else ""}"""), {
        "id": uuid7(), "tenant": tenant, "name": spec.name, "version": version, "title": spec.title,
        "co2_basis": str(spec.co2_basis), "flat": spec.flat_co2_grams_per_kg, "net": spec.net_of_van,
        "factors": json.dumps(spec.factors), "source": spec.source, "valid_from": spec.valid_from, "by": by})


async def _latest(session: AsyncSession, tenant: str, name: str) -> ImpactMethod | None:
    return (await session.scalars(select(ImpactMethod)
                                  .where(ImpactMethod.tenant == tenant, ImpactMethod.name == name)
                                  .order_by(ImpactMethod.version.desc()).limit(1))).first()


async def methods(session: AsyncSession, tenant: str) -> list[ImpactMethod]:
    """Every version of every method of the tenant (the standard ones created on first use), by name then
    version."""
    for name in STANDARD:
        await current_method(session, tenant, name)
    return list((await session.scalars(select(ImpactMethod).where(ImpactMethod.tenant == tenant)
                                       .order_by(ImpactMethod.name, ImpactMethod.version))).all())


async def method_version(session: AsyncSession, tenant: str, name: str | None,
                         version: int | None = None) -> ImpactMethod:
    """The method `name` (the flat one when None) in `version` (the latest when None); 404 in Dutch."""
    name = name or FLAT
    try:
        latest = await current_method(session, tenant, name)
    except LookupError as exc:
        raise NotFound(_("er is geen impactmethode %(name)s in deze provincie") % {"name": repr(name)}) from exc
    if version is None or version == latest.version:
        return latest
    found = await session.scalar(select(ImpactMethod).where(
        ImpactMethod.tenant == tenant, ImpactMethod.name == name, ImpactMethod.version == version))
    if found is None:
        raise NotFound(_("de methode %(name)s heeft geen versie %(version)s (laatste versie: %(latest)s)")
                       % {"name": repr(name), "version": version, "latest": latest.version})
    return found


async def add_method(session: AsyncSession, tenant: str, by: str, *, name: str, title: str | None,
                     co2_basis: str | None, flat_co2_grams_per_kg: int | None, net_of_van: bool | None,
                     factors: Mapping[str, Any] | None, source: str, valid_from: date | None) -> ImpactMethod:
    """A new method, or the next version of `name`: what is not given comes from its latest version (or the
    standard factors for a new name). The source is required: every factor says where it comes from."""
    name = rules.checked_name(name)
    try:
        previous: ImpactMethod | None = await current_method(session, tenant, name)
    except LookupError:
        previous = None
    try:
        basis = Co2Basis(co2_basis or (previous.co2_basis if previous else Co2Basis.PER_CATEGORY))
    except ValueError as exc:
        raise Invalid(_("onbekende CO2-basis %(basis)s; kies 'flat' of 'per-category'") % {"basis": repr(co2_basis)},
                      field="co2_basis",
                      allowed=[b.value for b in Co2Basis]) from exc
    flat = flat_co2_grams_per_kg if flat_co2_grams_per_kg is not None else (
        previous.flat_co2_grams_per_kg if previous and basis == Co2Basis.FLAT else None)
    if not source.strip():
        raise Invalid(_("vermeld de bron van de factoren (publicatie en jaar)"), field="source")
    base = previous.factors if previous else rules.standard_factors()
    spec = MethodSpec(
        name=name, title=(title or (previous.title if previous else name)).strip()[:200],
        co2_basis=basis, flat_co2_grams_per_kg=rules.checked_flat(basis, flat),
        net_of_van=net_of_van if net_of_van is not None else bool(previous and previous.net_of_van),
        factors=rules.checked_factors(factors or {}, base), source=source.strip(),
        valid_from=valid_from or (previous.valid_from if previous else date.today()))
    version = (previous.version if previous else 0) + 1
    await _insert(session, tenant, spec, version, by)
    made = await method_version(session, tenant, name, version)
    return made


def as_rule(method: ImpactMethod | Mapping[str, Any]) -> rules.Method:
    """The factors a computation needs, from a row or a frozen report's method."""
    if isinstance(method, ImpactMethod):
        return rules.Method(method.co2_basis, method.flat_co2_grams_per_kg, method.factors)
    return rules.Method(str(method["co2_basis"]), method.get("flat_co2_grams_per_kg"), method["factors"])


@dataclass(frozen=True)
class Impact:
    grams: int
    """All categories (non-food included)."""
    fresh_grams: int
    co2_eq_grams: int
    """Food only: non-food avoids no food's emissions."""
    value_cents: int
    meals: Decimal


def gross_impact(method: ImpactMethod, grams_by_category: Mapping[str, int]) -> Impact:
    """What `grams_by_category` avoided and was worth by `method`, before any van emissions."""
    found = rules.impact_of(as_rule(method), grams_by_category)
    meals = Decimal(0)
    for category, grams in grams_by_category.items():
        meals += Decimal(grams) / 1000 * Decimal(str(method.factors.get(category, {}).get("meals_per_kg", "0")))
    return Impact(grams=sum(grams_by_category.values()),
                  fresh_grams=sum(g for c, g in grams_by_category.items() if c in FRESH),
                  co2_eq_grams=found["co2_eq_grams"], value_cents=found["value_cents"],
                  meals=meals.quantize(Decimal("0.1")))


def method_dict(method: ImpactMethod) -> dict[str, Any]:
    """The method as a report freezes it: name, version, basis, factors and source."""
    return {"id": str(method.id), "name": method.name, "version": method.version, "title": method.title,
            "co2_basis": method.co2_basis, "flat_co2_grams_per_kg": method.flat_co2_grams_per_kg,
            "net_of_van": method.net_of_van, "factors": method.factors, "source": method.source,
            "valid_from": method.valid_from.isoformat()}
