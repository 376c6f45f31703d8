"""Every query on the registry, each from the tenant-scoped base statement. Lists are in creation order (ids are
UUIDv7), paged by the last id seen, so a page never shifts when entries are added or renamed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement

from services.foodsavers.registry.models import Donor, Driver, Recipient, Vehicle
from shared.db import TenantRepository

Entry = TypeVar("Entry", Donor, Recipient, Vehicle, Driver)


def like(text: str) -> str:
    """An ILIKE pattern for a part of a name, the wildcards typed taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class RegistryRepository(TenantRepository):
    async def get(self, model: type[Entry], entry_id: uuid.UUID) -> Entry | None:
        return await self.session.scalar(self.select(model).where(model.id == entry_id))

    async def lock(self, model: type[Entry], entry_id: uuid.UUID) -> Entry | None:
        """FOR UPDATE, read afresh: two edits of one entry are serialised, so the second sees the first's version
        and answers 412 instead of overwriting it."""
        return await self.session.scalar(
            self.select(model).where(model.id == entry_id).with_for_update()
            .execution_options(populate_existing=True))

    async def page(self, model: type[Entry], *, after: uuid.UUID | None, limit: int, active: bool | None = None,
                   text: str = "", **equal: Any) -> list[Entry]:
        """Up to `limit` entries after the id `after`: only active (or inactive) ones, a part of the name, and
        columns equal to the values given (None: not filtered)."""
        conditions: list[ColumnElement[bool]] = []
        if after is not None:
            conditions.append(model.id > after)
        if active is not None:
            conditions.append(model.active.is_(active))
        if text:
            conditions.append(model.name.ilike(like(text)))
        conditions += [getattr(model, column) == value for column, value in equal.items() if value is not None]
        return list((await self.session.scalars(
            self.select(model).where(*conditions).order_by(model.id).limit(limit))).all())

    async def by_name(self, model: type[Entry], *, active_only: bool = False) -> list[Entry]:
        """Every entry in name order (the portal's lists and pickers)."""
        statement = self.select(model)
        if active_only:
            statement = statement.where(model.active.is_(True))
        return list((await self.session.scalars(statement.order_by(model.name, model.id))).all())

    async def driver_by_username(self, username: str) -> Driver | None:
        return await self.session.scalar(self.select(Driver).where(Driver.username == username))

    async def names(self, donor_ids: Iterable[uuid.UUID], recipient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        found: dict[uuid.UUID, str] = {}
        for model, ids in ((Donor, set(donor_ids)), (Recipient, set(recipient_ids))):
            if ids:
                rows = await self.session.execute(self.select(model, model.id, model.name).where(model.id.in_(ids)))
                found |= {row.id: row.name for row in rows}
        return found
