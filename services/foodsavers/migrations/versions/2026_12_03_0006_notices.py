"""The list of notices (shared.notices): every service keeps the notices of all of them, fed by their events,
so that its portal's header counts a person's unread ones. Row-Level Security as everywhere.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from alembic import op

from shared.notices.tables import create_notice_tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_notice_tables()


def downgrade() -> None:
    op.drop_table("notices")
