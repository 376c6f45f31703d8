"""The foodsavers demo's plan, before anything is sent: the rescued food delivered is exactly the region's 5.7 t
with 52% fresh produce, the organisations serve 1,300 people, every round's mass balance holds but one, and the
plan is the same on every run (so an interrupted load resumes with the same ids)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from devstack import demo_foodsavers_content as content
from devstack.demo_foodsavers import apportion, plan, sync_batch
from services.foodsavers.impact.rules import VALUE_CENTS_PER_KG
from services.foodsavers.registry.categories import Category


def test_the_rescued_food_delivered_is_the_regions_half_year() -> None:
    delivered: Counter[str] = Counter()
    for load in plan().values():
        if load.series.kind == "rescue":
            delivered.update(load.delivered())
    assert sum(delivered.values()) == 5_700_000
    assert delivered["fresh-produce"] * 100 == 52 * 5_700_000
    assert set(delivered) <= {str(c) for c in Category}
    value_cents = sum(grams * VALUE_CENTS_PER_KG[Category(c)] // 1000 for c, grams in delivered.items())
    assert abs(value_cents - 5_000_000) < 250_000, "about €50,000 of new value"


def test_the_organisations_serve_1300_people_and_the_local_governments_none() -> None:
    assert sum(int(str(r.extra["people_served"])) for r in content.RECIPIENTS) == content.PEOPLE == 1300
    assert {r.municipality for r in content.RECIPIENTS} == {"De Panne", "Diksmuide", "Koksijde", "Nieuwpoort",
                                                             "Veurne"}
    assert all(g.extra["people_served"] == 0 and g.kind == "local-government" for g in content.LOCAL_GOVERNMENTS)


def test_rounds_every_workday_but_holidays_and_fead_weekly_from_october() -> None:
    loads = plan()
    rescue = sorted(day for (_, day), load in loads.items() if load.series.kind == "rescue")
    fead = sorted(day for (_, day), load in loads.items() if load.series.kind == "fead")
    assert rescue[0] == date(2020, 6, 15) and rescue[-1] == date(2020, 12, 31)
    assert len(rescue) == len(set(rescue)) == 141  # 144 workdays, three public holidays
    assert all(day.isoweekday() <= 5 and day not in content.HOLIDAYS for day in rescue)
    assert fead[0] == date(2020, 10, 1) and len(fead) == 14
    assert all(line.category == "dry" for (_, day), load in loads.items() if load.series.kind == "fead"
               for pickup in load.pickups for line in pickup.lines)
    drivers = Counter(load.series.driver for load in loads.values())
    assert set(drivers) == {"driver", "driver2", "driver3"}


def test_the_mass_balance_holds_on_every_round_but_one_and_two_vans_were_full() -> None:
    off = []
    for (_, day), load in plan().items():
        picked = sum(line.grams for pickup in load.pickups for line in pickup.lines)
        if picked != sum(load.delivered().values()):
            off.append(day)
    assert off == [content.MASS_BALANCE_DAY]
    full = [(day, p.donor) for (_, day), load in plan().items() for p in load.pickups if p.van_full]
    assert sorted(full) == sorted((day, donor) for day, (donor, _) in content.VAN_FULL.items())


def test_the_plan_and_the_phones_ids_are_the_same_on_every_run() -> None:
    key = next(iter(plan()))
    first, second = plan()[key], plan()[key]
    ids = {name: f"id-{name}" for name in [*content.RESCUE_DONORS, content.FOOD_BANK.name,
                                           *(r.name for r in (*content.RECIPIENTS, *content.LOCAL_GOVERNMENTS))]}
    round_ = {"id": "round-1", "stops": []}
    assert sync_batch(first, round_, ids) == sync_batch(second, round_, ids)
    batch = sync_batch(first, round_, ids)
    line_ids = [line["id"] for p in batch["pickups"] for line in p["lines"]]
    assert len(line_ids) == len(set(line_ids))
    assert all(p["picked_up_at"].endswith("Z") for p in batch["pickups"])
    chilled = [line for p in batch["pickups"] for line in p["lines"] if line["category"] == "dairy"]
    assert all(line["celsius"] is not None and line["date_kind"] == "use-by" for line in chilled)


def test_apportion_splits_exactly() -> None:
    assert apportion(10, [1.0, 1.0, 1.0]) in ([4, 3, 3], [3, 4, 3], [3, 3, 4])
    assert sum(apportion(29_640, [0.3, 1.7, 0.9, 1.1])) == 29_640
    assert apportion(5, [0.0, 0.0]) == [0, 0]
