"""In-portal notices through the real grants process: a decided call leaves a notice per application for the
demo applicant (their own copy and their organisation's, shown as one); the person counts and filters the
unread ones, marks one read (idempotently, never someone else's), and marks all of them read up to the moment a
page showed, so that what arrived later stays unread. The call is tests/grants/decision_world.py's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.grants.decision_world import World, call_in_review, fix_and_decide
from tests.support import bearer

TENANT = "oost-vlaanderen"
MINE = ("Schoolvis", "Le Petit Botanique", "Schilder je dak waterdicht")  # the demo applicant's applications


@pytest.fixture(scope="module")
async def world(platform, tokens, stack_config) -> AsyncIterator[World]:
    world = await call_in_review(platform, tokens, stack_config, TENANT)
    fix_and_decide(world, datetime.now(ZoneInfo("Europe/Brussels")).date())
    yield world
    await world.app_db.dispose()


def listed(world: World, **params: object) -> list[dict]:
    response = httpx.get(world.url("/notices"), headers=world.as_("applicant"), params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()


def unread_count(world: World) -> int:
    response = httpx.get(world.url("/notices/unread-count"), headers=world.as_("applicant"))
    assert response.status_code == 200, response.text
    return response.json()["unread"]


def of_this_call(world: World, notices: list[dict]) -> dict[str, dict]:
    """The notices about this call's applications, by application title."""
    by_link = {f"/applications/{world.apps[title]}/letter": title for title in MINE}
    return {by_link[link]: n for n in notices for link in by_link if n["link"].endswith(link)}


@pytest.fixture(scope="module")
async def notices(world: World) -> dict[str, dict]:
    """The decision's notices for the demo applicant, once grants' consumer has left them."""
    for _ in range(100):
        found = of_this_call(world, listed(world))
        if len(found) == len(MINE):
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"the decision's notices did not arrive: {sorted(found)}")


def test_the_decision_leaves_unread_notices_that_the_count_and_the_unread_filter_show(
        world: World, notices: dict[str, dict]) -> None:
    assert all(n["read_at"] is None for n in notices.values())
    unread = listed(world, unread="true")
    assert {n["id"] for n in notices.values()} <= {n["id"] for n in unread}
    assert all(n["read_at"] is None for n in unread)
    assert unread_count(world) == len(unread) >= len(MINE)


def test_someone_elses_notice_is_not_found_and_stays_unread(world: World, notices: dict[str, dict]) -> None:
    notice = notices["Schoolvis"]
    for other in ("partner", "juror"):  # another organisation's user; a user without notices of their own
        refused = httpx.post(world.url(f"/notices/{notice['id']}/read"), headers=world.as_(other))
        assert refused.status_code == 404, refused.text
    unknown = httpx.post(world.url(f"/notices/{uuid.uuid4()}/read"), headers=world.as_("applicant"))
    assert unknown.status_code == 404
    assert of_this_call(world, listed(world))["Schoolvis"]["read_at"] is None


def test_marking_one_notice_read_drops_the_count_by_one_and_a_retry_changes_nothing(
        world: World, notices: dict[str, dict]) -> None:
    before = unread_count(world)
    notice = notices["Schoolvis"]
    marked = httpx.post(world.url(f"/notices/{notice['id']}/read"), headers=world.as_("applicant"))
    assert marked.status_code == 200, marked.text
    assert marked.json()["id"] == notice["id"] and marked.json()["read_at"] is not None
    assert unread_count(world) == before - 1  # the person's copy and their organisation's go together

    again = httpx.post(world.url(f"/notices/{notice['id']}/read"), headers=world.as_("applicant"))
    assert again.status_code == 200 and again.json()["read_at"] == marked.json()["read_at"]
    assert unread_count(world) == before - 1
    assert notice["id"] not in {n["id"] for n in listed(world, unread="true")}
    everything = [n for n in listed(world) if n["link"].endswith(f"/applications/{world.apps['Schoolvis']}/letter")]
    assert len(everything) == 1 and everything[0]["read_at"] is not None


def test_marking_all_up_to_the_moment_a_page_showed_leaves_newer_notices_unread(
        world: World, notices: dict[str, dict]) -> None:
    older, newer = sorted((notices[t] for t in MINE[1:]), key=lambda n: n["created_at"])
    assert older["created_at"] < newer["created_at"]
    marked = httpx.post(world.url("/notices/read"), headers=world.as_("applicant"),
                        json={"before": older["created_at"]})
    assert marked.status_code == 200, marked.text
    assert marked.json()["marked"] >= 1
    read_at = {n["id"]: n["read_at"] for n in of_this_call(world, listed(world)).values()}
    assert read_at[older["id"]] is not None and read_at[newer["id"]] is None
    assert marked.json()["unread"] == unread_count(world) >= 1

    everything = httpx.post(world.url("/notices/read"), headers=world.as_("applicant"))
    assert everything.status_code == 200, everything.text
    assert everything.json()["unread"] == 0 and unread_count(world) == 0
    assert listed(world, unread="true") == []
    retry = httpx.post(world.url("/notices/read"), headers=world.as_("applicant"))
    assert retry.json() == {"marked": 0, "unread": 0}


def test_a_user_of_another_province_is_refused(world: World, tokens, notices: dict[str, dict]) -> None:
    other = bearer(tokens("limburg", "applicant"))
    assert httpx.get(world.url("/notices/unread-count"), headers=other).status_code == 401
    assert httpx.post(world.url("/notices/read"), headers=other).status_code == 401
    assert httpx.post(world.url(f"/notices/{notices['Schoolvis']['id']}/read"), headers=other).status_code == 401


def test_a_malformed_moment_is_refused(world: World) -> None:
    refused = httpx.post(world.url("/notices/read"), headers=world.as_("applicant"), json={"before": "gisteren"})
    assert refused.status_code == 400
