"""Keyed retries (`shared/idempotency.py`): the key, the hash of the request it came with and its first answer,
per tenant and person, for creating a plan and entering a realisation. Row-Level Security as everywhere.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from alembic import op

from shared import idempotency

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    idempotency.create_table()


def downgrade() -> None:
    op.drop_table("idempotent_requests")
