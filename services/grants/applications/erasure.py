"""An applicant's erasure in grants: their drafts go with their attachments (no decision rests on a draft);
a submitted application stays, as the decision needs it, and is pseudonymised by shared.privacy."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application, Attachment
from services.grants.applications.rules import ApplicationStatus
from shared.db import TenantRepository
from shared.privacy.person import Person
from shared.storage import ObjectStore


async def erase_drafts(session: AsyncSession, store: ObjectStore | None, tenant: str, person: Person,
                       found: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    drafts = [row["id"] for row in found.get("applications", []) if row["status"] == ApplicationStatus.DRAFT]
    if not drafts:
        return {}
    repository = TenantRepository(session, tenant)
    keys = list((await session.scalars(repository.select(Attachment, Attachment.object_key)
                                       .where(Attachment.application_id.in_(drafts)))).all())
    await session.execute(repository.delete(Application).where(Application.id.in_(drafts)))
    if store is not None:
        for key in keys:  # after the rows: a failure here leaves an object no row points to, not the reverse
            await store.remove(key)
    return {"draft_applications": len(drafts), "draft_attachments": len(keys)}
