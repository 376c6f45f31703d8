from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.notices import service
from services.grants.notices.models import Notice
from services.grants.notices.schemas import NoticeOut, NoticesReadIn, NoticesReadOut, UnreadNoticesOut
from shared.auth import ROLES, Principal, require_roles


def notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut(id=notice.id, title=notice.title, body=notice.body, link=notice.link,
                     created_at=notice.created_at, read_at=notice.read_at)


class NoticeController(Controller):
    """The logged-in person's notices. Read state: one row per recipient, so an organisation's notice read by
    one of its people is read for all of them (the person's own copy stays theirs)."""

    path = "/{tenant:str}/notices"
    tags = ["notices"]
    guards = [require_roles(*ROLES)]

    @get("/")
    async def notices(self, session: AsyncSession, principal: Principal,
                      limit: int = Parameter(default=50, ge=1, le=200),
                      unread: bool = Parameter(default=False)) -> list[NoticeOut]:
        """The logged-in person's notices (and their organisation's), newest first; `unread=true`: only those
        not read yet. The count is at `unread-count` (the list stays a bare list)."""
        return [notice_out(n) for n in await service.notices(session, principal, limit, unread)]

    @get("/unread-count")
    async def unread_count(self, session: AsyncSession, principal: Principal) -> UnreadNoticesOut:
        """How many notices are unread: one cheap query, for the portal's header on every page."""
        return UnreadNoticesOut(unread=await service.unread_notices(session, principal))

    @post("/{notice_id:uuid}/read", status_code=200)
    async def mark_read(self, notice_id: uuid.UUID, session: AsyncSession, principal: Principal) -> NoticeOut:
        """Marks one notice read (idempotent: a second call keeps the first read time). Only its recipient
        may: anyone else's notice is not found."""
        return notice_out(await service.mark_notice_read(session, principal, notice_id))

    @post("/read", status_code=200)
    async def mark_all_read(self, session: AsyncSession, principal: Principal,
                            data: NoticesReadIn | None = None) -> NoticesReadOut:
        """Marks all of the person's notices read, or only those created at or before `before`."""
        marked, unread = await service.mark_notices_read(session, principal, data.before if data else None)
        return NoticesReadOut(marked=marked, unread=unread)
