"""Personal data requests: the request role no longer updates the audit log itself; it calls the function
that replaces a person by their pseudonym there, and nothing else (shared.privacy.migration).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

from shared.privacy.migration import audit_function_ddl, audit_function_ddl_undone

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in audit_function_ddl():
        op.execute(statement)


def downgrade() -> None:
    for statement in audit_function_ddl_undone():
        op.execute(statement)
