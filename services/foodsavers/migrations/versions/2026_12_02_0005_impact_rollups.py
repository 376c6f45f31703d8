"""Impact's rollups beside the day totals, kept by impact.totals in the same statement that adds to them, so the
figures of a period read whole months and only the period's edge days: `monthly_totals` (the day totals' key
with the first day of the month instead of the day, and the municipality in the key so a month is exactly the
sum of its days), `category_days` (per day, flow, kind of round and category, without parties: the week chart)
and `recipient_days` (grams delivered per day, kind of round and recipient: the people reached per week). Filled
from the day totals already there. Row-Level Security as everywhere.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from shared.isolation import tenant_isolation
from shared.tenancy import TENANTS

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("monthly_totals", "category_days", "recipient_days")


def amounts() -> list[sa.Column]:
    return [sa.Column("grams", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("lines", sa.BigInteger, nullable=False, server_default="0")]


def upgrade() -> None:
    op.create_table(
        "monthly_totals",
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("flow", sa.String(20), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("donor_id", UUID(as_uuid=True), nullable=False),
        sa.Column("recipient_id", UUID(as_uuid=True), nullable=False),
        sa.Column("round_kind", sa.String(20), nullable=False),
        sa.Column("municipality", sa.String(5), nullable=False, server_default=""),
        *amounts(),
        sa.PrimaryKeyConstraint("tenant", "month", "flow", "category", "donor_id", "recipient_id", "round_kind",
                                "municipality", name="pk_monthly_totals"),
    )
    op.create_table(
        "category_days",
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("flow", sa.String(20), nullable=False),
        sa.Column("round_kind", sa.String(20), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        *amounts(),
        sa.PrimaryKeyConstraint("tenant", "day", "flow", "round_kind", "category", name="pk_category_days"),
    )
    op.create_table(
        "recipient_days",
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("round_kind", sa.String(20), nullable=False),
        sa.Column("recipient_id", UUID(as_uuid=True), nullable=False),
        *amounts(),
        sa.PrimaryKeyConstraint("tenant", "day", "round_kind", "recipient_id", name="pk_recipient_days"),
    )
    for table in TABLES:
        for statement in tenant_isolation(table):
            op.execute(statement)
    for tenant in TENANTS:  # the policies bind the owner too: the day totals already kept, one province at a time
        op.execute(f"SELECT set_config('app.tenant', '{tenant}', true)")
        for statement in ROLLUPS:
            op.execute(statement.replace(":tenant", f"'{tenant}'"))


ROLLUPS = (
    """INSERT INTO monthly_totals (tenant, month, flow, category, donor_id, recipient_id, round_kind, municipality,
                                   grams, lines)
       SELECT tenant, CAST(date_trunc('month', day) AS date), flow, category, donor_id, recipient_id, round_kind,
              municipality, sum(grams), sum(lines)
         FROM daily_totals WHERE tenant = :tenant GROUP BY 1, 2, 3, 4, 5, 6, 7, 8""",
    """INSERT INTO category_days (tenant, day, flow, round_kind, category, grams, lines)
       SELECT tenant, day, flow, round_kind, category, sum(grams), sum(lines)
         FROM daily_totals WHERE tenant = :tenant GROUP BY 1, 2, 3, 4, 5""",
    """INSERT INTO recipient_days (tenant, day, round_kind, recipient_id, grams, lines)
       SELECT tenant, day, round_kind, recipient_id, sum(grams), sum(lines)
         FROM daily_totals WHERE tenant = :tenant AND flow = 'delivered' GROUP BY 1, 2, 3, 4""",
)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
