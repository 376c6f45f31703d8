"""Tenant isolation in PostgreSQL, in one place: the database roles a service works with and the DDL every
tenant-owned table gets (Row-Level Security on `app.tenant`, forced for the owner too, and the request role's
grants). Migrations call `tenant_isolation(table)`; shared.db sets `app.tenant` in every transaction."""

from __future__ import annotations

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
