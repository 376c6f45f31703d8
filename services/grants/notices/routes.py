from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.notices import service
from services.grants.notices.schemas import (
    NoticeKindOut,
    NoticeOut,
    NoticePreferencesIn,
    NoticePreferencesOut,
    NoticesReadIn,
    NoticesReadOut,
    UnreadNoticesOut,
)
from shared import i18n
from shared.auth import ROLES, Principal, require_roles
from shared.i18n import _
from shared.notices.kinds import KIND_LABELS
from shared.notices.models import Notice


def notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut(id=notice.id, kind=notice.kind, source=notice.source, title=notice.title, body=notice.body,
                     link=notice.link, created_at=notice.created_at, read_at=notice.read_at)


async def preferences_out(session: AsyncSession, principal: Principal) -> NoticePreferencesOut:
    person, by_email = await service.preferences(session, principal)
    return NoticePreferencesOut(
        email=person.email if person else principal.email,
        language=person.language if person else i18n.language(),
        kinds=[NoticeKindOut(kind=kind.value, label=_(label), by_email=kind in by_email)
               for kind, label in KIND_LABELS.items()])


class NoticeController(Controller):
    """The logged-in person's notices, from every service. Read state: one copy per recipient, so a notice of
    an organisation or a role read by one of its people is read for all of them (a person's own copy stays
    theirs)."""

    path = "/{tenant:str}/notices"
    tags = ["notices"]
    guards = [require_roles(*ROLES)]

    @get("/")
    async def notices(self, session: AsyncSession, principal: Principal,
                      limit: int = Parameter(default=50, ge=1, le=200),
                      unread: bool = Parameter(default=False)) -> list[NoticeOut]:
        """The logged-in person's notices (their own, their organisation's and their roles'), newest first, in
        the request's language; `unread=true`: only those not read yet. The count is at `unread-count`."""
        return [notice_out(n) for n in await service.notice_list(session, principal, limit, unread)]

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

    @get("/preferences")
    async def preferences(self, session: AsyncSession, principal: Principal) -> NoticePreferencesOut:
        """Which kinds of notice also come by e-mail (every kind until the person chooses), to which address
        and in which language."""
        return await preferences_out(session, principal)

    @put("/preferences")
    async def choose(self, session: AsyncSession, principal: Principal,
                     data: NoticePreferencesIn) -> NoticePreferencesOut:
        """Chooses the kinds that also come by e-mail; an unknown kind is refused (422)."""
        await service.choose(session, principal, data.by_email)
        return await preferences_out(session, principal)
