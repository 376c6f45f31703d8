"""Calls, the read model of partner organisations, the outbox and inbox; Row-Level Security on all.

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
        "calls",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False, index=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rules_text", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "known_organisations",
        sa.Column("tenant", sa.String(40), primary_key=True),
        sa.Column("enterprise_number", sa.String(10), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("social_economy", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    for table in ("calls", "known_organisations"):
        for statement in tenant_isolation(table):
            op.execute(statement)


def downgrade() -> None:
    for table in ("known_organisations", "calls", "inbox", "outbox"):
        op.drop_table(table)
