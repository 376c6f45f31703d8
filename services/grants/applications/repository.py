"""Every query on applications, their co-applicants and attachments, each from the tenant-scoped base
statement. Other capabilities ask their questions about applications here."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm.attributes import set_committed_value

from services.grants.applications.models import Application, Attachment, CoApplicant
from services.grants.applications.rules import ApplicationStatus
from services.grants.calls.models import Call
from shared.db import TenantRepository, column_names, driver_connection, driver_value, json_entity, record_entity

SUBMISSION_LOCK = f"""
    SELECT {", ".join(column_names(Application))} FROM applications WHERE tenant = $1 AND id = $2 FOR UPDATE"""
SUBMISSION_CALL = f"""
    SELECT {", ".join(f"c.{name}" for name in column_names(Call))},
           (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.created_at), '[]') FROM co_applicants x
            WHERE x.application_id = $3) AS co_applicants,
           (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.uploaded_at), '[]') FROM attachments x
            WHERE x.application_id = $3) AS attachments
    FROM calls c WHERE c.tenant = $1 AND c.id = $2 FOR SHARE"""
SUBMISSION_UPDATE = f"""
    UPDATE applications SET status = '{ApplicationStatus.SUBMITTED}', submitted_at = clock_timestamp(), snapshot = $3,
           content_hash = $4, submit_idempotency_key = $5, version = version + 1
    WHERE tenant = $1 AND id = $2 AND status = '{ApplicationStatus.DRAFT}'
      AND clock_timestamp() >= $6 AND clock_timestamp() < $7
    RETURNING status, submitted_at, snapshot, content_hash, submit_idempotency_key, version"""
"""A submission's statements (`ApplicationRepository.lock_for_submission`, `mark_submitted_within`), on the
transaction's own connection: the columns the models map, the related rows in the order of the models'
relationships."""


class ApplicationRepository(TenantRepository):
    async def get(self, application_id: uuid.UUID) -> Application | None:
        return await self.session.scalar(self.select(Application).where(Application.id == application_id))

    async def lock(self, application_id: uuid.UUID) -> Application | None:
        return await self.session.scalar(self.select(Application).where(Application.id == application_id)
                                         .with_for_update().execution_options(populate_existing=True))

    async def lock_for_submission(self, application_id: uuid.UUID) -> tuple[Application, Call] | None:
        """The application held FOR UPDATE (concurrent submits of it queue here), then its co-applicants,
        attachments and call, the call held FOR SHARE (closing the call waits until the submission has committed
        or failed; many submissions go on together): two statements in SQL on the transaction's own connection
        (`driver_connection`), where the ORM's loads and locks were four statements and ten times the CPU. The
        related rows are read after the lock is held, in a statement of their own: a statement that waited for
        the lock would see the row as it is now but its co-applicants as they were when it began.

        The entities come back as the ORM's classes, not attached to the session (a submission changes them by
        statement, `mark_submitted_within`); the call without its criteria (a submission needs none)."""
        connection = await driver_connection(self.session)
        row = await connection.fetchrow(SUBMISSION_LOCK, self.tenant, application_id)
        if row is None:
            return None
        found = await connection.fetchrow(SUBMISSION_CALL, self.tenant, row["call_id"], application_id)
        application = record_entity(Application, row)
        application.co_applicants = [json_entity(CoApplicant, c) for c in found["co_applicants"]]
        application.attachments = [json_entity(Attachment, a) for a in found["attachments"]]
        return application, record_entity(Call, found)

    async def lock_of_call(self, call_id: uuid.UUID) -> list[Application]:
        """Every application of the call, held until the transaction ends (in id order, so two holders never
        wait on each other crosswise): a decision and a withdrawal of one of them do not pass each other."""
        return list((await self.session.scalars(
            self.select(Application).where(Application.call_id == call_id).order_by(Application.id)
            .with_for_update().execution_options(populate_existing=True))).all())

    async def with_ids(self, application_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Application]:
        if not application_ids:
            return {}
        rows = await self.session.scalars(
            self.select(Application).where(Application.id.in_(list(application_ids))))
        return {a.id: a for a in rows}

    async def of_call_with_status(self, call_id: uuid.UUID, statuses: Collection[str], *,
                                  in_submission_order: bool = False) -> list[Application]:
        """The call's applications in one of `statuses`, by id (UUIDv7: creation order) or in order of
        submission."""
        order = (Application.submitted_at, Application.id) if in_submission_order else (Application.id,)
        return list((await self.session.scalars(
            self.select(Application).where(Application.call_id == call_id, Application.status.in_(list(statuses)))
            .order_by(*order))).all())

    async def count_submitted_of_call(self, call_id: uuid.UUID) -> int:
        """Submitted and not withdrawn since."""
        return await self.session.scalar(
            self.select(Application, func.count())
            .where(Application.call_id == call_id, Application.submitted_at.is_not(None),
                   Application.status != "withdrawn")) or 0

    async def enterprise_numbers_of(self, application_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
        """The enterprise numbers of the applicant and every co-applicant, per application."""
        if not application_ids:
            return {}
        ids = list(application_ids)
        numbers: dict[uuid.UUID, set[str]] = {}
        for app_id, number in await self.session.execute(
                self.select(Application, Application.id, Application.applicant_enterprise_number)
                .where(Application.id.in_(ids))):
            numbers.setdefault(app_id, set()).add(number)
        for app_id, number in await self.session.execute(
                self.select(CoApplicant, CoApplicant.application_id, CoApplicant.enterprise_number)
                .where(CoApplicant.application_id.in_(ids))):
            numbers.setdefault(app_id, set()).add(number)
        return numbers

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
        statement = self.select(Application).where(visible[0] if len(visible) == 1 else visible[0] | visible[1])
        if call_id is not None:
            statement = statement.where(Application.call_id == call_id)
        if statuses:
            statement = statement.where(Application.status.in_(statuses))
        if after is not None:
            statement = statement.where(Application.id > after)
        return list((await self.session.scalars(statement.order_by(Application.id).limit(limit))).all())

    async def page_with_co_applicant(self, enterprise_number: str, after: uuid.UUID | None,
                                     limit: int) -> list[Application]:
        statement = self.select(Application).where(Application.id.in_(
            self.select(CoApplicant, CoApplicant.application_id)
            .where(CoApplicant.enterprise_number == enterprise_number)))
        if after is not None:
            statement = statement.where(Application.id > after)
        return list((await self.session.scalars(statement.order_by(Application.id).limit(limit))).all())

    async def mark_submitted_within(self, application: Application, opens_at: datetime, closes_at: datetime, *,
                                    snapshot: dict[str, Any], content_hash: str,
                                    idempotency_key: str | None) -> datetime | None:
        """The submission of a draft, judged by the database clock in the statement that makes it: accepted
        only while clock_timestamp() lies in [opens_at, closes_at) (the published call's period, which the
        caller holds FOR SHARE so that it cannot change meanwhile). The submission time, or None when refused.
        What the statement changed is set on `application` as the database now has it (from RETURNING), so the
        caller needs no second read of the row: a submission at the deadline is as few round trips as can be."""
        changed = await (await driver_connection(self.session)).fetchrow(
            SUBMISSION_UPDATE, self.tenant, application.id, driver_value(Application.__table__.c.snapshot, snapshot),
            content_hash, idempotency_key, opens_at, closes_at)
        if changed is None:
            return None
        for name, value in changed.items():
            set_committed_value(application, name, value)
        submitted_at: datetime = changed["submitted_at"]
        return submitted_at

    async def attachment_by_idempotency_key(self, application_id: uuid.UUID, key: str) -> Attachment | None:
        return await self.session.scalar(self.select(Attachment).where(
            Attachment.application_id == application_id, Attachment.idempotency_key == key))

    async def attachments_of(self, application_id: uuid.UUID) -> list[Attachment]:
        return list((await self.session.scalars(self.select(Attachment).where(
            Attachment.application_id == application_id)
            .order_by(Attachment.uploaded_at, Attachment.id))).all())
