"""The e-mail outbox: one row per message grants sends (a decision with its letter, a report reminder),
written in the transaction that decides to send it; a background sender in every replica delivers due rows,
retries with back-off and dead-letters what stays undeliverable. Row-Level Security per tenant.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.isolation import tenant_isolation

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "mail_outbox",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("purpose", sa.String(60), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False, server_default=""),
        sa.Column("recipients", JSONB, nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("attachments", JSONB, nullable=False, server_default="[]"),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.Column("sent_at", ts),
        sa.Column("dead_at", ts),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    )
    # The sender's question: unsent, not dead, due.
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["tenant", "next_attempt_at"],
                    postgresql_where=sa.text("sent_at IS NULL AND dead_at IS NULL"))
    # The province admin's question: what could not be delivered, newest first.
    op.create_index("ix_mail_outbox_dead", "mail_outbox", ["tenant", "dead_at"],
                    postgresql_where=sa.text("dead_at IS NOT NULL"))
    for statement in tenant_isolation("mail_outbox"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("mail_outbox")
