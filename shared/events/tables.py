"""The outbox and inbox tables of a service's database, with their policies and grants: what every service's
first migration creates."""

from __future__ import annotations

from alembic import op

from shared.db import Base
from shared.events.inbox import InboxMessage, inbox_ddl
from shared.events.outbox import OutboxMessage, outbox_ddl


def create_event_tables() -> None:
    bind = op.get_bind()
    tables = Base.metadata.tables
    Base.metadata.create_all(bind, tables=[tables[OutboxMessage.__tablename__], tables[InboxMessage.__tablename__]])
    for statement in [*outbox_ddl(), *inbox_ddl()]:
        op.execute(statement)
