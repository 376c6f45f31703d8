"""Appeals through the real grants process: inside the call's appeal period (counted from the notification, the
Brussels date the decision was published, as the letter says; not from the decision date a call manager enters)
an applicant's appeal is received and handled received → under-review → upheld | dismissed with reasons and an
audit trail; after it, it is refused with the last day in Dutch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from shared.audit import AuditEntry
from shared.portal.formats import day
from tests.grants.decision_world import World, call_in_review, decide, fix_and_decide, notified_days_ago

TENANT = "west-vlaanderen"


def brussels_today():
    return datetime.now(ZoneInfo("Europe/Brussels")).date()


@pytest.fixture(scope="module")
async def decided_today(platform, tokens, stack_config) -> AsyncIterator[World]:
    world = await call_in_review(platform, tokens, stack_config, TENANT, appeal_days=30)
    future = decide(world, "2099-01-01")
    assert future.status_code == 422 and "toekomst" in future.json()["detail"]
    unproposed = decide(world, brussels_today())
    assert unproposed.status_code == 409 and "voorstel" in unproposed.json()["detail"]
    fix_and_decide(world, brussels_today())
    yield world
    await world.app_db.dispose()


@pytest.fixture(scope="module")
async def decided_long_ago(platform, tokens, stack_config) -> AsyncIterator[World]:
    world = await call_in_review(platform, tokens, stack_config, TENANT, appeal_days=30)
    fix_and_decide(world, brussels_today() - timedelta(days=31))
    await notified_days_ago(world, 31)
    yield world
    await world.app_db.dispose()


@pytest.fixture(scope="module")
async def decided_backdated(platform, tokens, stack_config) -> AsyncIterator[World]:
    """Published today, on a decision dated 31 days ago."""
    world = await call_in_review(platform, tokens, stack_config, TENANT, appeal_days=30)
    fix_and_decide(world, brussels_today() - timedelta(days=31))
    yield world
    await world.app_db.dispose()


async def test_an_appeal_inside_the_period_is_received_and_handled_with_reasons(decided_today: World) -> None:
    world = decided_today
    path = f"/applications/{world.apps['Schilder je dak waterdicht']}/appeals"
    lodged = httpx.post(world.url(path), headers=world.as_("applicant"),
                        json={"grounds": "De jury heeft onze samenwerking met twee maatwerkbedrijven onderschat."})
    assert lodged.status_code == 201, lodged.text
    appeal = lodged.json()
    assert appeal["status"] == "received" and appeal["last_day"] == (brussels_today() + timedelta(days=30)).isoformat()
    second = httpx.post(world.url(path), headers=world.as_("applicant"), json={"grounds": "Nog eens."})
    assert second.status_code == 409

    handle = world.url(f"{path}/{appeal['id']}")
    first_seen = {"If-Match": f'"{appeal["version"]}"'}
    assert httpx.patch(handle, headers=world.as_("applicant", **first_seen),
                       json={"status": "under-review"}).status_code == 403
    too_early = httpx.patch(handle, headers=world.as_("call-manager", **first_seen),
                            json={"status": "upheld", "reasons": "x"})
    assert too_early.status_code == 409
    review = httpx.patch(handle, headers=world.as_("call-manager", **{"If-Match": f'"{appeal["version"]}"'}),
                         json={"status": "under-review"})
    assert review.status_code == 200, review.text
    stale = httpx.patch(handle, headers=world.as_("call-manager", **{"If-Match": f'"{appeal["version"]}"'}),
                        json={"status": "dismissed", "reasons": "De scores zijn correct toegepast."})
    assert stale.status_code == 412
    unreasoned = httpx.patch(handle, headers=world.as_("call-manager", **{"If-Match": review.headers["etag"]}),
                             json={"status": "dismissed"})
    assert unreasoned.status_code == 422
    dismissed = httpx.patch(handle, headers=world.as_("call-manager", **{"If-Match": review.headers["etag"]}),
                            json={"status": "dismissed", "reasons": "De scores zijn correct toegepast."})
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["outcome_reasons"] == "De scores zijn correct toegepast."
    assert dismissed.json()["handled_by"] == "call-manager"
    listed = httpx.get(world.url(path), headers=world.as_("applicant")).json()
    assert [a["status"] for a in listed] == ["dismissed"]

    async with world.app_db.transaction(TENANT) as session:
        trail = (await session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "application",
            AuditEntry.entity_id == str(world.apps["Schilder je dak waterdicht"]),
            AuditEntry.action.like("appeal.%")).order_by(AuditEntry.at))).all()
    assert [(e.action, e.actor) for e in trail] == [("appeal.received", "applicant"),
                                                    ("appeal.under-review", "call-manager"),
                                                    ("appeal.dismissed", "call-manager")]
    assert trail[-1].before == {"status": "under-review"} and trail[-1].reasons == "De scores zijn correct toegepast."


def test_only_the_applicant_may_appeal(decided_today: World) -> None:
    world = decided_today
    path = f"/applications/{world.apps['Druk-Werk, Sociaal Werk']}/appeals"  # another organisation applied
    assert httpx.post(world.url(path), headers=world.as_("applicant"), json={"grounds": "x"}).status_code == 404
    assert httpx.post(world.url(path), headers=world.as_("call-manager"), json={"grounds": "x"}).status_code == 403


def test_an_appeal_after_the_period_is_refused_with_the_last_day_in_dutch(decided_long_ago: World) -> None:
    world = decided_long_ago
    refused = httpx.post(world.url(f"/applications/{world.apps['Schilder je dak waterdicht']}/appeals"),
                         headers=world.as_("applicant"), json={"grounds": "Te laat, maar toch."})
    assert refused.status_code == 409, refused.text
    last_day = brussels_today() - timedelta(days=1)
    assert refused.json()["detail"] == ("de beroepstermijn van 30 dagen is verstreken: de laatste dag om beroep aan "
                                        f"te tekenen was {day(last_day)}")
    assert refused.json()["last_day"] == last_day.isoformat()


def test_the_applicant_reads_the_decision_date_and_the_last_day_to_appeal(
        decided_today: World, decided_long_ago: World) -> None:
    title = "Schilder je dak waterdicht"
    today = httpx.get(decided_today.url(f"/applications/{decided_today.apps[title]}/decision"),
                      headers=decided_today.as_("applicant"))
    assert today.status_code == 200, today.text
    body = today.json()
    assert body["reference"] == decided_today.reference and body["decided_on"] == brussels_today().isoformat()
    assert body["outcome"] in {"awarded", "rejected"} and body["reasons"]
    assert body["appeal_days"] == 30
    assert body["appeal_last_day"] == (brussels_today() + timedelta(days=30)).isoformat()
    assert body["appeal_open"] is True

    # Decided and notified 31 days ago: the last day lies in the past.
    old = httpx.get(decided_long_ago.url(f"/applications/{decided_long_ago.apps[title]}/decision"),
                    headers=decided_long_ago.as_("applicant")).json()
    assert old["decided_on"] == (brussels_today() - timedelta(days=31)).isoformat()
    assert old["appeal_last_day"] == (brussels_today() - timedelta(days=1)).isoformat()
    assert old["appeal_open"] is False


def test_people_not_involved_do_not_read_an_applications_decision(decided_today: World) -> None:
    path = f"/applications/{decided_today.apps['Schilder je dak waterdicht']}/decision"
    assert httpx.get(decided_today.url(path), headers=decided_today.as_("juror")).status_code in {403, 404}
    assert httpx.get(decided_today.url(path), headers=decided_today.as_("driver")).status_code == 403


def test_a_backdated_decision_gives_the_full_period_from_the_day_it_was_notified(decided_backdated: World) -> None:
    world, title = decided_backdated, "Schilder je dak waterdicht"
    read = httpx.get(world.url(f"/applications/{world.apps[title]}/decision"), headers=world.as_("applicant"))
    assert read.status_code == 200, read.text
    assert read.json()["decided_on"] == (brussels_today() - timedelta(days=31)).isoformat()
    assert read.json()["appeal_last_day"] == (brussels_today() + timedelta(days=30)).isoformat()
    assert read.json()["appeal_open"] is True
    lodged = httpx.post(world.url(f"/applications/{world.apps[title]}/appeals"), headers=world.as_("applicant"),
                        json={"grounds": "De brief kwam vandaag; de termijn loopt vanaf de kennisgeving."})
    assert lodged.status_code == 201, lodged.text
    assert lodged.json()["last_day"] == (brussels_today() + timedelta(days=30)).isoformat()
