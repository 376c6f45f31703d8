"""The Flemish municipalities list: the count after the 2025 mergers, per province, and the lookups."""

from __future__ import annotations

from collections import Counter

import pytest

from shared import municipalities
from shared.municipalities import MUNICIPALITIES, find, of_province


def test_flanders_has_285_municipalities_after_the_2025_mergers() -> None:
    assert len(MUNICIPALITIES) == 285


def test_each_province_has_its_count() -> None:
    assert Counter(m.province for m in MUNICIPALITIES.values()) == {
        "antwerpen": 67, "vlaams-brabant": 63, "west-vlaanderen": 62, "oost-vlaanderen": 55, "limburg": 38}


@pytest.mark.parametrize(("name", "province"), [
    *[(n, "west-vlaanderen") for n in ("Ieper", "Veurne", "Diksmuide", "De Panne", "Koksijde", "Nieuwpoort",
                                       "Poperinge", "Brugge", "Tielt", "Wingene")],
    *[(n, "antwerpen") for n in ("Turnhout", "Mol", "Balen", "Retie", "Schilde", "Antwerpen")],
    *[(n, "oost-vlaanderen") for n in ("Gent", "Beveren-Kruibeke-Zwijndrecht", "Merelbeke-Melle",
                                       "Nazareth-De Pinte", "Lokeren", "Lochristi")],
    *[(n, "limburg") for n in ("Hasselt", "Bilzen-Hoeselt", "Tongeren-Borgloon", "Tessenderlo-Ham")],
    *[(n, "vlaams-brabant") for n in ("Leuven", "Pajottegem")],
])
def test_a_known_municipality_is_in_its_province(name: str, province: str) -> None:
    found = find(name)
    assert found is not None and found.name == name and found.province == province


@pytest.mark.parametrize("merged", ["Borsbeek", "Kortessem", "Meulebeke", "Ruiselede", "Wachtebeke", "Moerbeke",
                                    "Melle", "De Pinte", "Kruibeke", "Zwijndrecht", "Hoeselt", "Borgloon", "Ham",
                                    "Gooik", "Herne", "Galmaarden"])
def test_a_municipality_merged_in_2025_is_no_longer_listed(merged: str) -> None:
    assert find(merged) is None


def test_find_takes_a_code_a_name_or_a_slug_ignoring_case_and_accents() -> None:
    ieper = MUNICIPALITIES["33011"]
    assert ieper.name == "Ieper" and ieper.slug == "ieper"
    assert find("33011") is ieper
    assert find(" IEPER ") is ieper
    assert find("ïeper") is ieper
    assert find("de-panne") is find("De Panne") is find("de panne")
    assert find("sint-martens-latem") is not None
    assert find("Parijs") is None
    assert find("") is None


def test_of_province_is_sorted_by_name_and_holds_only_that_province() -> None:
    names = [m.name for m in of_province("limburg")]
    assert len(names) == 38 and names == sorted(names, key=municipalities.folded)
    assert of_province("brussel") == ()


def test_every_slug_is_unique() -> None:
    assert len({m.slug for m in MUNICIPALITIES.values()}) == 285
