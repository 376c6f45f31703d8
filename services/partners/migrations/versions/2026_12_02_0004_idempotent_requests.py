"""Keyed retries (`shared/idempotency.py`): the key, the hash of the request it came with and its first answer,
per tenant and person, for creating a plan and entering a realisation. Row-Level Security as everywhere.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from shared.isolation import tenant_isolation

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotent_requests",
        sa.Column("tenant", sa.String(40), primary_key=True),
        sa.Column("subject", sa.String(100), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("answer", JSONB),
        sa.Column("headers", JSONB, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.clock_timestamp()),
    )
    for statement in tenant_isolation("idempotent_requests"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("idempotent_requests")
