"""Tenant isolation in PostgreSQL, in one place: the database roles a service works with and the DDL every
tenant-owned table gets (Row-Level Security on `app.tenant`, forced for the owner too, and the request role's
grants). Migrations call `tenant_isolation(table)`; shared.db sets `app.tenant` in every transaction."""

from __future__ import annotations

from typing import Any

from shared.settings import DatabaseSettings


def app_role() -> str:
    """The request role: no BYPASSRLS, never the tables' owner."""
    return DatabaseSettings().app_role


def relay_role() -> str:
    """The outbox relay's role: BYPASSRLS, granted the outbox only."""
    return DatabaseSettings().relay_role


def tenant_isolation(table: str, privileges: str = "SELECT, INSERT, UPDATE, DELETE") -> list[str]:
    """Row-Level Security for a table with a `tenant` column: rows are visible and writable only under
    the transaction's `app.tenant`; FORCE makes the policy bind the owner too. An unset `app.tenant` is
    NULL, which matches no row."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant = current_setting('app.tenant', true)) "
        f"WITH CHECK (tenant = current_setting('app.tenant', true))",
        f"GRANT {privileges} ON {table} TO {app_role()}",
    ]


FOREIGN_KEYS_SQL = """
    SELECT con.conname AS name, cl.relname AS child, pl.relname AS parent,
           array_agg(ca.attname::text ORDER BY k.ord) AS child_columns,
           array_agg(pa.attname::text ORDER BY k.ord) AS parent_columns,
           con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
    FROM pg_constraint con
    JOIN pg_class cl ON cl.oid = con.conrelid
    JOIN pg_class pl ON pl.oid = con.confrelid
    JOIN pg_namespace n ON n.oid = cl.relnamespace
    CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(child_att, parent_att, ord)
    JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.child_att
    JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.parent_att
    WHERE con.contype = 'f' AND n.nspname = 'public'
      AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = con.conrelid AND t.attname = 'tenant'
                  AND NOT t.attisdropped)
      AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = con.confrelid AND t.attname = 'tenant'
                  AND NOT t.attisdropped)
    GROUP BY con.conname, cl.relname, pl.relname, con.confdeltype, con.confupdtype
    ORDER BY cl.relname, con.conname"""
"""Every foreign key between two tables that both have a tenant, with its columns and actions."""

ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def tenant_foreign_keys(rows: list[dict[str, Any]]) -> list[str]:
    """The DDL that makes each foreign key in `rows` (FOREIGN_KEYS_SQL's) carry the tenant on both sides: a
    row can then never point at another province's row, whatever a query does. The parent gets a unique index
    on (tenant, its columns) to be referenced by."""
    statements: list[str] = []
    indexed: set[tuple[str, ...]] = set()
    for key in rows:
        if "tenant" in key["child_columns"]:
            continue
        parent, parent_columns = key["parent"], ["tenant", *key["parent_columns"]]
        index = f"uq_{parent}_tenant_{'_'.join(key['parent_columns'])}"[:63]
        if (parent, *parent_columns) not in indexed:
            indexed.add((parent, *parent_columns))
            statements.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {parent} ({', '.join(parent_columns)})")
        on_delete = ACTIONS[key["on_delete"]]
        if on_delete == "SET NULL":  # only the key's own columns: the tenant stays
            on_delete = f"SET NULL ({', '.join(key['child_columns'])})"
        statements += [
            f"ALTER TABLE {key['child']} DROP CONSTRAINT {key['name']}",
            f"ALTER TABLE {key['child']} ADD CONSTRAINT {key['name']} FOREIGN KEY "
            f"(tenant, {', '.join(key['child_columns'])}) REFERENCES {parent} ({', '.join(parent_columns)}) "
            f"ON DELETE {on_delete} ON UPDATE {ACTIONS[key['on_update']]}",
        ]
    return statements


def foreign_keys_carry_the_tenant() -> None:
    """For a migration: every foreign key of this database between two tables with a tenant made to carry it
    (tenant_foreign_keys), read from the catalog, so no such key is forgotten. PostgreSQL checks the existing
    rows under Row-Level Security, which FORCE applies to the owner too (with no tenant set it would see no row,
    and check nothing or refuse everything): the tables involved drop FORCE for this transaction only and get
    it back before it commits."""
    from alembic import op
    from sqlalchemy import text

    bind = op.get_bind()
    keys = [dict(row) for row in bind.execute(text(FOREIGN_KEYS_SQL)).mappings()]
    statements = tenant_foreign_keys(keys)
    if not statements:
        return
    tables = sorted({key["child"] for key in keys} | {key["parent"] for key in keys})
    forced = [name for name in tables if bind.execute(text(
        "SELECT relforcerowsecurity FROM pg_class WHERE relname = :name AND relkind IN ('r', 'p')"),
        {"name": name}).scalar()]
    for name in forced:
        op.execute(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY")
    for statement in statements:
        op.execute(statement)
    for name in forced:
        op.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
