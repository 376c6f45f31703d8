from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application, Attachment, CoApplicant
from services.grants.calls.models import Call


class ApplicationRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    def _base(self) -> Select[tuple[Application]]:
        return select(Application).where(Application.tenant == self.tenant)

    async def get(self, application_id: uuid.UUID) -> Application | None:
        return await self.session.scalar(self._base().where(Application.id == application_id))

    async def lock(self, application_id: uuid.UUID) -> Application | None:
        return await self.session.scalar(self._base().where(Application.id == application_id)
                                         .with_for_update().execution_options(populate_existing=True))

    async def page_visible_to(self, *, enterprise_number: str | None, all_but_drafts: bool,
                              call_id: uuid.UUID | None, statuses: Collection[str] | None,
                              after: uuid.UUID | None, limit: int) -> list[Application]:
        """The lead organisation's own applications, and (for call managers) every one that is not a draft;
        by id (UUIDv7: creation order)."""
        visible = []
        if enterprise_number:
            visible.append(Application.applicant_enterprise_number == enterprise_number)
        if all_but_drafts:
            visible.append(Application.status != "draft")
        if not visible:
            return []
        statement = self._base().where(visible[0] if len(visible) == 1 else visible[0] | visible[1])
        if call_id is not None:
            statement = statement.where(Application.call_id == call_id)
        if statuses:
            statement = statement.where(Application.status.in_(statuses))
        if after is not None:
            statement = statement.where(Application.id > after)
        return list((await self.session.scalars(statement.order_by(Application.id).limit(limit))).all())

    async def page_with_co_applicant(self, enterprise_number: str, after: uuid.UUID | None,
                                     limit: int) -> list[Application]:
        statement = self._base().where(exists().where(
            CoApplicant.application_id == Application.id, CoApplicant.tenant == self.tenant,
            CoApplicant.enterprise_number == enterprise_number))
        if after is not None:
            statement = statement.where(Application.id > after)
        return list((await self.session.scalars(statement.order_by(Application.id).limit(limit))).all())

    async def mark_submitted_before_deadline(self, application_id: uuid.UUID, *, snapshot: dict[str, Any],
                                             content_hash: str, idempotency_key: str | None) -> datetime | None:
        """The submission, judged by the database clock in the statement that makes it: accepted only while
        clock_timestamp() lies in [opens_at, closes_at) of a published call. The submission time, or None
        when refused."""
        open_call = exists().where(
            Call.id == Application.call_id, Call.tenant == self.tenant, Call.status == "published",
            and_(func.clock_timestamp() >= Call.opens_at, func.clock_timestamp() < Call.closes_at))
        return await self.session.scalar(
            update(Application)
            .where(Application.tenant == self.tenant, Application.id == application_id,
                   Application.status == "draft", open_call)
            .values(status="submitted", submitted_at=func.clock_timestamp(), snapshot=snapshot,
                    content_hash=content_hash, submit_idempotency_key=idempotency_key,
                    version=Application.version + 1)
            .returning(Application.submitted_at)
            .execution_options(synchronize_session=False))

    async def attachment_by_idempotency_key(self, application_id: uuid.UUID, key: str) -> Attachment | None:
        return await self.session.scalar(select(Attachment).where(
            Attachment.tenant == self.tenant, Attachment.application_id == application_id,
            Attachment.idempotency_key == key))

    def add(self, application: Application) -> None:
        self.session.add(application)
