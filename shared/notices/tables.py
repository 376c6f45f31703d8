"""The notices' tables with their policies and grants, for a service's migration."""

from __future__ import annotations

from alembic import op

from shared.db import Base
from shared.isolation import tenant_isolation
from shared.notices.models import Notice, NoticePerson


def create_notice_tables(*models: type[Notice] | type[NoticePerson]) -> None:
    """`notices` (every service; the default), `notice_people` where the e-mails are sent (grants)."""
    chosen = models or (Notice,)
    tables = Base.metadata.tables
    Base.metadata.create_all(op.get_bind(), tables=[tables[m.__tablename__] for m in chosen])
    for model in chosen:
        for statement in tenant_isolation(model.__tablename__):
            op.execute(statement)
