"""The outbox tells the relay of each commit that staged events (a NOTIFY on the `outbox` channel from a
trigger), so that the relay publishes at once instead of at its next poll (shared.events.outbox).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from alembic import op

from shared.events.outbox import outbox_notify_ddl, outbox_notify_undone

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in outbox_notify_ddl():
        op.execute(statement)


def downgrade() -> None:
    for statement in outbox_notify_undone():
        op.execute(statement)
