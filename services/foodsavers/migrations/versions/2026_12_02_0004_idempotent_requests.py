"""Keyed retries (`shared/idempotency.py`) for foodsavers: the key, the hash of the request it came with and its
first answer, per tenant and person, for creating a round series or a one-off round (and any other creating call
of foodsavers that takes an Idempotency-Key). Row-Level Security as everywhere.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op

from shared import idempotency

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    idempotency.create_table()


def downgrade() -> None:
    op.drop_table("idempotent_requests")
