"""The audit trail takes the name and shape every service's has (shared/audit.py): audit_trail → audit_log,
with its index, append-only trigger and function renamed alike. Its rows, grants and policy stay.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE audit_trail RENAME TO audit_log")
    op.execute("ALTER INDEX ix_audit_trail_entity RENAME TO ix_audit_log_entity")
    op.execute("ALTER TRIGGER audit_trail_append_only ON audit_log RENAME TO audit_log_append_only")
    op.execute("""
        CREATE OR REPLACE FUNCTION audit_trail_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
        END $$""")
    op.execute("ALTER FUNCTION audit_trail_is_append_only() RENAME TO audit_log_is_append_only")


def downgrade() -> None:
    op.execute("ALTER FUNCTION audit_log_is_append_only() RENAME TO audit_trail_is_append_only")
    op.execute("ALTER TRIGGER audit_log_append_only ON audit_log RENAME TO audit_trail_append_only")
    op.execute("ALTER INDEX ix_audit_log_entity RENAME TO ix_audit_trail_entity")
    op.execute("ALTER TABLE audit_log RENAME TO audit_trail")
