"""The home page's tiles come from the one table of portal pages: a tile only for a prefix the gateway routes,
and only for the roles that may use it."""

from __future__ import annotations

from services.gateway.pages import PAGE_PATHS
from services.gateway.portals import BY_PREFIX, PORTALS, ROLE_LABELS, Portal, Tile, role_labels, tiles_for
from shared.auth import ROLES


def test_every_role_has_a_dutch_label() -> None:
    assert set(ROLE_LABELS) == set(ROLES)


def test_labels_come_in_a_fixed_order_whatever_the_token_says() -> None:
    assert role_labels(("province-admin", "applicant")) == ["aanvrager", "provinciebeheerder"]


def test_the_home_shows_exactly_the_tiles_that_are_routed_and_allowed_for_the_roles() -> None:
    routed = {path.split("/")[2] for path in PAGE_PATHS}
    for role in ROLES:
        expected = [p for p in PORTALS if p.tile is not None and role in p.roles and p.prefix in routed]
        assert tiles_for(frozenset({role})) == expected, role
    assert [p.tile.title for p in tiles_for(frozenset({"applicant"})) if p.tile] == ["Aanvragen"]
    assert [p.tile.title for p in tiles_for(frozenset({"juror"})) if p.tile] == ["Jury"]
    assert [p.tile.title for p in tiles_for(frozenset({"call-manager"})) if p.tile] == ["Aanvragen", "Oproepen beheren"]


def test_no_tile_leads_to_a_portal_nobody_serves() -> None:
    # A driver and a coordinator have no portal pages yet: no tile rather than a tile to a 404.
    assert tiles_for(frozenset({"driver"})) == []
    assert tiles_for(frozenset({"coordinator"})) == []
    assert tiles_for(frozenset()) == []


def test_a_tile_for_a_service_the_gateway_does_not_route_is_left_out() -> None:
    driver = Portal("chauffeur", "foodsavers", frozenset({"driver"}), Tile("Chauffeur", "Je ritten."))
    served = tuple(p for p in (*PORTALS, driver) if p.service != "foodsavers")
    assert tiles_for(frozenset({"driver"}), served) == []


def test_every_prefix_is_routed_once() -> None:
    assert len(BY_PREFIX) == len(PORTALS)
    assert {path.split("/")[2] for path in PAGE_PATHS} == set(BY_PREFIX)
