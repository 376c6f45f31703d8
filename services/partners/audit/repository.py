"""Every query on the audit log, from the tenant-scoped base statement. The log is append-only: the request
role may insert and read it, never update or delete it, and a trigger refuses both even to the owner."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import tuple_

from services.partners.audit.models import AuditEntry
from shared.db import TenantRepository


class AuditRepository(TenantRepository):
    async def trail_of(self, entity: str, entity_id: str) -> list[AuditEntry]:
        """Oldest first: the order in which the changes happened (the clock of each insert, then its UUIDv7)."""
        return list((await self.session.scalars(
            self.select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.at, AuditEntry.id))).all())

    async def trails_of(self, entities: Collection[tuple[str, str]]) -> list[AuditEntry]:
        """The entries of several entities together (a plan and its indicators), oldest first."""
        if not entities:
            return []
        wanted = tuple_(AuditEntry.entity, AuditEntry.entity_id).in_(list(entities))
        return list((await self.session.scalars(
            self.select(AuditEntry).where(wanted).order_by(AuditEntry.at, AuditEntry.id))).all())
