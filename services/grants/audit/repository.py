"""Every query on the audit log, from the tenant-scoped base statement. The log is append-only: the request
role may not UPDATE or DELETE it, and a trigger refuses both even for the owner."""

from __future__ import annotations

from services.grants.audit.models import AuditEntry
from shared.db import TenantRepository


class AuditRepository(TenantRepository):
    async def history_of(self, entity: str, entity_id: str) -> list[AuditEntry]:
        return list((await self.session.scalars(
            self.select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.at, AuditEntry.id))).all())
