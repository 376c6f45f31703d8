"""The partners domain: organisations in full (recognitions, offerings by rubric, staff figures, changes waiting
for approval, and the catalogue's Dutch, accent-folding full-text index), plans with their parties, documents
and results framework, realisations with evidence, the read models of grants' and foodsavers' events, and the
append-only audit log. Row-Level Security on every table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from shared.isolation import app_role, tenant_isolation

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(40), nullable=False)


def uid(name: str = "id", *args: Any, **kwargs: Any) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), *args, **kwargs)


def upgrade() -> None:
    # The catalogue's text search: Dutch stemming with accents folded ("cafe" finds "café"). A configuration
    # named in the generated column is immutable, so PostgreSQL keeps the index up to date by itself.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION regie_dutch (COPY = pg_catalog.dutch)")
    op.execute("ALTER TEXT SEARCH CONFIGURATION regie_dutch ALTER MAPPING FOR hword, hword_part, word, "
               "asciihword, asciiword, hword_asciipart WITH unaccent, dutch_stem")

    for column in (
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("street", sa.String(200), nullable=False, server_default=""),
        sa.Column("postcode", sa.String(4), nullable=False, server_default=""),
        sa.Column("email", sa.String(200), nullable=False, server_default=""),
        sa.Column("phone", sa.String(40), nullable=False, server_default=""),
        sa.Column("website", sa.String(300), nullable=False, server_default=""),
        sa.Column("search_document", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    ):
        op.add_column("organisations", column)
    op.execute("ALTER TABLE organisations ADD COLUMN search_vector tsvector "
               "GENERATED ALWAYS AS (to_tsvector('regie_dutch'::regconfig, search_document)) STORED")
    op.execute("CREATE INDEX ix_organisations_search ON organisations USING gin (search_vector)")
    op.create_index("ix_organisations_municipality", "organisations", ["tenant", "municipality"])
    op.create_index("ix_organisations_name", "organisations", ["tenant", "name"])

    op.create_table(
        "recognitions", uid(primary_key=True), tenant(),
        uid("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("reference", sa.String(120), nullable=False, server_default=""),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="ck_recognitions_period"),
    )
    op.create_index("ix_recognitions_organisation", "recognitions", ["organisation_id"])
    op.create_table(
        "offerings", uid(primary_key=True), tenant(),
        uid("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rubric", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_offerings_organisation", "offerings", ["organisation_id"])
    op.create_index("ix_offerings_rubric", "offerings", ["tenant", "rubric", "organisation_id"])
    op.create_table(
        "staff_figures", uid(primary_key=True), tenant(),
        uid("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("target_group_workers", sa.Integer, nullable=False),
        sa.Column("supervising_staff", sa.Integer, nullable=False),
        sa.Column("fte", sa.Numeric(9, 2), nullable=False),
        sa.UniqueConstraint("organisation_id", "year", name="uq_staff_figures_year"),
    )
    op.create_table(
        "organisation_changes", uid(primary_key=True), tenant(),
        uid("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("before", JSONB, nullable=False),
        sa.Column("after", JSONB, nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", TS),
        sa.Column("reasons", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    # One change waits per organisation at a time: a second one would be approved against a stale "before".
    op.create_index("uq_organisation_changes_pending", "organisation_changes", ["organisation_id"], unique=True,
                    postgresql_where=sa.text("status = 'pending'"))

    op.create_table(
        "plans", uid(primary_key=True), tenant(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("municipalities", ARRAY(sa.String(10)), nullable=False, server_default="{}"),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_plans_period"),
    )
    op.execute("CREATE INDEX ix_plans_municipalities ON plans USING gin (municipalities)")
    op.create_table(
        "plan_parties", uid(primary_key=True), tenant(),
        uid("plan_id", sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        uid("organisation_id", sa.ForeignKey("organisations.id")),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("role", sa.String(120), nullable=False, server_default=""),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_plan_parties_plan", "plan_parties", ["plan_id"])
    op.create_index("ix_plan_parties_organisation", "plan_parties", ["organisation_id"])
    op.create_table(
        "plan_documents", uid(primary_key=True), tenant(),
        uid("plan_id", sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(400), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_plan_documents_plan", "plan_documents", ["plan_id"])
    op.create_table(
        "objectives", uid(primary_key=True), tenant(),
        uid("plan_id", sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        uid("parent_id", sa.ForeignKey("objectives.id", ondelete="CASCADE")),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("remarks", sa.Text, nullable=False, server_default=""),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_objectives_plan", "objectives", ["plan_id", "position"])
    op.create_table(
        "actions", uid(primary_key=True), tenant(),
        uid("plan_id", sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        uid("objective_id", sa.ForeignKey("objectives.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_actions_plan", "actions", ["plan_id", "position"])
    op.create_table(
        "indicators", uid(primary_key=True), tenant(),
        uid("plan_id", sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        uid("action_id", sa.ForeignKey("actions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("baseline", sa.Numeric(16, 3)),
        sa.Column("feed", sa.String(20), nullable=False, server_default="entered"),
        sa.Column("rule", sa.String(60)),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("(feed = 'counted') = (rule IS NOT NULL)", name="ck_indicators_feed_rule"),
    )
    op.create_index("ix_indicators_plan", "indicators", ["plan_id", "position"])
    op.create_table(
        "targets", uid(primary_key=True), tenant(),
        uid("indicator_id", sa.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("value", sa.Numeric(16, 3), nullable=False),
        sa.UniqueConstraint("indicator_id", "year", name="uq_targets_indicator_year"),
    )

    op.create_table(
        "realisations", uid(primary_key=True), tenant(),
        uid("plan_id", sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
        uid("indicator_id", sa.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("value", sa.Numeric(16, 3), nullable=False),
        sa.Column("narrative", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="submitted"),
        uid("organisation_id", sa.ForeignKey("organisations.id")),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", TS),
        sa.Column("reasons", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("indicator_id", "year", name="uq_realisations_indicator_year"),
    )
    op.create_index("ix_realisations_plan", "realisations", ["plan_id", "year"])
    op.create_table(
        "realisation_evidence", uid(primary_key=True), tenant(),
        uid("realisation_id", sa.ForeignKey("realisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(400), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_realisation_evidence_realisation", "realisation_evidence", ["realisation_id"])

    op.create_table(
        "grant_awards", uid("event_id", primary_key=True), tenant(),
        sa.Column("application_id", sa.String(40), nullable=False),
        sa.Column("call_id", sa.String(40), nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("enterprise_numbers", ARRAY(sa.String(10)), nullable=False),
        sa.Column("awarded_at", TS, nullable=False),
    )
    op.execute("CREATE INDEX ix_grant_awards_numbers ON grant_awards USING gin (enterprise_numbers)")
    op.create_index("ix_grant_awards_at", "grant_awards", ["tenant", "awarded_at"])
    op.create_table(
        "grant_payments", uid("event_id", primary_key=True), tenant(),
        sa.Column("application_id", sa.String(40), nullable=False),
        sa.Column("tranche", sa.Integer, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("enterprise_numbers", ARRAY(sa.String(10)), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
    )
    op.create_index("ix_grant_payments_paid_on", "grant_payments", ["tenant", "paid_on"])
    op.create_table(
        "food_deliveries", uid("event_id", primary_key=True), tenant(),
        sa.Column("delivery_id", sa.String(40), nullable=False),
        sa.Column("round_id", sa.String(40), nullable=False),
        sa.Column("recipient_id", sa.String(40), nullable=False),
        sa.Column("recipient_name", sa.String(300), nullable=False),
        sa.Column("recipient_enterprise_number", sa.String(10)),
        sa.Column("municipality", sa.String(10), nullable=False),
        sa.Column("delivered_at", TS, nullable=False),
        sa.Column("grams", sa.BigInteger, nullable=False),
        sa.Column("fresh_grams", sa.BigInteger, nullable=False),
        sa.Column("co2_eq_grams", sa.BigInteger, nullable=False),
        sa.Column("value_cents", sa.BigInteger, nullable=False),
        sa.Column("people_served", sa.Integer, nullable=False),
    )
    op.create_index("ix_food_deliveries_municipality", "food_deliveries", ["tenant", "municipality", "delivered_at"])
    op.create_table(
        "food_rounds", uid("event_id", primary_key=True), tenant(),
        sa.Column("round_id", sa.String(40), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("picked_up_grams", sa.BigInteger, nullable=False),
        sa.Column("delivered_grams", sa.BigInteger, nullable=False),
        sa.Column("deliveries", sa.Integer, nullable=False),
    )

    op.create_table(
        "audit_trail", uid(primary_key=True), tenant(),
        sa.Column("at", TS, nullable=False, server_default=sa.text("clock_timestamp()")),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(80), nullable=False),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
        sa.Column("reasons", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_audit_trail_entity", "audit_trail", ["tenant", "entity", "entity_id", "at"])

    for table in ("recognitions", "offerings", "staff_figures", "organisation_changes", "plans", "plan_parties",
                  "plan_documents", "objectives", "actions", "indicators", "targets", "realisations",
                  "realisation_evidence", "grant_awards", "grant_payments", "food_deliveries", "food_rounds"):
        for statement in tenant_isolation(table):
            op.execute(statement)
    for statement in tenant_isolation("audit_trail", privileges="SELECT, INSERT"):
        op.execute(statement)
    op.execute("""
        CREATE FUNCTION audit_trail_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_trail is append-only: % refused', TG_OP;
        END $$""")
    op.execute("""CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_trail
                  FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_is_append_only()""")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_trail FROM {app_role()}")


def downgrade() -> None:
    for table in ("audit_trail", "food_rounds", "food_deliveries", "grant_payments", "grant_awards",
                  "realisation_evidence", "realisations", "targets", "indicators", "actions", "objectives",
                  "plan_documents", "plan_parties", "plans", "organisation_changes", "staff_figures", "offerings",
                  "recognitions"):
        op.drop_table(table)
    op.execute("DROP FUNCTION audit_trail_is_append_only()")
    for column in ("search_vector", "updated_at", "search_document", "website", "phone", "email", "postcode",
                   "street", "description"):
        op.drop_column("organisations", column)
    op.execute("DROP TEXT SEARCH CONFIGURATION regie_dutch")
