"""The call in full (budget, dates, criteria, rules), applications with co-applicants and attachments,
screening, and the append-only audit log; Row-Level Security on every table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.isolation import app_role, tenant_isolation

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    for column in (
        sa.Column("legal_basis", sa.Text, nullable=False, server_default=""),
        sa.Column("aim", sa.Text, nullable=False, server_default=""),
        sa.Column("total_budget_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("max_per_project_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cofinancing_rate_bp", sa.Integer, nullable=False, server_default="10000"),
        sa.Column("opens_at", ts),
        sa.Column("closes_at", ts),
        sa.Column("appeal_days", sa.Integer, nullable=False, server_default="30"),
        sa.Column("partial_funding", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("partial_funding_min_bp", sa.Integer, nullable=False, server_default="5000"),
        sa.Column("spread_limit", sa.Numeric(6, 2), nullable=False, server_default="15"),
        sa.Column("jurors_per_application", sa.Integer, nullable=False, server_default="3"),
        sa.Column("tie_break", JSONB, nullable=False, server_default="[]"),
        sa.Column("eligibility", JSONB, nullable=False, server_default="{}"),
        sa.Column("required_attachments", JSONB, nullable=False, server_default="[]"),
        sa.Column("published_at", ts),
        sa.Column("closed_at", ts),
        sa.Column("decided_at", ts),
        sa.Column("archived_at", ts),
    ):
        op.add_column("calls", column)
    op.create_index("ix_calls_status_closes_at", "calls", ["status", "closes_at"])

    op.create_table(
        "criteria",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("call_id", UUID(as_uuid=True), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("weight", sa.Numeric(6, 2), nullable=False),
        sa.Column("max_score", sa.Integer, nullable=False),
        sa.Column("min_threshold", sa.Numeric(6, 2)),
        sa.UniqueConstraint("call_id", "position", name="uq_criteria_call_position"),
    )
    op.create_table(
        "applications",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("call_id", UUID(as_uuid=True), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("applicant_sub", sa.String(100), nullable=False),
        sa.Column("applicant_username", sa.String(200), nullable=False),
        sa.Column("applicant_enterprise_number", sa.String(10), nullable=False),
        sa.Column("applicant_name", sa.String(300), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("requested_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total_cost_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("duration_months", sa.Integer, nullable=False, server_default="12"),
        sa.Column("budget_lines", JSONB, nullable=False, server_default="[]"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("submitted_at", ts),
        sa.Column("snapshot", JSONB),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("withdrawn_at", ts),
        sa.Column("withdrawal_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("submit_idempotency_key", sa.String(200)),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_applications_call_status", "applications", ["call_id", "status"])
    op.create_index("ix_applications_applicant", "applications", ["tenant", "applicant_enterprise_number"])
    op.create_table(
        "co_applicants",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("applications.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("enterprise_number", sa.String(10), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("role", sa.String(60), nullable=False),
        sa.Column("confirmed_at", ts),
        sa.Column("confirmed_by", sa.String(200)),
        sa.Column("created_at", ts, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("application_id", "enterprise_number", name="uq_co_applicants_number"),
    )
    op.create_index("ix_co_applicants_number", "co_applicants", ["tenant", "enterprise_number"])
    op.create_table(
        "attachments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("applications.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(500), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", ts, nullable=False, server_default=sa.func.now()),
        sa.Column("idempotency_key", sa.String(200)),
        sa.UniqueConstraint("application_id", "idempotency_key", name="uq_attachments_idempotency_key"),
    )
    op.create_table(
        "screenings",
        sa.Column("application_id", UUID(as_uuid=True), sa.ForeignKey("applications.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("checks", JSONB, nullable=False, server_default="[]"),
        sa.Column("automatic_passed", sa.Boolean, nullable=False),
        sa.Column("result", sa.String(20)),
        sa.Column("reasons", sa.Text, nullable=False, server_default=""),
        sa.Column("screened_by", sa.String(200)),
        sa.Column("screened_at", ts),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", ts, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_applications_call_submitted", "applications", ["call_id"],
                    postgresql_where=sa.text("submitted_at IS NOT NULL"))
    op.create_table(
        "audit_log",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("at", ts, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(80), nullable=False),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
        sa.Column("reasons", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["tenant", "entity", "entity_id", "at"])
    for table in ("criteria", "applications", "co_applicants", "attachments", "screenings"):
        for statement in tenant_isolation(table):
            op.execute(statement)
    for statement in tenant_isolation("audit_log", privileges="SELECT, INSERT"):
        op.execute(statement)
    # Append-only, for everyone: the grant above keeps the request role from changing history, the trigger
    # keeps the owner (migrations, operators) from doing so by accident.
    op.execute("""
        CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
        END $$""")
    op.execute("""CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
                  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only()""")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {app_role()}")


def downgrade() -> None:
    raise NotImplementedError("the audit trail is never dropped by a migration")
