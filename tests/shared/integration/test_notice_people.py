"""Who a notice's e-mail reaches (`shared.notices.repository.PersonRepository.addressed`, one statement on the
transaction's own connection) on the real PostgreSQL: the people named, the members of an organisation, the
holders of a role, and those whose address is one of the notice's contacts (in any case), of the province alone,
by username; an empty list matches no one. The people are recorded as grants records them from a page view
(`remember`, `choose`). In a schema of the test's own in grants' database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from devstack.config import StackConfig
from devstack.stack import Stack
from shared.db import Database
from shared.notices.repository import PersonRepository
from tests.shared.integration.pipeline_world import schema_of_its_own

SCHEMA = "notice_people_test"
TENANT = "limburg"
PEOPLE = [  # username, e-mail, roles, organisation
    ("an", "An.Peeters@example.be", ["applicant"], "0123456789"),
    ("bert", "bert@example.be", ["applicant"], "0123456789"),
    ("carla", "carla@example.be", ["call_manager", "juror"], ""),
    ("dirk", "", ["juror"], "0987654321"),
]


@pytest.fixture
async def db(infra: Stack, stack_config: StackConfig) -> AsyncIterator[Database]:
    async with schema_of_its_own(stack_config, "grants", SCHEMA,
                                 "create table notice_people (like public.notice_people including defaults)",
                                 "alter table notice_people add constraint pk_notice_people "
                                 "primary key (tenant, username)") as engine:
        database = Database(engine)
        async with database.transaction(TENANT) as session:
            people = PersonRepository(session, TENANT)
            for username, email, roles, organisation in PEOPLE:
                await people.remember(username, email=email, language="fr", roles=roles,
                                      enterprise_number=organisation)
            await people.choose("bert", ["application.submitted"], email="bert@example.be", language="nl")
        async with database.transaction("antwerpen") as session:  # the same name and organisation elsewhere
            await PersonRepository(session, "antwerpen").remember(
                "an", email="an@antwerpen.example.be", language="nl", roles=["juror"], enterprise_number="0123456789")
        yield database


async def addressed(db: Database, users: Sequence[str] = (), organisations: Sequence[str] = (),
                    roles: Sequence[str] = (), addresses: Sequence[str] = ()) -> list[tuple[str, str, str, bool]]:
    async with db.transaction(TENANT) as session:
        people = await PersonRepository(session, TENANT).addressed(users, organisations, roles, addresses)
    return [(p.username, p.email, p.language, p.wants_email("decision.taken")) for p in people]


async def test_nobody_is_addressed_by_empty_lists(db: Database) -> None:
    assert await addressed(db) == []
    assert await addressed(db, ["nobody"], ["0000000000"], ["admin"], ["nobody@example.be"]) == []


async def test_people_are_reached_by_name_organisation_role_and_contact_address_of_their_province(
        db: Database) -> None:
    assert [p[0] for p in await addressed(db, users=["carla", "an"])] == ["an", "carla"]
    assert await addressed(db, organisations=["0123456789"]) == [
        ("an", "An.Peeters@example.be", "fr", True),
        ("bert", "bert@example.be", "fr", False)]  # bert chose another kind only
    assert [p[0] for p in await addressed(db, roles=["juror"])] == ["carla", "dirk"]
    assert [p[0] for p in await addressed(db, roles=["admin", "call_manager"])] == ["carla"]
    assert [p[0] for p in await addressed(db, addresses=["an.peeters@EXAMPLE.be"])] == ["an"]
    assert [p[0] for p in await addressed(db, ["dirk"], ["0123456789"], ["call_manager"], ["bert@example.be"])] == [
        "an", "bert", "carla", "dirk"]  # each once
    assert ("dirk", "", "fr", False) in await addressed(db, users=["dirk"])  # no address: no e-mail
