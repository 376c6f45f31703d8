"""The foodsavers domain: the registry (donors in full, recipients, vehicles, drivers), the tenant's rules
(food-safety limits per storage, impact methods with their factors as data), planning (recurring round series
and their concrete rounds with ordered stops), the logbook a driver's phone fills (pickups and deliveries with
their lines per category, each with the id the phone made), the food-safety register and the coordinator's
flags, the totals kept as lines arrive, and the impact reports that freeze when published. Row-Level Security
on every table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from shared.isolation import tenant_isolation

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(40), nullable=False)


def uid(name: str = "id", *args: Any, **kwargs: Any) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), *args, **kwargs)


def text(name: str, length: int | None = None) -> sa.Column:
    return sa.Column(name, sa.String(length) if length else sa.Text, nullable=False, server_default="")


def version() -> sa.Column:
    return sa.Column("version", sa.Integer, nullable=False, server_default="1")


def now(name: str) -> sa.Column:
    return sa.Column(name, TS, nullable=False, server_default=sa.func.now())


TABLES = (
    "recipients", "vehicles", "drivers", "safety_limits", "impact_methods", "round_series", "series_stops",
    "rounds", "round_stops", "pickups", "pickup_lines", "deliveries", "delivery_lines", "safety_register",
    "round_flags", "daily_totals", "impact_reports",
)


def upgrade() -> None:
    # --- registry -------------------------------------------------------------------------------------
    for column in (
        text("chain", 120), text("municipality", 5), text("street", 200), text("postcode", 4),
        text("opening_hours"),
        sa.Column("pickup_windows", JSONB, nullable=False, server_default="[]"),
        text("contact_name", 200), text("contact_phone", 40), text("contact_email", 200),
        text("instructions"),
        sa.Column("favv_number", sa.String(40), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        version(), now("updated_at"),
    ):
        op.add_column("donors", column)
    op.create_index("ix_donors_name", "donors", ["tenant", "name"])

    op.create_table(
        "recipients", uid(primary_key=True), tenant(),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("enterprise_number", sa.String(10)),
        sa.Column("municipality", sa.String(5), nullable=False),
        text("street", 200), text("postcode", 4),
        sa.Column("delivery_windows", JSONB, nullable=False, server_default="[]"),
        sa.Column("cold_storage_litres", sa.Integer, nullable=False, server_default="0"),
        sa.Column("freezer_litres", sa.Integer, nullable=False, server_default="0"),
        sa.Column("households", sa.Integer, nullable=False, server_default="0"),
        sa.Column("people_served", sa.Integer, nullable=False, server_default="0"),
        sa.Column("favv_number", sa.String(40), nullable=False, server_default=""),
        text("contact_name", 200), text("contact_phone", 40), text("contact_email", 200),
        text("instructions"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        version(), now("created_at"), now("updated_at"),
        sa.CheckConstraint("households >= 0 AND people_served >= 0 AND cold_storage_litres >= 0 "
                           "AND freezer_litres >= 0", name="ck_recipients_counts"),
    )
    op.create_index("ix_recipients_name", "recipients", ["tenant", "name"])
    op.create_table(
        "vehicles", uid(primary_key=True), tenant(),
        sa.Column("name", sa.String(120), nullable=False),
        text("plate", 20),
        sa.Column("refrigerated", sa.Boolean, nullable=False),
        sa.Column("capacity_grams", sa.BigInteger, nullable=False),
        sa.Column("emission_grams_per_km", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        version(), now("created_at"),
        sa.CheckConstraint("capacity_grams > 0 AND emission_grams_per_km >= 0", name="ck_vehicles_figures"),
    )
    op.create_table(
        "drivers", uid(primary_key=True), tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("username", sa.String(120), nullable=False),
        text("phone", 40),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        version(), now("created_at"),
    )
    op.create_index("uq_drivers_username", "drivers", ["tenant", "username"], unique=True)

    # --- the tenant's rules ---------------------------------------------------------------------------
    op.create_table(
        "safety_limits", uid(primary_key=True), tenant(),
        sa.Column("storage", sa.String(20), nullable=False),
        sa.Column("max_celsius", sa.Numeric(4, 1), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False, server_default=""),
        now("updated_at"),
    )
    op.create_index("uq_safety_limits_storage", "safety_limits", ["tenant", "storage"], unique=True)
    op.create_table(
        "impact_methods", uid(primary_key=True), tenant(),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("co2_basis", sa.String(20), nullable=False),
        sa.Column("flat_co2_grams_per_kg", sa.Integer),
        sa.Column("net_of_van", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("factors", JSONB, nullable=False),
        text("source"),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        now("created_at"),
    )
    op.create_index("uq_impact_methods_version", "impact_methods", ["tenant", "name", "version"], unique=True)

    # --- planning -------------------------------------------------------------------------------------
    op.create_table(
        "round_series", uid(primary_key=True), tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("weekdays", ARRAY(sa.SmallInteger), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
        sa.Column("start_time", sa.Time, nullable=False),
        uid("driver_id", sa.ForeignKey("drivers.id"), nullable=False),
        uid("vehicle_id", sa.ForeignKey("vehicles.id"), nullable=False),
        sa.Column("generated_until", sa.Date),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        version(), now("created_at"), now("updated_at"),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_round_series_period"),
    )
    op.create_table(
        "series_stops", uid(primary_key=True), tenant(),
        uid("series_id", sa.ForeignKey("round_series.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        uid("donor_id", sa.ForeignKey("donors.id")),
        uid("recipient_id", sa.ForeignKey("recipients.id")),
        sa.Column("window_from", sa.Time), sa.Column("window_until", sa.Time),
        sa.CheckConstraint("(kind = 'pickup') = (donor_id IS NOT NULL) AND (kind = 'delivery') = "
                           "(recipient_id IS NOT NULL)", name="ck_series_stops_party"),
    )
    op.create_index("ix_series_stops_series", "series_stops", ["series_id", "position"])
    op.create_table(
        "rounds", uid(primary_key=True), tenant(),
        uid("series_id", sa.ForeignKey("round_series.id")),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="planned"),
        sa.Column("start_time", sa.Time, nullable=False),
        uid("driver_id", sa.ForeignKey("drivers.id"), nullable=False),
        uid("vehicle_id", sa.ForeignKey("vehicles.id"), nullable=False),
        sa.Column("edited", sa.Boolean, nullable=False, server_default=sa.false()),
        text("note"),
        sa.Column("km", sa.Integer),
        sa.Column("started_at", TS), sa.Column("closed_at", TS),
        sa.Column("closed_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("totals", JSONB),
        version(), now("created_at"), now("updated_at"),
        sa.CheckConstraint("km IS NULL OR km >= 0", name="ck_rounds_km"),
    )
    op.create_index("uq_rounds_series_day", "rounds", ["series_id", "day"], unique=True,
                    postgresql_where=sa.text("series_id IS NOT NULL"))
    op.create_index("ix_rounds_day_driver", "rounds", ["tenant", "day", "driver_id"])
    op.create_table(
        "round_stops", uid(primary_key=True), tenant(),
        uid("round_id", sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        uid("donor_id", sa.ForeignKey("donors.id")),
        uid("recipient_id", sa.ForeignKey("recipients.id")),
        sa.Column("window_from", sa.Time), sa.Column("window_until", sa.Time),
        sa.Column("done_at", TS),
        sa.CheckConstraint("(kind = 'pickup') = (donor_id IS NOT NULL) AND (kind = 'delivery') = "
                           "(recipient_id IS NOT NULL)", name="ck_round_stops_party"),
    )
    op.create_index("ix_round_stops_round", "round_stops", ["round_id", "position"])

    # --- the logbook (ids made by the phone) ----------------------------------------------------------
    op.create_table(
        "pickups", uid(primary_key=True), tenant(),
        uid("round_id", sa.ForeignKey("rounds.id"), nullable=False),
        uid("stop_id", sa.ForeignKey("round_stops.id")),
        uid("donor_id", sa.ForeignKey("donors.id"), nullable=False),
        sa.Column("picked_up_at", TS, nullable=False),
        sa.Column("van_full", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("left_behind_grams", sa.BigInteger, nullable=False, server_default="0"),
        text("note"),
        sa.Column("photo_key", sa.String(300)),
        uid("driver_id", sa.ForeignKey("drivers.id")),
        now("received_at"),
        sa.CheckConstraint("left_behind_grams >= 0", name="ck_pickups_left_behind"),
    )
    op.create_index("ix_pickups_round", "pickups", ["round_id"])
    op.create_table(
        "pickup_lines", uid(primary_key=True), tenant(),
        uid("pickup_id", sa.ForeignKey("pickups.id", ondelete="CASCADE"), nullable=False),
        uid("round_id", sa.ForeignKey("rounds.id"), nullable=False),
        uid("donor_id", sa.ForeignKey("donors.id"), nullable=False),
        sa.Column("picked_up_at", TS, nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("grams", sa.BigInteger, nullable=False),
        sa.Column("refused_grams", sa.BigInteger, nullable=False, server_default="0"),
        text("refused_reason", 300),
        sa.Column("date_kind", sa.String(20), nullable=False, server_default="none"),
        sa.Column("best_date", sa.Date),
        sa.Column("celsius", sa.Numeric(4, 1)),
        sa.Column("flags", ARRAY(sa.String(30)), nullable=False, server_default="{}"),
        now("received_at"),
        sa.CheckConstraint("grams >= 0 AND refused_grams >= 0", name="ck_pickup_lines_grams"),
    )
    op.create_index("ix_pickup_lines_pickup", "pickup_lines", ["pickup_id"])
    op.create_index("ix_pickup_lines_round", "pickup_lines", ["round_id"])
    op.create_index("ix_pickup_lines_recall", "pickup_lines", ["tenant", "donor_id", "category", "picked_up_at"])
    op.create_table(
        "deliveries", uid(primary_key=True), tenant(),
        uid("round_id", sa.ForeignKey("rounds.id"), nullable=False),
        uid("stop_id", sa.ForeignKey("round_stops.id")),
        uid("recipient_id", sa.ForeignKey("recipients.id"), nullable=False),
        sa.Column("delivered_at", TS, nullable=False),
        sa.Column("confirmed_by", sa.String(200), nullable=False, server_default=""),
        text("note"),
        uid("driver_id", sa.ForeignKey("drivers.id")),
        now("received_at"),
    )
    op.create_index("ix_deliveries_round", "deliveries", ["round_id"])
    op.create_table(
        "delivery_lines", uid(primary_key=True), tenant(),
        uid("delivery_id", sa.ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
        uid("round_id", sa.ForeignKey("rounds.id"), nullable=False),
        uid("recipient_id", sa.ForeignKey("recipients.id"), nullable=False),
        sa.Column("delivered_at", TS, nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("grams", sa.BigInteger, nullable=False),
        now("received_at"),
        sa.CheckConstraint("grams >= 0", name="ck_delivery_lines_grams"),
    )
    op.create_index("ix_delivery_lines_delivery", "delivery_lines", ["delivery_id"])
    op.create_index("ix_delivery_lines_round", "delivery_lines", ["round_id", "category"])

    # --- food safety and the coordinator's flags ------------------------------------------------------
    op.create_table(
        "safety_register", uid(primary_key=True), tenant(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        uid("round_id", sa.ForeignKey("rounds.id"), nullable=False),
        uid("pickup_id"), uid("line_id"),
        uid("donor_id", sa.ForeignKey("donors.id")),
        sa.Column("category", sa.String(30), nullable=False, server_default=""),
        sa.Column("grams", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("detail", JSONB, nullable=False, server_default="{}"),
        sa.Column("occurred_at", TS, nullable=False),
        now("recorded_at"),
    )
    op.create_index("ix_safety_register_round", "safety_register", ["round_id"])
    op.create_index("ix_safety_register_time", "safety_register", ["tenant", "occurred_at"])
    op.create_table(
        "round_flags", uid(primary_key=True), tenant(),
        uid("round_id", sa.ForeignKey("rounds.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("detail", JSONB, nullable=False, server_default="{}"),
        now("raised_at"),
        sa.Column("resolved_at", TS),
        sa.Column("resolved_by", sa.String(200), nullable=False, server_default=""),
        text("resolution"),
    )
    op.create_index("uq_round_flags_open", "round_flags", ["round_id", "kind"], unique=True,
                    postgresql_where=sa.text("resolved_at IS NULL"))
    op.create_index("ix_round_flags_open", "round_flags", ["tenant", "raised_at"],
                    postgresql_where=sa.text("resolved_at IS NULL"))

    # --- impact: totals kept as lines arrive, and the reports -----------------------------------------
    op.create_table(
        "daily_totals", tenant(),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("flow", sa.String(20), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        uid("donor_id", nullable=False),
        uid("recipient_id", nullable=False),
        sa.Column("municipality", sa.String(5), nullable=False, server_default=""),
        sa.Column("round_kind", sa.String(20), nullable=False),
        sa.Column("grams", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("lines", sa.BigInteger, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("tenant", "day", "flow", "category", "donor_id", "recipient_id", "round_kind",
                                name="pk_daily_totals"),
    )
    op.create_table(
        "impact_reports", uid(primary_key=True), tenant(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_until", sa.Date, nullable=False),
        uid("method_id", sa.ForeignKey("impact_methods.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("figures", JSONB),
        sa.Column("published_at", TS),
        sa.Column("published_by", sa.String(200), nullable=False, server_default=""),
        version(), now("created_at"),
        sa.CheckConstraint("period_until >= period_from", name="ck_impact_reports_period"),
        sa.CheckConstraint("status <> 'published' OR figures IS NOT NULL", name="ck_impact_reports_frozen"),
    )
    # A published report is frozen: no update of its figures, method or period, and no delete, at the database.
    op.execute("""
        CREATE FUNCTION impact_reports_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'published' THEN
                RAISE EXCEPTION 'impact report % is published and frozen', OLD.id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_impact_reports_frozen';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER impact_reports_frozen BEFORE UPDATE OR DELETE ON impact_reports "
               "FOR EACH ROW EXECUTE FUNCTION impact_reports_frozen()")

    for table in TABLES:
        for statement in tenant_isolation(table):
            op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS impact_reports_frozen ON impact_reports")
    op.execute("DROP FUNCTION IF EXISTS impact_reports_frozen()")
    for table in reversed(TABLES):
        op.drop_table(table)
    op.drop_index("ix_donors_name", "donors")
    for column in ("chain", "municipality", "street", "postcode", "opening_hours", "pickup_windows",
                   "contact_name", "contact_phone", "contact_email", "instructions", "favv_number", "active",
                   "version", "updated_at"):
        op.drop_column("donors", column)
