"""Row-Level Security on the request role: a session of one province never sees or touches another's
rows, even through statements that forget the tenant filter."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from services.partners.organisations.models import Organisation
from shared.db import Database
from shared.ids import uuid7
from shared.reads import TenantReads
from tests.support import random_enterprise_number


async def add_organisation(db: Database, tenant: str, name: str) -> Organisation:
    async with db.transaction(tenant) as session:
        organisation = Organisation(id=uuid7(), tenant=tenant, enterprise_number=random_enterprise_number(),
                                    name=name, kind="maatwerkbedrijf", municipality="Gent")
        session.add(organisation)
    return organisation


@pytest.fixture
async def two_provinces(partners_db: Database) -> tuple[Organisation, Organisation]:
    ours = await add_organisation(partners_db, "antwerpen", "Ons bedrijf")
    theirs = await add_organisation(partners_db, "limburg", "Hun bedrijf")
    return ours, theirs


async def test_a_query_without_tenant_filter_sees_only_its_own_province(
        partners_db: Database, two_provinces: tuple[Organisation, Organisation]) -> None:
    ours, theirs = two_provinces
    async with partners_db.transaction("antwerpen") as session:
        tenants = set((await session.scalars(select(Organisation.tenant))).all())
        ids = set((await session.scalars(select(Organisation.id))).all())
        by_raw_sql = (await session.execute(text("select count(*) from organisations where id = :id"),
                                            {"id": theirs.id})).scalar_one()
    assert tenants == {"antwerpen"}
    assert ours.id in ids and theirs.id not in ids
    assert by_raw_sql == 0


async def test_updates_and_deletes_without_filter_leave_the_other_province_untouched(
        partners_db: Database, two_provinces: tuple[Organisation, Organisation]) -> None:
    ours, theirs = two_provinces
    async with partners_db.transaction("antwerpen") as session:
        await session.execute(update(Organisation).values(name="overschreven"))
        await session.execute(text("update organisations set municipality = 'Antwerpen'"))
    async with partners_db.transaction("antwerpen") as session:
        await session.execute(delete(Organisation).where(Organisation.id.in_([ours.id, theirs.id])))
    async with partners_db.transaction("limburg") as session:
        survivor = await session.get(Organisation, theirs.id)
        gone = await session.get(Organisation, ours.id)
    assert survivor is not None and survivor.name == "Hun bedrijf" and survivor.municipality == "Gent"
    assert gone is None  # (and also invisible to limburg in the first place)


async def test_a_row_for_another_province_cannot_be_written(partners_db: Database) -> None:
    with pytest.raises(DBAPIError, match="row-level security"):
        async with partners_db.transaction("antwerpen") as session:
            session.add(Organisation(id=uuid7(), tenant="limburg", enterprise_number=random_enterprise_number(),
                                     name="Indringer", kind="cooperative", municipality="Hasselt"))
    with pytest.raises(DBAPIError, match="row-level security"):
        async with partners_db.transaction("antwerpen") as session:
            await session.execute(text("update organisations set tenant = 'limburg'"))


async def test_a_session_without_tenant_sees_nothing(
        partners_db: Database, two_provinces: tuple[Organisation, Organisation]) -> None:
    async with partners_db.transaction(None) as session:
        assert (await session.scalar(select(func.count()).select_from(Organisation))) == 0
        assert (await session.execute(text("select count(*) from organisations"))).scalar_one() == 0
    # …and a tenant set in one transaction does not outlive it on the pooled connection.
    async with partners_db.session(None) as session:
        async with session.begin():
            await session.execute(text("select set_config('app.tenant', 'antwerpen', true)"))
        async with session.begin():
            assert (await session.execute(text("select count(*) from organisations"))).scalar_one() == 0


async def test_the_request_role_reads_the_outbox_of_its_own_province_only(partners_db: Database) -> None:
    """It may read the events not yet published (an erasure counts them), under Row-Level Security: another
    province's rows stay invisible, and it may neither change nor delete one (the relay deletes what it
    published)."""
    async with partners_db.transaction("antwerpen") as session:
        tenants = set((await session.execute(text("select distinct tenant from outbox"))).scalars())
    assert tenants <= {"antwerpen"}
    with pytest.raises(DBAPIError, match="permission denied"):
        async with partners_db.transaction("antwerpen") as session:
            await session.execute(text("update outbox set attempts = 0"))
    with pytest.raises(DBAPIError, match="permission denied"):
        async with partners_db.transaction("antwerpen") as session:
            await session.execute(text("delete from outbox"))


async def test_the_request_role_cannot_switch_off_row_level_security(partners_db: Database) -> None:
    async with partners_db.transaction("antwerpen") as session:
        row = (await session.execute(text(
            "select rolbypassrls, rolsuper from pg_roles where rolname = current_user"))).one()
        forced = (await session.execute(text(
            "select relforcerowsecurity from pg_class where relname = 'organisations'"))).scalar_one()
    assert tuple(row) == (False, False)
    assert forced is True
    with pytest.raises(DBAPIError):
        async with partners_db.transaction("antwerpen") as session:
            await session.execute(text("alter table organisations disable row level security"))


async def test_the_hot_reads_pools_see_only_their_province(
        partners_db: Database, two_provinces: tuple[Organisation, Organisation]) -> None:
    ours, theirs = two_provinces
    reads = TenantReads(partners_db.engine.url.render_as_string(hide_password=False), per_tenant=1)
    try:
        found = await reads.one("antwerpen", "SELECT o.name, o.tenant FROM organisations o WHERE o.id = $1", ours.id)
        assert found is not None and (found.name, found.tenant) == ("Ons bedrijf", "antwerpen")
        assert await reads.one("antwerpen", "SELECT o.* FROM organisations o WHERE o.id = $1", theirs.id) is None
        everyone = await reads.all("antwerpen", "SELECT DISTINCT tenant FROM organisations")
        assert [row.tenant for row in everyone] == ["antwerpen"]
        # The same single connection serves reads again and again, still in its province.
        for _ in range(3):
            assert await reads.one("limburg", "SELECT 1 AS one FROM organisations WHERE id = $1", ours.id) is None
        # A statement that would change the connection's province (or anything else about it) is refused.
        for query in ("SELECT set_config('app.tenant', 'limburg', false)", "SET app.tenant = 'limburg'",
                      "UPDATE organisations SET name = 'x'", "select pg_advisory_lock(1)",
                      "WITH gone AS (DELETE FROM organisations RETURNING id) SELECT count(*) FROM gone",
                      "SELECT * FROM organisations FOR UPDATE"):
            with pytest.raises(ValueError, match="not a plain read"):
                await reads.one("antwerpen", query)
        with pytest.raises(ValueError, match="unknown tenant"):
            await reads.one("atlantis", "SELECT 1")
    finally:
        await reads.close()
