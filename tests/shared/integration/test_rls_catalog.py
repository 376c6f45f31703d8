"""Row-Level Security, read from PostgreSQL's catalog for every table of every service's database after all
its migrations, so that a new table without it fails here: each table with a `tenant` column has RLS enabled
and forced and a policy on `app.tenant`; the few tables without a tenant are named below, each with its reason;
the role the requests use is neither superuser, BYPASSRLS, nor the owner of anything, and no policy lets a
row through without the tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from devstack.config import StackConfig
from shared.db import Database

SERVICES = ("grants", "partners", "foodsavers")
WITHOUT_TENANT = {
    "alembic_version": "the schema's revision, the migrations' own",
}
"""Tables that hold no province's data."""
PUBLIC_READS = {
    ("partners", "catalogue_index"): "each province's public catalogue, which anyone reads without login; a read "
                                     "policy naming the tenant would keep the full-text index unused",
}
"""Tables whose rows any province may read (a SELECT policy without the tenant); their writes still name it."""


@pytest.fixture(params=SERVICES)
async def catalog(request, stack_config: StackConfig, grants_db: Database, partners_db: Database,
                  foodsavers_db: Database) -> tuple[str, list[dict]]:
    """Every table of the service's database: name, whether it has a tenant column, RLS, forced RLS, owner,
    and its policies' expressions."""
    del grants_db, partners_db, foodsavers_db  # migrated to the head revision
    owner = Database.from_url(stack_config.database_url(request.param, "regie_owner"), 1)
    try:
        async with owner.transaction(None) as session:
            rows = (await session.execute(text("""
                SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
                       pg_get_userbyid(c.relowner) AS owner,
                       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant'
                               AND NOT a.attisdropped) AS has_tenant,
                       COALESCE((SELECT array_agg(p.polcmd::text || ' | '
                                                  || coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' | '
                                                  || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''))
                                 FROM pg_policy p WHERE p.polrelid = c.oid), '{}') AS policies
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                ORDER BY c.relname"""))).mappings().all()
    finally:
        await owner.dispose()
    return request.param, [dict(row) for row in rows]


async def test_every_table_with_a_tenant_has_forced_row_level_security_on_it(catalog: tuple[str, list[dict]]) -> None:
    service, tables = catalog
    assert len(tables) > 5
    for table in tables:
        if table["name"] in WITHOUT_TENANT:
            assert not table["has_tenant"], table["name"]
            continue
        assert table["has_tenant"], f"{table['name']} has no tenant column and no reason in WITHOUT_TENANT"
        assert table["rls"] and table["forced"], f"{table['name']}: Row-Level Security not enabled and forced"
        assert table["policies"], f"{table['name']}: no policy"
        for policy in table["policies"]:
            # Every policy reads the transaction's tenant (USING and WITH CHECK alike): none lets a row through
            # without it (e.g. USING (true)), but a read of a table named in PUBLIC_READS.
            command, using, check = policy.split(" | ")
            if command == "r" and (service, table["name"]) in PUBLIC_READS:
                continue
            assert (using or check) and all("app.tenant" in part for part in (using, check) if part), \
                (service, table["name"], policy)
    owners = {table["owner"] for table in tables}
    assert "regie_app" not in owners and "regie_relay" not in owners, owners


@pytest.mark.parametrize("role", ["regie_app", "regie_relay"])
async def test_the_runtime_roles_are_neither_superuser_nor_bypassrls_nor_owner(
        partners_db: Database, role: str, stack_config: StackConfig) -> None:
    owner = Database.from_url(stack_config.database_url("partners", "regie_owner"), 1)
    try:
        async with owner.transaction(None) as session:
            found = (await session.execute(text(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :r"),
                {"r": role})).mappings().one()
            owned = (await session.execute(text(
                "SELECT count(*) FROM pg_class c WHERE pg_get_userbyid(c.relowner) = :r"), {"r": role})).scalar_one()
            reachable = set((await session.execute(text("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                  AND has_table_privilege(:r, c.oid, 'SELECT,INSERT,UPDATE,DELETE')"""), {"r": role})).scalars())
    finally:
        await owner.dispose()
    assert not found["rolsuper"] and not found["rolcreaterole"] and not found["rolcreatedb"], found
    assert owned == 0
    if role == "regie_app":
        assert not found["rolbypassrls"]
    else:  # the relay passes Row-Level Security, so it may touch the outbox and nothing else
        assert reachable == {"outbox"}, reachable


@pytest.mark.parametrize("service", SERVICES)
async def test_every_foreign_key_between_province_tables_carries_the_tenant(
        service: str, stack_config: StackConfig, grants_db: Database, partners_db: Database,
        foodsavers_db: Database) -> None:
    """Read from the catalog after all migrations: a row can never point at another province's row."""
    from shared.isolation import FOREIGN_KEYS_SQL

    del grants_db, partners_db, foodsavers_db  # migrated to the head revision
    owner = Database.from_url(stack_config.database_url(service, "regie_owner"), 1)
    try:
        async with owner.transaction(None) as session:
            keys = [dict(row) for row in (await session.execute(text(FOREIGN_KEYS_SQL))).mappings()]
    finally:
        await owner.dispose()
    assert keys, f"{service} has no foreign keys between province tables?"
    for key in keys:
        assert key["child_columns"][0] == "tenant" and key["parent_columns"][0] == "tenant", key
