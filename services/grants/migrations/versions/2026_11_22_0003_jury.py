"""Jury: members, assignments, conflicts, reviews and scores, consensus; Row-Level Security on every table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.isolation import tenant_isolation

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("jury_members", "assignments", "conflict_declarations", "reviews", "review_scores", "consensus")


def _id() -> sa.Column:
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def _tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(40), nullable=False)


def _ref(name: str, table: str, **kwargs: Any) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False,
                     **kwargs)


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "jury_members", _id(), _tenant(), _ref("call_id", "calls", index=True),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("enterprise_number", sa.String(10)),
        sa.Column("is_chair", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("call_id", "username", name="uq_jury_members_call_username"),
    )
    # At most one chair per call.
    op.create_index("uq_jury_members_one_chair", "jury_members", ["call_id"], unique=True,
                    postgresql_where=sa.text("is_chair"))
    op.create_table(
        "assignments", _id(), _tenant(), _ref("call_id", "calls", index=True),
        _ref("application_id", "applications"),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.Column("assigned_at", ts, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("application_id", "username", name="uq_assignments_application_username"),
    )
    op.create_index("ix_assignments_username", "assignments", ["tenant", "username"])
    op.create_table(
        "conflict_declarations", _id(), _tenant(), _ref("application_id", "applications"),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("has_conflict", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("declared_at", ts, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("application_id", "username", name="uq_conflict_declarations_application_username"),
    )
    op.create_table(
        "reviews", _id(), _tenant(), _ref("call_id", "calls", index=True), _ref("application_id", "applications"),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("submitted_at", ts),
        sa.Column("weighted_total", sa.Numeric(6, 2)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", ts, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("application_id", "username", name="uq_reviews_application_username"),
        sa.CheckConstraint("status IN ('draft', 'submitted')", name="status"),
        sa.CheckConstraint("(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_at"),
    )
    op.create_table(
        "review_scores", _id(), _tenant(), _ref("review_id", "reviews"), _ref("criterion_id", "criteria"),
        sa.Column("score", sa.Numeric(6, 2), nullable=False),
        sa.Column("justification", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("review_id", "criterion_id", name="uq_review_scores_review_criterion"),
        sa.CheckConstraint("score >= 0", name="score_not_negative"),
    )
    op.create_table(
        "consensus",
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("applications.id", ondelete="CASCADE"),
                  primary_key=True),
        _tenant(), _ref("call_id", "calls", index=True),
        sa.Column("scores", JSONB, nullable=False),
        sa.Column("weighted_total", sa.Numeric(6, 2), nullable=False),
        sa.Column("minutes", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", ts, nullable=False, server_default=sa.func.now()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    for table in TABLES:
        for statement in tenant_isolation(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
