"""Ranking proposals (fixed, with their inputs and results), decisions with a line per application, the
letters in object storage, appeals, in-portal notices; the applicant's e-mail on the application (to notify
the decision). Row-Level Security on every table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.isolation import tenant_isolation

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("ranking_proposals", "decisions", "decision_lines", "letters", "appeals", "notices")


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    # Where the decision's e-mail goes: the drafting person's address from the token (Principal.email).
    op.execute("ALTER TABLE applications ADD COLUMN IF NOT EXISTS applicant_email varchar(320) NOT NULL DEFAULT ''")
    op.create_table(
        "ranking_proposals",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("call_id", UUID(as_uuid=True), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("inputs", JSONB, nullable=False),
        sa.Column("results", JSONB, nullable=False),
        sa.Column("budget_cents", sa.BigInteger, nullable=False),
        sa.Column("awarded_cents", sa.BigInteger, nullable=False),
        sa.Column("fixed_by", sa.String(200), nullable=False),
        sa.Column("fixed_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
    )
    op.create_index("ix_ranking_proposals_call", "ranking_proposals", ["tenant", "call_id", "fixed_at"])
    op.create_table(
        "decisions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("call_id", UUID(as_uuid=True), sa.ForeignKey("calls.id"), nullable=False, unique=True),
        sa.Column("proposal_id", UUID(as_uuid=True), sa.ForeignKey("ranking_proposals.id"), nullable=False),
        sa.Column("reference", sa.String(120), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.UniqueConstraint("tenant", "reference", name="uq_decisions_reference"),
    )
    op.create_table(
        "decision_lines",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("decision_id", UUID(as_uuid=True), sa.ForeignKey("decisions.id"), nullable=False, index=True),
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("applications.id"), nullable=False,
                  unique=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("rank", sa.Integer),
        sa.Column("total", sa.Numeric(6, 2)),
        sa.Column("reasons", JSONB, nullable=False, server_default="[]"),
    )
    op.create_table(
        "letters",
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("applications.id"), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("decision_id", UUID(as_uuid=True), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("object_key", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
    )
    op.create_table(
        "appeals",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("applications.id"), nullable=False,
                  index=True),
        sa.Column("decision_id", UUID(as_uuid=True), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("grounds", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("lodged_by", sa.String(200), nullable=False),
        sa.Column("lodged_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.Column("outcome_reasons", sa.Text, nullable=False, server_default=""),
        sa.Column("handled_by", sa.String(200)),
        sa.Column("handled_at", ts),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "notices",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("recipient_kind", sa.String(20), nullable=False),  # user | organisation
        sa.Column("recipient", sa.String(200), nullable=False),  # username | enterprise number
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(500), nullable=False, server_default=""),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.Column("read_at", ts),
        sa.UniqueConstraint("tenant", "recipient_kind", "recipient", "dedupe_key", name="uq_notices_dedupe"),
    )
    op.create_index("ix_notices_recipient", "notices", ["tenant", "recipient_kind", "recipient", "created_at"])
    for table in TABLES:
        for statement in tenant_isolation(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    op.execute("ALTER TABLE applications DROP COLUMN IF EXISTS applicant_email")
