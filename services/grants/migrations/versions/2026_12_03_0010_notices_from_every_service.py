"""Notices from every service (shared.notices): each notice keeps its texts in every language (`texts`, from
the Dutch title and body of the notices already there), its kind and the service that raised it, and may be
for everyone holding a role; `notice_people` keeps what the e-mails need of a person (address, language, roles,
organisation, the kinds they want by e-mail); the mail outbox keeps an HTML part and a language per message.
Row-Level Security on the new table.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.notices.models import NoticePerson
from shared.notices.tables import create_notice_tables

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("source", sa.String(20), nullable=False, server_default="grants"))
    op.add_column("notices", sa.Column("kind", sa.String(40), nullable=False, server_default="other"))
    op.execute("ALTER TABLE notices ADD COLUMN texts JSONB")
    op.execute("""
        UPDATE notices SET texts = jsonb_build_object('nl', jsonb_build_object('title', title, 'body', body)),
            kind = CASE WHEN dedupe_key LIKE 'reminder:%' THEN 'report.due' ELSE 'application.decided' END""")
    op.execute("ALTER TABLE notices ALTER COLUMN texts SET NOT NULL")
    op.drop_column("notices", "title")
    op.drop_column("notices", "body")
    op.execute("CREATE INDEX ix_notices_unread ON notices (tenant, recipient_kind, recipient) WHERE read_at IS NULL")
    create_notice_tables(NoticePerson)
    op.add_column("mail_outbox", sa.Column("html", sa.Text, nullable=False, server_default=""))
    op.add_column("mail_outbox", sa.Column("language", sa.String(5), nullable=False, server_default="nl-BE"))


def downgrade() -> None:
    op.drop_column("mail_outbox", "language")
    op.drop_column("mail_outbox", "html")
    op.drop_table("notice_people")
    op.drop_index("ix_notices_unread", "notices")
    op.add_column("notices", sa.Column("title", sa.String(300), nullable=False, server_default=""))
    op.add_column("notices", sa.Column("body", sa.Text, nullable=False, server_default=""))
    op.execute("UPDATE notices SET title = texts->'nl'->>'title', body = texts->'nl'->>'body'")
    op.drop_column("notices", "texts")
    op.drop_column("notices", "kind")
    op.drop_column("notices", "source")
