"""The catalogue's search index under Row-Level Security, enabled and forced like every table with a tenant: a
write (by the triggers on `organisations` and `offerings`, as the writer) only for the transaction's province;
a read of any province, because the index holds nothing but what each province's public catalogue shows to
anyone, and because a read policy that names the tenant would keep PostgreSQL from using the full-text index
(catalogue/models.py says why). Every query on it still names its tenant.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE catalogue_index ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE catalogue_index FORCE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY public_entries ON catalogue_index FOR SELECT USING (true)")
    for command in ("INSERT", "UPDATE", "DELETE"):
        check = "WITH CHECK" if command == "INSERT" else "USING"
        extra = " WITH CHECK (tenant = current_setting('app.tenant', true))" if command == "UPDATE" else ""
        op.execute(f"CREATE POLICY tenant_{command.lower()} ON catalogue_index FOR {command} "
                   f"{check} (tenant = current_setting('app.tenant', true)){extra}")


def downgrade() -> None:
    for name in ("public_entries", "tenant_insert", "tenant_update", "tenant_delete"):
        op.execute(f"DROP POLICY {name} ON catalogue_index")
    op.execute("ALTER TABLE catalogue_index NO FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE catalogue_index DISABLE ROW LEVEL SECURITY")
