"""Personal data requests: the request role may read and delete its province's published events in the
outbox, and pseudonymise the audit log inside an erasure (shared.privacy.migration).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from alembic import op

from shared.privacy.migration import erasure_ddl, erasure_ddl_undone

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in erasure_ddl(audit_trigger=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in erasure_ddl_undone(audit_trigger=True):
        op.execute(statement)
