"""After award: the call's rule for payment plans, a payment plan per awarded application with its tranches,
the project's indicators, progress and final reports, and the reminders sent (one per report and kind).
Row-Level Security on every table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.isolation import tenant_isolation

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("award_rules", "award_plans", "tranches", "award_indicators", "award_reports", "report_reminders")


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "award_rules",
        sa.Column("call_id", UUID(as_uuid=True), sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("advance_bp", sa.Integer, nullable=False),
        sa.Column("interim_bp", sa.Integer, nullable=False),
        sa.Column("progress_at_bp", sa.Integer, nullable=False),
        sa.Column("final_months_after_end", sa.Integer, nullable=False),
        sa.Column("reminder_days_before", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("advance_bp >= 0 AND interim_bp >= 0 AND advance_bp + interim_bp <= 10000",
                           name="ck_award_rules_shares"),
    )
    op.create_table(
        "award_plans",
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("applications.id"), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("call_id", UUID(as_uuid=True), sa.ForeignKey("calls.id"), nullable=False, index=True),
        sa.Column("awarded_cents", sa.BigInteger, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "tranches",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("award_plans.application_id"),
                  nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("condition", sa.String(40), nullable=False),
        sa.Column("due_on", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("paid_on", sa.Date),
        sa.Column("payment_reference", sa.String(200), nullable=False, server_default=""),
        sa.Column("paid_by", sa.String(200)),
        sa.CheckConstraint("amount_cents > 0", name="ck_tranches_positive"),
        sa.CheckConstraint("status <> 'paid' OR paid_on IS NOT NULL", name="ck_tranches_paid_on"),
    )
    op.create_index("ix_tranches_payable", "tranches", ["tenant", "status"],
                    postgresql_where=sa.text("status = 'payable'"))
    op.create_table(
        "award_indicators",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("award_plans.application_id"),
                  nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("target", sa.Numeric(18, 3), nullable=False),
    )
    op.create_table(
        "award_reports",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("award_plans.application_id"),
                  nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("values", JSONB, nullable=False, server_default="{}"),
        sa.Column("narrative", sa.Text, nullable=False, server_default=""),
        sa.Column("attachment", JSONB),
        sa.Column("submitted_by", sa.String(200)),
        sa.Column("submitted_at", ts),
        sa.Column("reviewed_by", sa.String(200)),
        sa.Column("reviewed_at", ts),
        sa.Column("review_reasons", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("application_id", "kind", name="uq_award_reports_kind"),
    )
    # The reminder worker's question: awaited reports by due date.
    op.create_index("ix_award_reports_awaited", "award_reports", ["tenant", "due_on"],
                    postgresql_where=sa.text("status IN ('due', 'changes-requested')"))
    op.create_table(
        "report_reminders",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("report_id", UUID(as_uuid=True), sa.ForeignKey("award_reports.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("recipients", JSONB, nullable=False, server_default="[]"),
        sa.Column("sent_at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.UniqueConstraint("report_id", "kind", name="uq_report_reminders_once"),
    )
    for table in TABLES:
        for statement in tenant_isolation(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
