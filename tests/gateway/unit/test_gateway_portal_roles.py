from __future__ import annotations

from services.gateway.portal.roles import ROLE_LABELS, portals_for, role_labels
from shared.auth import ROLES


def test_every_role_has_a_dutch_label() -> None:
    assert set(ROLE_LABELS) == set(ROLES)


def test_labels_come_in_a_fixed_order_whatever_the_token_says() -> None:
    assert role_labels(("province-admin", "applicant")) == ["aanvrager", "provinciebeheerder"]


def test_an_applicant_sees_only_the_applications_portal() -> None:
    assert [p.title for p in portals_for(frozenset({"applicant"}))] == ["Aanvragen"]


def test_a_driver_sees_only_the_driver_portal() -> None:
    assert [p.title for p in portals_for(frozenset({"driver"}))] == ["Chauffeur"]


def test_a_user_without_roles_sees_no_portal() -> None:
    assert portals_for(frozenset()) == []


def test_every_role_opens_at_least_one_portal() -> None:
    for role in ROLES:
        assert portals_for(frozenset({role})), role
