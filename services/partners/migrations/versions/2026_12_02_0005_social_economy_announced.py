"""What partners last announced of each organisation's social-economy status (organisations/days.py announces
the changes the passing of a day brings), filled in for the organisations there are: by kind, or by a
recognition valid today.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op

from services.partners.organisations.rules import SOCIAL_ECONOMY_KINDS, SOCIAL_ECONOMY_RECOGNITIONS
from shared.tenancy import TENANTS

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def quoted(values: Iterable[object]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(str(v) for v in values))


def upgrade() -> None:
    op.add_column("organisations", sa.Column("social_economy_announced", sa.Boolean))
    today = "(now() AT TIME ZONE 'Europe/Brussels')::date"
    for tenant in TENANTS:  # organisations' policy binds the owner too: one province at a time
        op.execute(f"SELECT set_config('app.tenant', '{tenant}', true)")
        op.execute(f"""
            UPDATE organisations o SET social_economy_announced =
                o.kind IN ({quoted(SOCIAL_ECONOMY_KINDS)}) OR EXISTS (
                    SELECT 1 FROM recognitions r WHERE r.organisation_id = o.id
                    AND r.kind IN ({quoted(SOCIAL_ECONOMY_RECOGNITIONS)})
                    AND r.valid_from <= {today} AND (r.valid_until IS NULL OR r.valid_until >= {today}))""")


def downgrade() -> None:
    op.drop_column("organisations", "social_economy_announced")
