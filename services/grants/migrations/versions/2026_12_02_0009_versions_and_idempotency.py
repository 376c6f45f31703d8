"""Versions where people agree to something, and retries compared: the jury's composition and its assignments
carry a version per call (`jury_versions`, for If-Match); a keyed request keeps its key, the hash of the request
and its first answer (`idempotent_requests`), so a retry returns that answer and the same key on another request
is refused; a decision records the day its applicants were notified (`decisions.notified_on`), from which the
appeal period runs. Row-Level Security on the new tables.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.isolation import tenant_isolation

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("jury_versions", "idempotent_requests")


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "jury_versions",
        sa.Column("call_id", UUID(as_uuid=True), sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("composition_version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("assignments_version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "idempotent_requests",
        sa.Column("tenant", sa.String(40), primary_key=True),
        sa.Column("subject", sa.String(100), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("answer", JSONB),
        sa.Column("headers", JSONB, nullable=False, server_default="{}"),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
    )
    for table in TABLES:
        for statement in tenant_isolation(table):
            op.execute(statement)
    op.add_column("decisions", sa.Column("notified_on", sa.Date))
    # Every tenant's decisions: the policy binds the owner too (FORCE), so it steps aside for this one update.
    op.execute("ALTER TABLE decisions NO FORCE ROW LEVEL SECURITY")
    op.execute("UPDATE decisions SET notified_on = (created_at AT TIME ZONE 'Europe/Brussels')::date")
    op.execute("ALTER TABLE decisions FORCE ROW LEVEL SECURITY")
    op.alter_column("decisions", "notified_on", nullable=False)


def downgrade() -> None:
    op.drop_column("decisions", "notified_on")
    for table in reversed(TABLES):
        op.drop_table(table)
