"""partners' audit trail: what `GET /{tenant}/audit` answers (who, when, before and after, reasons; for
coordinators only), and that the log is append-only in the database itself: the request role may not update or
delete an entry, and a trigger refuses both even to the tables' owner."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.db import Database
from tests.partners.plans_world import PlansApi

TENANT = "vlaams-brabant"


@pytest.fixture(scope="module")
def api(partners_url: str, tokens) -> PlansApi:  # type: ignore[no-untyped-def]
    return PlansApi(partners_url, tokens, TENANT)


@pytest.fixture
async def app_db(stack_config) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    db = Database.from_url(stack_config.database_url("partners", "regie_app"), pool_size=1)
    yield db
    await db.dispose()


@pytest.fixture
async def owner_db(stack_config) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    db = Database.from_url(stack_config.database_url("partners", "regie_owner"), pool_size=1)
    yield db
    await db.dispose()


def test_the_trail_of_a_plan_says_who_when_what_before_and_after_and_why(api: PlansApi) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    plan = api.new_plan(title=f"Geauditeerd plan {uuid.uuid4().hex[:8]}", municipalities=["Leuven"])
    api.move(plan, "negotiating", "ontwerp naar de partners gestuurd")
    trail = api.get("/audit", entity="plan", entity_id=plan["id"])
    assert trail.status_code == 200, trail.text
    entries = trail.json()
    assert [e["action"] for e in entries] == ["plan.created", "plan.status.changed"]
    created, moved = entries
    assert created["before"] is None and created["after"]["title"] == plan["title"]
    assert created["after"]["municipalities"] == ["24062"]
    assert (moved["actor"], moved["entity"], moved["entity_id"]) == ("coordinator", "plan", plan["id"])
    assert (moved["before"], moved["after"]) == ({"status": "draft"}, {"status": "negotiating"})
    assert moved["reasons"] == "ontwerp naar de partners gestuurd"
    assert started <= datetime.fromisoformat(created["at"]) <= datetime.fromisoformat(moved["at"])
    assert api.get("/audit", user="province-admin", entity="plan", entity_id=plan["id"]).json() == entries


def test_the_trail_is_for_coordinators_and_names_what_it_needs(api: PlansApi) -> None:
    plan = api.new_plan(title=f"Plan {uuid.uuid4().hex[:8]}")
    for user in ("partner", "call-manager", "applicant"):
        assert api.get("/audit", user=user, entity="plan", entity_id=plan["id"]).status_code == 403
    missing = api.get("/audit", entity="plan")
    assert missing.status_code == 422 and missing.json()["field"] == "entity_id"
    assert api.get("/audit", entity="plan", entity_id=str(uuid.uuid4())).json() == []
    other_province = PlansApi(api.base, api.tokens, "antwerpen")
    assert other_province.get("/audit", entity="plan", entity_id=plan["id"]).json() == []


async def test_the_request_role_may_neither_update_nor_delete_an_entry(api: PlansApi, app_db: Database) -> None:
    plan = api.new_plan(title=f"Plan {uuid.uuid4().hex[:8]}")
    for statement in ("UPDATE audit_log SET reasons = 'vervalst' WHERE entity_id = :id",
                      "DELETE FROM audit_log WHERE entity_id = :id"):
        # Refused by its privileges (a delete) or by the append-only trigger (an update outside an erasure).
        with pytest.raises(DBAPIError, match="permission denied|append-only"):
            async with app_db.transaction(TENANT) as session:
                await session.execute(text(statement), {"id": plan["id"]})
    async with app_db.transaction(TENANT) as session:
        kept = (await session.execute(text("SELECT count(*) FROM audit_log WHERE entity_id = :id AND "
                                           "reasons <> 'vervalst'"), {"id": plan["id"]})).scalar_one()
    assert kept == 1


async def test_even_the_owner_cannot_rewrite_the_log(api: PlansApi, owner_db: Database) -> None:
    plan = api.new_plan(title=f"Plan {uuid.uuid4().hex[:8]}")
    for statement in ("UPDATE audit_log SET actor = 'niemand' WHERE entity_id = :id",
                      "DELETE FROM audit_log WHERE entity_id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with owner_db.transaction(TENANT) as session:
                await session.execute(text(statement), {"id": plan["id"]})
    assert [e["actor"] for e in api.get("/audit", entity="plan", entity_id=plan["id"]).json()] == ["coordinator"]
