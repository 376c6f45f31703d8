"""Race guards: at most one open appeal per application, enforced by the database so that two appeals lodged
at once cannot both pass the service's check (the second one fails on the index and is answered 409).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Two open appeals that slipped through before are a call manager's to settle (an appeal is a legal act:
    # never closed by a migration), so the index waits for that, naming the applications.
    # The owner reads across tenants only with the policy's FORCE lifted, within this transaction.
    op.execute("ALTER TABLE appeals NO FORCE ROW LEVEL SECURITY")
    doubled = op.get_bind().execute(sa.text(
        "SELECT application_id FROM appeals WHERE status IN ('received', 'under-review') "
        "GROUP BY application_id HAVING count(*) > 1")).scalars().all()
    op.execute("ALTER TABLE appeals FORCE ROW LEVEL SECURITY")
    if doubled:
        raise RuntimeError("applications with more than one open appeal (handle all but one first): "
                           + ", ".join(str(a) for a in doubled))
    op.create_index("uq_appeals_one_open", "appeals", ["application_id"], unique=True,
                    postgresql_where=sa.text("status IN ('received', 'under-review')"))


def downgrade() -> None:
    op.drop_index("uq_appeals_one_open", table_name="appeals")
