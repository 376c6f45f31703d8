"""Use cases on a person's notices: list them, count the unread ones, mark them read; and leave one (for the
decisions' and the reminders' handlers). Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.notices.models import Notice
from services.grants.notices.repository import NoticeRepository
from services.grants.notices.rules import RecipientKind
from shared.auth import Principal
from shared.i18n import _
from shared.ids import uuid7
from shared.problems import NotFound


async def leave(session: AsyncSession, tenant: str, recipients: list[tuple[RecipientKind, str]], *, title: str,
                body: str, link: str, dedupe_key: str) -> None:
    """One notice per recipient for one event (`dedupe_key`): a redelivered event adds nothing."""
    repository = NoticeRepository(session, tenant)
    for kind, recipient in dict.fromkeys(recipients):
        await repository.add_notice_once({"id": uuid7(), "recipient_kind": kind, "recipient": recipient,
                                          "title": title, "body": body, "link": link, "dedupe_key": dedupe_key})


async def notices(session: AsyncSession, principal: Principal, limit: int, unread_only: bool = False) -> list[Notice]:
    """The logged-in person's notices and their organisation's, newest first; one per event."""
    return await NoticeRepository(session, principal.tenant).notices_for(
        principal.username, principal.enterprise_number, limit, unread_only)


async def unread_notices(session: AsyncSession, principal: Principal) -> int:
    return await NoticeRepository(session, principal.tenant).unread_count_for(
        principal.username, principal.enterprise_number)


async def mark_notice_read(session: AsyncSession, principal: Principal, notice_id: uuid.UUID) -> Notice:
    """Marks one notice read for the person, with every copy of the same event they see (theirs and their
    organisation's), so it cannot come back unread. Idempotent; someone else's notice is not found.
    An organisation's copy is one row for all its people: read by one, it is read for all of them."""
    repository = NoticeRepository(session, principal.tenant)
    notice = await repository.notice_for(notice_id, principal.username, principal.enterprise_number)
    if notice is None:
        raise NotFound(_("dit bericht bestaat niet of is niet voor u bestemd"))
    await repository.mark_notices_read(principal.username, principal.enterprise_number,
                                       dedupe_key=notice.dedupe_key)
    await session.refresh(notice)
    return notice


async def mark_notices_read(session: AsyncSession, principal: Principal, before: datetime | None) -> tuple[int, int]:
    """Marks every notice of the person read that was created at or before `before` (all when None): a page
    passes the newest moment it showed, so a notice that arrived since stays unread. Returns (marked, unread)."""
    repository = NoticeRepository(session, principal.tenant)
    marked = await repository.mark_notices_read(principal.username, principal.enterprise_number,
                                                created_until=before)
    return marked, await repository.unread_count_for(principal.username, principal.enterprise_number)
