"""Organisations, with the outbox and inbox every service has; Row-Level Security on all three.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from shared.events.tables import create_event_tables
from shared.isolation import tenant_isolation

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables()
    op.create_table(
        "organisations",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("enterprise_number", sa.String(10), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("municipality", sa.String(120), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("tenant", "enterprise_number", name="uq_organisations_tenant_number"),
    )
    for statement in tenant_isolation("organisations"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("organisations")
    op.drop_table("inbox")
    op.drop_table("outbox")
