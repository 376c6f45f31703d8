"""partners's foreign keys carry the tenant on both sides (shared.isolation.foreign_keys_carry_the_tenant).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from shared.isolation import foreign_keys_carry_the_tenant

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    foreign_keys_carry_the_tenant()


def downgrade() -> None:
    """The keys stay: with the tenant they only refuse more, which the older code never needs."""
