"""The food categories a driver weighs per line, fixed for every province: their Dutch names, how each is kept
(ambient, chilled, frozen: which temperature limit applies), and which count as fresh in the region's reports
("52% verse groenten en fruit"). The factors per category (CO2-eq, value, meals) are data, per tenant and per
version of an impact method (impact/)."""

from __future__ import annotations

from enum import StrEnum

from shared.i18n import N_


class Storage(StrEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"
    FROZEN = "frozen"


class Category(StrEnum):
    FRESH_PRODUCE = "fresh-produce"
    BREAD = "bread"
    DAIRY = "dairy"
    MEAT_FISH = "meat-fish"
    FROZEN = "frozen"
    PREPARED_MEALS = "prepared-meals"
    DRY = "dry"
    NON_FOOD = "non-food"


LABELS: dict[Category, str] = {
    Category.FRESH_PRODUCE: N_("verse groenten en fruit"),
    Category.BREAD: N_("brood en banket"),
    Category.DAIRY: N_("zuivel"),
    Category.MEAT_FISH: N_("vlees en vis"),
    Category.FROZEN: N_("diepvries"),
    Category.PREPARED_MEALS: N_("bereide maaltijden"),
    Category.DRY: N_("droge voeding"),
    Category.NON_FOOD: N_("non-food"),
}

STORAGE: dict[Category, Storage] = {
    Category.FRESH_PRODUCE: Storage.AMBIENT,
    Category.BREAD: Storage.AMBIENT,
    Category.DAIRY: Storage.CHILLED,
    Category.MEAT_FISH: Storage.CHILLED,
    Category.FROZEN: Storage.FROZEN,
    Category.PREPARED_MEALS: Storage.CHILLED,
    Category.DRY: Storage.AMBIENT,
    Category.NON_FOOD: Storage.AMBIENT,
}
"""How each category is kept: a chilled or frozen line needs a measured temperature."""

FRESH: frozenset[Category] = frozenset({Category.FRESH_PRODUCE})
"""What the fresh share counts: fresh vegetables and fruit, as the region reports it."""

FOOD: frozenset[Category] = frozenset(Category) - {Category.NON_FOOD}
"""What counts as food (tonnes of food, meals, CO2-eq avoided); non-food is carried but not counted as food."""
