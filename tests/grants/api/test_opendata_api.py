"""The 360Giving export through the real grants process: it validates against the standard's schema and
holds exactly the awarded grants of the asking province, with or without login."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from services.grants.decisions.models import DecisionLine
from tests.grants.decision_world import World, call_in_review, fix_and_decide
from tests.grants.three_sixty_giving import errors

TENANT = "oost-vlaanderen"
OTHER = "limburg"


@pytest.fixture(scope="module")
async def worlds(platform, tokens, stack_config) -> AsyncIterator[tuple[World, World]]:
    today = datetime.now(ZoneInfo("Europe/Brussels")).date()
    mine = await call_in_review(platform, tokens, stack_config, TENANT)
    fix_and_decide(mine, today)
    other = await call_in_review(platform, tokens, stack_config, OTHER)
    fix_and_decide(other, today)
    yield mine, other
    await mine.app_db.dispose()
    await other.app_db.dispose()


async def test_the_export_validates_and_holds_exactly_the_provinces_awarded_grants(worlds) -> None:
    mine, other = worlds
    exported = httpx.get(mine.url("/opendata/360giving"), headers=mine.as_("juror"))
    assert exported.status_code == 200, exported.text
    package = exported.json()
    assert errors(package) == []
    async with mine.app_db.transaction(TENANT) as session:
        awarded = (await session.scalars(select(DecisionLine.application_id).where(
            DecisionLine.outcome == "awarded"))).all()
    ids = [g["id"] for g in package["grants"]]
    assert sorted(ids) == sorted(f"360G-regie-{TENANT}-{a}" for a in awarded)
    assert len(ids) == len(set(ids))
    assert f"360G-regie-{TENANT}-{mine.apps['Schoolvis']}" in ids
    assert f"360G-regie-{TENANT}-{mine.apps['Schilder je dak waterdicht']}" not in ids  # rejected
    assert not any(str(a) in i for a in other.apps.values() for i in ids)  # another province's
    partial = next(g for g in package["grants"] if g["id"].endswith(str(mine.apps["Le Petit Botanique"])))
    assert partial["amountAwarded"] == 40000 and partial["amountAppliedFor"] == 50000
    assert partial["fundingOrganization"] == [{"id": f"360G-regie-org-{TENANT}", "name": "Provincie Oost-Vlaanderen"}]
    schoolvis = next(g for g in package["grants"] if g["id"].endswith(str(mine.apps["Schoolvis"])))
    assert schoolvis["recipientOrganization"][0]["id"].startswith("BE-BCE_KBO-")


def test_open_data_is_also_served_without_login(worlds, platform) -> None:
    mine, _ = worlds
    public = httpx.get(f"{platform.url('grants')}/{TENANT}/public/opendata/360giving")
    assert public.status_code == 200, public.text
    assert errors(public.json()) == []
    assert httpx.get(f"{platform.url('grants')}/{TENANT}/opendata/360giving").status_code == 401
