"""The outbox holds only the events not yet published: the relay deletes a row once JetStream has acked it,
instead of marking it sent and keeping it (shared.events.outbox). The rows already sent are deleted here.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

from shared.events.outbox import outbox_deleted_when_sent_ddl, outbox_deleted_when_sent_undone

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in outbox_deleted_when_sent_ddl():
        op.execute(statement)


def downgrade() -> None:
    for statement in outbox_deleted_when_sent_undone():
        op.execute(statement)
