"""Named proposals: every fixed ranking proposal gets its version within the call (1, 2, …: the ETag the
decision names with If-Match), and keeps how a fixed what-if departs from the published rules (budget above
the call's, thresholds other than published) with the reasons given, for the decision's letters and audit.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ranking_proposals", sa.Column("version", sa.Integer, nullable=True))
    op.add_column("ranking_proposals", sa.Column("deviations", JSONB, nullable=False, server_default="[]"))
    op.add_column("ranking_proposals", sa.Column("reasons", sa.Text, nullable=False, server_default=""))
    # Row-Level Security binds the owner too: number the existing proposals of every tenant, then bind again.
    op.execute("ALTER TABLE ranking_proposals NO FORCE ROW LEVEL SECURITY")
    op.execute("UPDATE ranking_proposals p SET version = n.version FROM ("
               "SELECT id, row_number() OVER (PARTITION BY call_id ORDER BY fixed_at, id) AS version "
               "FROM ranking_proposals) n WHERE p.id = n.id")
    op.execute("ALTER TABLE ranking_proposals FORCE ROW LEVEL SECURITY")
    op.alter_column("ranking_proposals", "version", nullable=False)
    op.create_unique_constraint("uq_ranking_proposals_version", "ranking_proposals", ["call_id", "version"])


def downgrade() -> None:
    op.drop_constraint("uq_ranking_proposals_version", "ranking_proposals", type_="unique")
    op.drop_column("ranking_proposals", "reasons")
    op.drop_column("ranking_proposals", "deviations")
    op.drop_column("ranking_proposals", "version")
