"""grants' side of the notices (shared.notices): it serves every person's list of notices, whichever service
raised them, marks them read (and tells the other services), keeps what it needs to e-mail people (their
address, language and roles as last seen on a portal page, and the kinds they want by e-mail), and raises the
notices of grants itself. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application
from services.grants.events.published import NoticeRaisedV1, NoticesReadV1
from services.grants.notices import contacts
from shared import i18n
from shared.auth import Principal
from shared.notices import service as notices
from shared.notices.events import NoticeAttachment, NoticeText
from shared.notices.kinds import KIND_LABELS, NoticeKind, RecipientKind
from shared.notices.models import Notice, NoticePerson
from shared.notices.repository import PersonRepository
from shared.notices.service import Recipients
from shared.problems import Invalid

notice_list = notices.notices
unread_notices = notices.unread_notices
in_every_language = notices.in_every_language

_seen: dict[tuple[str, str], tuple[Any, ...]] = {}
"""What this process last wrote of each person: a page view writes only when something changed."""
SEEN_LIMIT = 10_000


def raise_notice(session: AsyncSession, tenant: str, *, kind: NoticeKind, recipients: Recipients,
                 texts: dict[str, NoticeText], link: str = "", contacts: Sequence[str] = (),
                 attachments: Sequence[NoticeAttachment] = ()) -> str | None:
    """A notice of grants, staged in the caller's transaction (see shared.notices.service.raise_notice)."""
    return notices.raise_notice(session, tenant, NoticeRaisedV1, kind=kind, recipients=recipients, texts=texts,
                                link=link, contacts=contacts, attachments=attachments)


def tell_applicant(session: AsyncSession, tenant: str, application: Application, *, kind: NoticeKind,
                   render: Callable[[], tuple[str, str]], link: str = "") -> str | None:
    """A notice about an application for its applicant and their organisation, mailed also to the address on
    the application; linked to the application's page unless `link` says otherwise."""
    return raise_notice(session, tenant, kind=kind, texts=in_every_language(render),
                        recipients=[(RecipientKind.USER, application.applicant_username),
                                    (RecipientKind.ORGANISATION, application.applicant_enterprise_number)],
                        link=link or f"/{tenant}/aanvragen/{application.id}",
                        contacts=[contacts.of_application(application.id)])


async def remember(session: AsyncSession, principal: Principal) -> None:
    """Records the person's address, language, roles and organisation as this page view shows them, so that
    their e-mails go to the address and in the language they now use. Page views only: the gateway sends a
    page the language the person chose, while an API call's language is whatever its client sent."""
    seen = (principal.email, i18n.language(), tuple(sorted(principal.roles)), principal.enterprise_number or "")
    key = (principal.tenant, principal.username)
    if not principal.username or _seen.get(key) == seen:
        return
    await PersonRepository(session, principal.tenant).remember(
        principal.username, email=principal.email, language=seen[1], roles=seen[2], enterprise_number=seen[3])
    if len(_seen) >= SEEN_LIMIT:
        _seen.clear()
    _seen[key] = seen


async def page_header(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    """Every grants page's header: the unread notices; and the person remembered for their e-mails."""
    await remember(session, principal)
    return await notices.page_header(session, principal)


async def mark_notice_read(session: AsyncSession, principal: Principal, notice_id: uuid.UUID) -> Notice:
    return await notices.mark_notice_read(session, principal, NoticesReadV1, notice_id)


async def mark_notices_read(session: AsyncSession, principal: Principal, before: datetime | None) -> tuple[int, int]:
    return await notices.mark_notices_read(session, principal, NoticesReadV1, before)


async def preferences(session: AsyncSession, principal: Principal) -> tuple[NoticePerson | None, list[NoticeKind]]:
    """The person as last seen on a page, and the kinds they get by e-mail (every kind until they choose)."""
    person = await PersonRepository(session, principal.tenant).person(principal.username)
    chosen = person.email_kinds if person is not None else None
    return person, [kind for kind in KIND_LABELS if chosen is None or kind.value in chosen]


async def choose(session: AsyncSession, principal: Principal, kinds: Sequence[str]) -> list[NoticeKind]:
    """The kinds the person wants by e-mail from now on (none at all is a choice too)."""
    try:
        chosen = sorted({NoticeKind(kind) for kind in kinds}, key=list(KIND_LABELS).index)
    except ValueError as exc:
        raise Invalid(i18n._("onbekende soort bericht: kies uit %(kinds)s")
                      % {"kinds": ", ".join(kind.value for kind in KIND_LABELS)}) from exc
    await PersonRepository(session, principal.tenant).choose(principal.username, [k.value for k in chosen],
                                                             email=principal.email, language=i18n.language())
    return chosen
