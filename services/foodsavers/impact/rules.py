"""Impact's rules, pure: the standard methods and the sources of their factors, how a new method (or a new
version of one) is checked, and how the figures of a period follow from the day totals.

What the figures count (one place, so the API, the dashboard, the reports and their files say the same):
- **moved** is what was *delivered* to the food-aid organisations in rescue rounds (round kind "rescue"): the
  region's "5,7 ton" is rescued surplus that reached the organisations. Per donor the totals know only what was
  *picked up* there (a delivery is not split back over donors: the recall query traces lines), so a donor's row is
  on its accepted pickups (`basis` "picked-up").
- **tonnes** count food (every category but non-food, registry.categories.FOOD); non-food is shown apart.
- **fresh share** = fresh vegetables and fruit / food, in basis points (5200 = 52 %).
- **people reached** = Σ people_served of the distinct recipients delivered to in the group (rescue rounds),
  as the registry holds it *now* (the number a recipient reports; a report freezes it at publication).
- **value**, **meals** and **CO2-eq avoided** by the method's factors per category; the flat method applies its
  one factor to every kg of food. A method net of the van subtracts Σ km × the vehicle's grams per km over the
  period's closed rescue rounds (totals only: a van's emissions do not split over donors or categories).
- **FEAD** food carried (EU food aid from the food bank to local governments) is not surplus: its tonnes are
  reported apart ("FEAD-voeding vervoerd") and count no value, meals or CO2-eq avoided."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from services.foodsavers.planning.rules import RoundKind
from services.foodsavers.registry.categories import FOOD, FRESH, LABELS, Category
from shared.i18n import N_, _
from shared.problems import Invalid

RESCUE = RoundKind.RESCUE.value
FEAD = RoundKind.FEAD.value

FLAT = "vlak"
PER_CATEGORY = "per-categorie"
PER_CATEGORY_NET = "per-categorie-netto"


class Co2Basis(StrEnum):
    FLAT = "flat"
    PER_CATEGORY = "per-category"


class Dimension(StrEnum):
    DONOR = "donor"
    RECIPIENT = "recipient"
    MUNICIPALITY = "municipality"
    CATEGORY = "category"
    WEEK = "week"


# --- the factors and their sources -----------------------------------------------------------------------

FLAT_CO2_GRAMS_PER_KG = 2500
FLAT_SOURCE = ("Foodsavers Westhoek, rapportage regierol sociale economie Westhoek 2020 (periode 15 juni - 31 "
               "december 2020): 2,5 kg CO2-eq vermeden per kg geredde voeding (vlakke factor van de regio).")

FACTOR_TABLE: dict[Category, tuple[int, int]] = {
    # category:               (g CO2-eq per kg, value in cents per kg)
    Category.FRESH_PRODUCE:   (1000, 700),
    Category.BREAD:           (1600, 850),
    Category.DAIRY:           (5000, 1000),
    Category.MEAT_FISH:       (20000, 2200),
    Category.FROZEN:          (4000, 1200),
    Category.PREPARED_MEALS:  (5000, 1600),
    Category.DRY:             (2000, 500),
    Category.NON_FOOD:        (0, 600),
}
"""The standard factors per category; their sources follow (CO2_SOURCE, VALUE_SOURCE)."""
CO2_GRAMS_PER_KG: dict[Category, int] = {c: co2 for c, (co2, _) in FACTOR_TABLE.items()}
VALUE_CENTS_PER_KG: dict[Category, int] = {c: value for c, (_, value) in FACTOR_TABLE.items()}
CO2_SOURCE = (
    "Indicatieve factoren per categorie (g CO2-eq per kg product, van landbouw tot winkel), afgerond uit de "
    "mediane waarden van Poore & Nemecek (2018), 'Reducing food's environmental impacts through producers and "
    "consumers', Science 360(6392):987-992, zoals gepubliceerd door Our World in Data (2020): groenten en fruit "
    "0,4-2,1 -> 1,0; brood (tarwe) 1,6; zuivel (melk 3,2, yoghurt, kaas 23,9; vooral melk en yoghurt) -> 5; "
    "vlees en vis (gevogelte 9,9, varken 12,3, kweekvis 13,6, rund 99,5; vooral varken en gevogelte) -> 20; "
    "diepvries en bereide maaltijden (gemengd) -> 4 en 5; droge voeding (tarwe 1,6, rijst 4,5) -> 2. "
    "Indicatief: alleen de voetafdruk van het product, niet de vermeden verwerking van het afval.")

VALUE_SOURCE = (
    "Waarde: indicatieve winkelprijs per kg per categorie in Belgische supermarkten (2020), afgestemd op de "
    "'nieuwe waarde' van ongeveer 50.000 euro die Foodsavers Westhoek rapporteerde voor 5,7 ton met 52 % verse "
    "groenten en fruit (gemiddeld ongeveer 8,77 euro per kg).")

MEALS_PER_KG = "2"
MEALS_SOURCE = ("Maaltijden: 1 maaltijd = 0,5 kg voeding, een voorzichtige afronding van de 420 g per maaltijd "
                "die WRAP hanteert ('Surplus food redistribution in the UK 2015 to 2020', WRAP 2021). Non-food "
                "telt geen maaltijden.")

SOURCES_DATE = date(2020, 1, 1)


def standard_factors() -> dict[str, dict[str, Any]]:
    """The factors of the standard methods: value and meals per category, and CO2-eq per category (the flat
    method keeps the per-category CO2 beside its flat factor, for comparison, but does not use it)."""
    return {str(c): {"co2_grams_per_kg": CO2_GRAMS_PER_KG[c],
                     "value_cents_per_kg": VALUE_CENTS_PER_KG[c],
                     "meals_per_kg": MEALS_PER_KG if c in FOOD else "0"}
            for c in Category}


@dataclass(frozen=True)
class MethodSpec:
    """What a method version is made of (an ImpactMethod row without its identity)."""

    name: str
    title: str
    co2_basis: Co2Basis
    flat_co2_grams_per_kg: int | None
    net_of_van: bool
    factors: dict[str, dict[str, Any]]
    source: str
    valid_from: date


STANDARD: dict[str, MethodSpec] = {
    FLAT: MethodSpec(
        FLAT, "Vlakke factor van de regio (2,5 kg CO2-eq per kg)", Co2Basis.FLAT, FLAT_CO2_GRAMS_PER_KG, False,
        standard_factors(), " ".join((FLAT_SOURCE, VALUE_SOURCE, MEALS_SOURCE)),
        SOURCES_DATE),
    PER_CATEGORY: MethodSpec(
        PER_CATEGORY, "CO2-eq per categorie (Poore & Nemecek 2018, indicatief)", Co2Basis.PER_CATEGORY, None,
        False, standard_factors(), " ".join((CO2_SOURCE, VALUE_SOURCE, MEALS_SOURCE)),
        SOURCES_DATE),
    PER_CATEGORY_NET: MethodSpec(
        PER_CATEGORY_NET, "CO2-eq per categorie, min de uitstoot van de bestelwagens", Co2Basis.PER_CATEGORY,
        None, True, standard_factors(),
        " ".join((CO2_SOURCE, "Min km x uitstootfactor van het voertuig (g CO2-eq per km) over de afgesloten "
                  "reddingsritten van de periode.", VALUE_SOURCE, MEALS_SOURCE)), SOURCES_DATE),
}
"""The methods every tenant has from its first use; a coordinator adds others or new versions of these."""


# --- checking a new method ------------------------------------------------------------------------------

NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
MAX_CO2_GRAMS_PER_KG = 200_000
MAX_VALUE_CENTS_PER_KG = 100_000
MAX_MEALS_PER_KG = Decimal(20)


def _int_factor(value: object, where: str, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= highest:
        raise Invalid(_("%(where)s moet een geheel getal tussen 0 en %(highest)s zijn")
                      % {"where": where, "highest": highest}, field=where)
    return value


def _meals(value: object, where: str) -> str:
    try:
        meals = Decimal(str(value))
    except InvalidOperation as exc:
        raise Invalid(_("%(where)s moet een decimaal getal zijn (bv. \"2\" of \"2.38\")") % {"where": where},
                      field=where) from exc
    if not meals.is_finite() or not 0 <= meals <= MAX_MEALS_PER_KG or meals.as_tuple().exponent < -3:  # type: ignore[operator]
        raise Invalid(_("%(where)s moet tussen 0 en %(highest)s liggen, met hoogstens drie decimalen")
                      % {"where": where, "highest": MAX_MEALS_PER_KG}, field=where)
    return f"{meals.normalize():f}"


def checked_factors(given: Mapping[str, Any], base: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """`given` per category over `base` (the previous version's, or the standard factors): every category
    known, every factor in range. Unknown categories or factor names are refused with the category named."""
    factors = {c: dict(base.get(c, {})) for c in map(str, Category)}
    known = {"co2_grams_per_kg", "value_cents_per_kg", "meals_per_kg"}
    for category, values in given.items():
        if category not in factors:
            raise Invalid(_("onbekende categorie %(category)s; gekend zijn: %(known)s")
                          % {"category": repr(category), "known": ", ".join(map(str, Category))},
                          field=f"factors.{category}")
        if not isinstance(values, Mapping):
            raise Invalid(_("de factoren van %(category)s moeten een object zijn") % {"category": category},
                          field=f"factors.{category}")
        for key, value in values.items():
            where = f"factors.{category}.{key}"
            if key not in known:
                raise Invalid(_("onbekende factor %(key)s; gekend zijn: %(known)s")
                              % {"key": repr(key), "known": ", ".join(sorted(known))}, field=where)
            if key == "co2_grams_per_kg":
                factors[category][key] = _int_factor(value, where, MAX_CO2_GRAMS_PER_KG)
            elif key == "value_cents_per_kg":
                factors[category][key] = _int_factor(value, where, MAX_VALUE_CENTS_PER_KG)
            else:
                factors[category][key] = _meals(value, where)
    for category, values in factors.items():
        for key in known:
            if key not in values:
                raise Invalid(_("factor %(key)s van %(category)s ontbreekt") % {"key": key, "category": category},
                              field=f"factors.{category}.{key}")
    return factors


def checked_name(name: str) -> str:
    cleaned = name.strip().lower()
    if not 2 <= len(cleaned) <= 60 or not set(cleaned) <= NAME_CHARS:
        raise Invalid(_("de naam van een methode heeft 2 tot 60 tekens: kleine letters, cijfers en streepjes "
                        "(bv. 'per-categorie')"), field="name")
    return cleaned


def checked_flat(co2_basis: Co2Basis, flat: int | None) -> int | None:
    if co2_basis == Co2Basis.FLAT:
        if flat is None:
            raise Invalid(_("een vlakke methode vraagt flat_co2_grams_per_kg (bv. 2500)"),
                          field="flat_co2_grams_per_kg")
        return _int_factor(flat, "flat_co2_grams_per_kg", MAX_CO2_GRAMS_PER_KG)
    return None


# --- the figures ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TotalRow:
    """One row of the day totals, summed over a week: what the repository reads."""

    flow: str
    round_kind: str
    category: str
    donor_id: str
    recipient_id: str
    municipality: str
    week: date
    grams: int


@dataclass
class Tally:
    """What one group (the whole period, a donor, a week...) gathered."""

    delivered: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Rescue grams delivered per category."""
    picked_up: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: int = 0
    fead: int = 0
    recipients: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Method:
    """The factors a computation needs (from an ImpactMethod row or a frozen report)."""

    co2_basis: str
    flat_co2_grams_per_kg: int | None
    factors: Mapping[str, Mapping[str, Any]]


def impact_of(method: Method, grams_by_category: Mapping[str, int]) -> dict[str, Any]:
    """Food grams, fresh grams, non-food grams, value, meals and CO2-eq of `grams_by_category` by `method`."""
    co2 = value = meals = Decimal(0)
    food = fresh = non_food = 0
    for category, grams in grams_by_category.items():
        factors = method.factors.get(category, {})
        kg = Decimal(grams) / 1000
        value += kg * int(factors.get("value_cents_per_kg", 0))
        if category not in FOOD:
            non_food += grams
            continue
        food += grams
        if category in FRESH:
            fresh += grams
        per_kg = (method.flat_co2_grams_per_kg if method.co2_basis == Co2Basis.FLAT
                  else int(factors.get("co2_grams_per_kg", 0))) or 0
        co2 += kg * per_kg
        meals += kg * Decimal(str(factors.get("meals_per_kg", "0")))
    return {"grams": food, "fresh_grams": fresh, "non_food_grams": non_food,
            "fresh_share_bp": share_bp(fresh, food), "value_cents": int(value.to_integral_value()),
            "meals": int(meals.to_integral_value()), "co2_eq_grams": int(co2.to_integral_value())}


def share_bp(part: int, whole: int) -> int | None:
    """part / whole in basis points, half up; None when there is no whole."""
    if whole <= 0:
        return None
    return int((Decimal(part) * 10000 / whole).to_integral_value())


def week_of(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"week {week} ({monday.day:02d}/{monday.month:02d}/{monday.year})" if year == monday.year \
        else f"week {week} van {year} ({monday.day:02d}/{monday.month:02d}/{monday.year})"


KEYS: dict[Dimension, Callable[[TotalRow], str | None]] = {
    Dimension.DONOR: lambda r: r.donor_id if r.flow != "delivered" else None,
    Dimension.RECIPIENT: lambda r: r.recipient_id if r.flow == "delivered" else None,
    Dimension.MUNICIPALITY: lambda r: r.municipality if r.flow == "delivered" else None,
    Dimension.CATEGORY: lambda r: r.category,
    Dimension.WEEK: lambda r: r.week.isoformat(),
}
"""The group a row falls in per dimension (None: the row does not count there). Recipients and municipalities
are those delivered to; donors those picked up at."""


def tally(rows: Iterable[TotalRow], key: Callable[[TotalRow], str | None] = lambda r: "") -> dict[str, Tally]:
    groups: dict[str, Tally] = defaultdict(Tally)
    for row in rows:
        group = key(row)
        if group is None:
            continue
        t = groups[group]
        if row.round_kind == FEAD:
            if row.flow == "delivered":
                t.fead += row.grams
            continue
        if row.flow == "delivered":
            t.delivered[row.category] += row.grams
            if row.grams > 0:
                t.recipients.add(row.recipient_id)
        elif row.flow == "picked-up":
            t.picked_up[row.category] += row.grams
        elif row.flow == "refused":
            t.refused += row.grams
    return groups


def figures_of(method: Method, t: Tally, people: Mapping[str, int], *, basis: str = "delivered",
               with_categories: bool = False) -> dict[str, Any]:
    """One group's figures; `basis` "picked-up" for a donor's row (the impact of what was accepted there)."""
    moved = t.picked_up if basis == "picked-up" else t.delivered
    out = impact_of(method, moved)
    picked = impact_of(method, t.picked_up)
    out.update({
        "basis": basis,
        "delivered_grams": sum(v for c, v in t.delivered.items() if c in FOOD),
        "picked_up_grams": picked["grams"],
        "refused_grams": t.refused,
        "fead_grams": t.fead,
        "recipients": len(t.recipients),
        "people": None if basis == "picked-up" else sum(people.get(r, 0) for r in t.recipients),
    })
    if with_categories:
        out["categories"] = {c: g for c, g in sorted(t.delivered.items()) if g}
    return out


def compute(method: Method, rows: list[TotalRow], people: Mapping[str, int], names: Mapping[str, str],
            municipality_name: Callable[[str], str], van_co2_eq_grams: int | None,
            dimensions: Iterable[Dimension] = tuple(Dimension)) -> dict[str, Any]:
    """The totals and the rows per dimension (each sorted: by tonnes, categories in their order, weeks in time)."""
    return assemble(method, tally(rows).get("", Tally()), {d: tally(rows, KEYS[d]) for d in dimensions}, people,
                    names, municipality_name, van_co2_eq_grams)


def assemble(method: Method, whole: Tally, groups: Mapping[Dimension, Mapping[str, Tally]],
             people: Mapping[str, int], names: Mapping[str, str], municipality_name: Callable[[str], str],
             van_co2_eq_grams: int | None) -> dict[str, Any]:
    """The figures of the whole period (`whole`) and of each dimension's groups, each dimension's rows sorted."""
    totals = figures_of(method, whole, people)
    totals["van_co2_eq_grams"] = van_co2_eq_grams
    totals["net_co2_eq_grams"] = (None if van_co2_eq_grams is None
                                  else totals["co2_eq_grams"] - van_co2_eq_grams)
    by: dict[str, list[dict[str, Any]]] = {}
    order = {str(c): i for i, c in enumerate(Category)}
    for dimension, tallies in groups.items():
        lines = []
        for key, t in tallies.items():
            basis = "picked-up" if dimension == Dimension.DONOR else "delivered"
            row = figures_of(method, t, people, basis=basis, with_categories=dimension == Dimension.WEEK)
            row["key"] = key
            row["label"] = label_of(dimension, key, names, municipality_name)
            lines.append(row)
        if dimension == Dimension.WEEK:
            lines.sort(key=lambda r: r["key"])
        elif dimension == Dimension.CATEGORY:
            lines.sort(key=lambda r: order.get(r["key"], 99))
        else:
            lines.sort(key=lambda r: (-(r["grams"] + r["fead_grams"]), r["label"]))
        by[str(dimension)] = lines
    return {"totals": totals, "by": by}


@dataclass(frozen=True)
class Grouped:
    """The period's totals as impact.repository reads them, summed in SQL by only what is asked: `parties` per
    flow, kind of round, category and recipient (the totals, and the rows per recipient and per category);
    `donors` and `municipalities` the same with the donor or the municipality; `weeks` per ISO week, flow, kind
    of round and category (no parties), with `reached` the recipients delivered to in a rescue round per week."""

    parties: list[TotalRow]
    donors: list[TotalRow] = field(default_factory=list)
    municipalities: list[TotalRow] = field(default_factory=list)
    weeks: list[TotalRow] = field(default_factory=list)
    reached: Mapping[str, set[str]] = field(default_factory=dict)


def tallies(grouped: Grouped, dimensions: Iterable[Dimension]) -> tuple[Tally, dict[Dimension, dict[str, Tally]]]:
    """The whole period's tally and each dimension's groups from the rows summed per dimension; the same as
    `tally` over the rows per week and party (a recipient counts where its grams in the group are above 0)."""
    sources = {Dimension.DONOR: grouped.donors, Dimension.RECIPIENT: grouped.parties,
               Dimension.MUNICIPALITY: grouped.municipalities, Dimension.CATEGORY: grouped.parties,
               Dimension.WEEK: grouped.weeks}
    groups: dict[Dimension, dict[str, Tally]] = {}
    for dimension in dimensions:
        groups[dimension] = tally(sources[dimension], KEYS[dimension])
        if dimension == Dimension.WEEK:
            for week, t in groups[dimension].items():
                t.recipients = set(grouped.reached.get(week, ()))
    return tally(grouped.parties).get("", Tally()), groups


def months_and_edges(period_from: date, period_until: date) -> tuple[tuple[date, date] | None,
                                                                      list[tuple[date, date]]]:
    """The whole months inside [from, until] (first and last month, each as its first day; None if none) and
    the days outside them (at most two ranges: before the first whole month and after the last)."""
    first = period_from if period_from.day == 1 else next_month(period_from)
    # the first day after the last whole month
    after = next_month(period_until) if next_month(period_until) - timedelta(days=1) == period_until \
        else period_until.replace(day=1)
    if first >= after:
        return None, [(period_from, period_until)]
    last = (after - timedelta(days=1)).replace(day=1)
    edges = [(period_from, first - timedelta(days=1))] if period_from < first else []
    if after <= period_until:
        edges.append((after, period_until))
    return (first, last), edges


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def label_of(dimension: Dimension, key: str, names: Mapping[str, str],
             municipality_name: Callable[[str], str]) -> str:
    if dimension == Dimension.CATEGORY:
        try:
            return LABELS[Category(key)]
        except ValueError:
            return key
    if dimension == Dimension.WEEK:
        return week_label(date.fromisoformat(key))
    if dimension == Dimension.MUNICIPALITY:
        return municipality_name(key) if key else "onbekend"
    return names.get(key, "onbekend")


def half_year_of(day: date) -> tuple[date, date]:
    """The half year `day` falls in: 1 January - 30 June or 1 July - 31 December."""
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


MAX_PERIOD_DAYS = 366 * 5


def checked_period(period_from: date, period_until: date) -> None:
    if period_until < period_from:
        raise Invalid(_("het einde van de periode ligt voor het begin"), field="until")
    if (period_until - period_from).days > MAX_PERIOD_DAYS:
        raise Invalid(_("een periode is hoogstens vijf jaar lang"), field="until")


CONSTRAINT_REASONS: dict[str, str] = {
    "ck_impact_reports_frozen": N_("dit rapport is gepubliceerd en bevroren: het verandert niet meer"),
    "uq_impact_methods_version": N_("deze versie van de methode bestaat al: een nieuwe versie krijgt het volgende "
                                    "nummer"),
}
"""What the impact tables' constraints mean to a person whose write lost a race."""
