"""The home page's tiles: only for a prefix the gateway's table routes to the service that announced it, and only
for the roles that service's page guards admit."""

from __future__ import annotations

from services.gateway.pages import PAGE_PATHS
from services.gateway.portals import PAGES, ROLE_LABELS, role_labels, tiles_for
from services.grants.portal import PORTALS as GRANTS_PORTALS
from shared.auth import ROLES
from shared.portal.manifest import PortalEntry, Tile

ANNOUNCED = {"grants": list(GRANTS_PORTALS)}


def titles(entries: list[PortalEntry]) -> list[str]:
    return [entry.tile.title for entry in entries if entry.tile is not None]


def test_every_role_has_a_dutch_label() -> None:
    assert set(ROLE_LABELS) == set(ROLES)


def test_labels_come_in_a_fixed_order_whatever_the_token_says() -> None:
    assert role_labels(("province-admin", "applicant")) == ["aanvrager", "provinciebeheerder"]


def test_the_home_shows_exactly_the_tiles_that_are_routed_and_allowed_for_the_roles() -> None:
    routed = {path.split("/")[2] for path in PAGE_PATHS}
    for role in ROLES:
        expected = [entry for prefix in PAGES for entry in GRANTS_PORTALS
                    if entry.prefix == prefix and entry.tile and role in entry.roles and prefix in routed]
        assert tiles_for(frozenset({role}), ANNOUNCED) == expected, role
    assert titles(tiles_for(frozenset({"applicant"}), ANNOUNCED)) == ["Aanvragen"]
    assert titles(tiles_for(frozenset({"juror"}), ANNOUNCED)) == ["Jury"]
    assert titles(tiles_for(frozenset({"call-manager"}), ANNOUNCED)) == ["Aanvragen", "Oproepen beheren"]
    assert titles(tiles_for(frozenset({"juror", "applicant"}), ANNOUNCED)) == ["Aanvragen", "Jury"]


def test_no_tile_for_a_role_whose_portal_no_service_announced() -> None:
    assert tiles_for(frozenset({"driver"}), ANNOUNCED) == []
    assert tiles_for(frozenset({"coordinator"}), ANNOUNCED) == []
    assert tiles_for(frozenset(), ANNOUNCED) == []


def test_a_tile_for_a_prefix_the_table_does_not_route_or_routes_elsewhere_is_left_out() -> None:
    driver = PortalEntry("bestelwagen", frozenset({"driver"}), Tile("Bestelwagen", "Je ritten."))
    assert tiles_for(frozenset({"driver"}), {"foodsavers": [driver]}) == []  # not in the table
    assert tiles_for(frozenset({"driver"}), {"foodsavers": [driver]}, {"bestelwagen": "foodsavers"}) == [driver]
    stray = PortalEntry("jury", frozenset({"juror"}), Tile("Jury elders", "…"))
    assert tiles_for(frozenset({"juror"}), {"partners": [stray]}) == []  # jury is grants', not partners'


def test_every_prefix_a_service_announces_is_routed_to_it() -> None:
    assert {entry.prefix for entry in GRANTS_PORTALS} == {p for p, service in PAGES.items() if service == "grants"}
