"""Every query on the e-mail outbox, each from the tenant-scoped base statement."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func

from services.grants.mailings.models import OutgoingMail
from services.grants.mailings.rules import MailState
from shared.db import TenantRepository


class MailRepository(TenantRepository):
    def add_mail(self, values: dict[str, Any]) -> OutgoingMail:
        mail = OutgoingMail(tenant=self.tenant, **values)
        self.add(mail)
        return mail

    async def lock_due(self, limit: int) -> list[OutgoingMail]:
        """The `limit` oldest-due messages that are neither sent nor dead-lettered, by the database clock; the
        messages another replica is sending right now are skipped."""
        return list((await self.session.scalars(
            self.select(OutgoingMail)
            .where(OutgoingMail.sent_at.is_(None), OutgoingMail.dead_at.is_(None),
                   OutgoingMail.next_attempt_at <= func.clock_timestamp())
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id).limit(limit)
            .with_for_update(skip_locked=True))).all())

    @staticmethod
    def mark_sent(mail: OutgoingMail, recipients: list[str], error: str, at: datetime) -> None:
        """Records the attempt that the relay accepted (for `recipients`), written with the unit of work."""
        mail.attempts += 1
        mail.recipients = recipients
        mail.sent_at = at
        mail.last_error = error

    @staticmethod
    def mark_failed(mail: OutgoingMail, error: str, retry_in: timedelta | None, at: datetime) -> None:
        """Records a failed attempt: tried again `retry_in` after `at`, or dead-lettered when it is None."""
        mail.attempts += 1
        mail.last_error = error
        if retry_in is None:
            mail.dead_at = at
        else:
            mail.next_attempt_at = at + retry_in

    async def mails(self, state: MailState | None, limit: int, before: uuid.UUID | None) -> list[OutgoingMail]:
        """Newest first (ids are time-ordered), `limit + 1` rows so the caller knows if there are more."""
        query = self.select(OutgoingMail)
        if state == MailState.SENT:
            query = query.where(OutgoingMail.sent_at.is_not(None))
        elif state == MailState.UNDELIVERABLE:
            query = query.where(OutgoingMail.dead_at.is_not(None))
        elif state == MailState.PENDING:
            query = query.where(OutgoingMail.sent_at.is_(None), OutgoingMail.dead_at.is_(None))
        if before is not None:
            query = query.where(OutgoingMail.id < before)
        return list((await self.session.scalars(query.order_by(OutgoingMail.id.desc()).limit(limit + 1))).all())

    async def count_undeliverable(self) -> int:
        return await self.session.scalar(
            self.select(OutgoingMail, func.count()).where(OutgoingMail.dead_at.is_not(None))) or 0

    async def make_due_now(self, ids: list[uuid.UUID] | None, include_undeliverable: bool) -> int:
        """Every unsent message (or those of `ids`) is tried at the next round; dead-lettered ones get one
        more attempt when `include_undeliverable`. Returns how many."""
        query = self.update(OutgoingMail).where(OutgoingMail.sent_at.is_(None))
        if not include_undeliverable:
            query = query.where(OutgoingMail.dead_at.is_(None))
        if ids is not None:
            query = query.where(OutgoingMail.id.in_(ids))
        rows = await self.session.scalars(
            query.values(next_attempt_at=func.clock_timestamp(), dead_at=None)
            .returning(OutgoingMail.id).execution_options(synchronize_session=False))
        return len(rows.all())
