"""Use cases on notices: raise one (any service, in the transaction of the change it reports); keep the read
model (every service's consumers of the notice events); a person's list, unread count and marks (grants, which
serves the list). Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared import i18n
from shared.auth import Principal
from shared.events.consumer import Handler, Subscription
from shared.events.envelope import Envelope, data_as
from shared.events.outbox import stage
from shared.events.streams import PRODUCERS
from shared.i18n import _
from shared.ids import uuid7
from shared.notices.events import NoticeAttachment, NoticeRaised, NoticeRecipient, NoticesRead, NoticeText
from shared.notices.kinds import NoticeKind, RecipientKind
from shared.notices.models import Notice
from shared.notices.repository import NoticeRepository, Reader
from shared.problems import NotFound

Recipients = Iterable[tuple[RecipientKind, str]]


def raised_type(producer: str) -> str:
    return f"be.regie.{producer}.notice.raised.v1"


def read_type(producer: str) -> str:
    return f"be.regie.{producer}.notice.read.v1"


def in_every_language(render: Callable[[], tuple[str, str]]) -> dict[str, NoticeText]:
    """(title, body) written once per language of the portals: `render` runs speaking each in turn, so its
    `_()` texts and formatted amounts and dates come out in that language."""
    texts: dict[str, NoticeText] = {}
    for lang in i18n.LANGUAGES:
        with i18n.speaking(lang):
            title, body = render()
        texts[lang] = NoticeText(title=title, body=body)
    return texts


def raise_notice(session: AsyncSession, tenant: str, event: type[NoticeRaised], *, kind: NoticeKind,
                 recipients: Recipients, texts: dict[str, NoticeText], link: str = "",
                 contacts: Sequence[str] = (), attachments: Sequence[NoticeAttachment] = ()) -> str | None:
    """Stages the notice's event (the producer's `event` type) in the caller's transaction; returns its id.
    No recipient, no notice."""
    chosen = [NoticeRecipient(kind=k.value, id=r) for k, r in dict.fromkeys(recipients) if r]
    if not chosen:
        return None
    notice_id = str(uuid7())
    stage(session, event(notice_id=notice_id, kind=kind.value, recipients=chosen, texts=texts, link=link,
                         contacts=sorted({c.strip() for c in contacts if c and c.strip()}),
                         attachments=list(attachments)), tenant=tenant, subject=f"notice/{notice_id}")
    return notice_id


# --- the read model --------------------------------------------------------------------------------------

def producer_of(envelope: Envelope) -> str:
    return envelope.source.rsplit("/", 1)[-1]


async def apply_raised(session: AsyncSession, envelope: Envelope) -> NoticeRaised:
    """A copy per recipient in this service's list (a redelivery adds nothing)."""
    data = data_as(envelope, NoticeRaised)
    repository = NoticeRepository(session, envelope.tenant)
    texts = {lang: {"title": text.title, "body": text.body} for lang, text in data.texts.items()}
    await repository.add_notices_once([{
        "id": uuid7(), "dedupe_key": data.notice_id, "source": producer_of(envelope), "kind": data.kind,
        "recipient_kind": RecipientKind(recipient.kind), "recipient": recipient.id, "texts": texts,
        "link": data.link, "created_at": envelope.time} for recipient in data.recipients])
    return data


async def keep_raised(session: AsyncSession, envelope: Envelope) -> None:
    """The handler of a raised notice where no e-mail is sent: only the copies in the list."""
    await apply_raised(session, envelope)


async def apply_read(session: AsyncSession, envelope: Envelope) -> None:
    data = data_as(envelope, NoticesRead)
    await NoticeRepository(session, envelope.tenant).mark_read(
        Reader(data.username, data.enterprise_number or None, frozenset(data.roles)), notice_ids=data.notice_ids)


def subscriptions(consumer: str, on_raised: Handler = keep_raised) -> list[Subscription]:
    """The durable consumers that keep `consumer`'s list: the notice events of every producer's stream.
    grants passes its own `on_raised`, which also stages the e-mails."""
    return [Subscription(durable=f"{consumer}-notices-{producer}", producer=producer,
                         subject=f"{producer}.*.notice.>",
                         handlers={raised_type(producer): on_raised, read_type(producer): apply_read})
            for producer in PRODUCERS]


# --- a person's list -------------------------------------------------------------------------------------

def reader(principal: Principal) -> Reader:
    return Reader(principal.username, principal.enterprise_number, principal.roles)


async def page_header(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    """What every portal page's header shows of the notices: the unread count beside "Berichten"."""
    return {"unread_notices": await NoticeRepository(session, principal.tenant).unread_count_for(reader(principal))}


async def notices(session: AsyncSession, principal: Principal, limit: int, unread_only: bool = False) -> list[Notice]:
    """The person's notices (their own, their organisation's, their roles'), newest first; one per notice."""
    return await NoticeRepository(session, principal.tenant).notices_for(reader(principal), limit, unread_only)


async def unread_notices(session: AsyncSession, principal: Principal) -> int:
    return await NoticeRepository(session, principal.tenant).unread_count_for(reader(principal))


def _tell_others(session: AsyncSession, principal: Principal, event: type[NoticesRead], marked: list[str]) -> None:
    if marked:
        stage(session, event(username=principal.username, enterprise_number=principal.enterprise_number or "",
                             roles=sorted(principal.roles), notice_ids=marked),
              tenant=principal.tenant, subject=f"reader/{principal.username}")


async def mark_notice_read(session: AsyncSession, principal: Principal, event: type[NoticesRead],
                           copy_id: uuid.UUID) -> Notice:
    """Marks one notice read for the person, with every copy of it they see, so it cannot come back unread;
    the other services hear of it through `event`. Idempotent; someone else's notice is not found."""
    repository = NoticeRepository(session, principal.tenant)
    notice = await repository.notice_for(copy_id, reader(principal))
    if notice is None:
        raise NotFound(_("dit bericht bestaat niet of is niet voor u bestemd"))
    _tell_others(session, principal, event,
                 await repository.mark_read(reader(principal), notice_ids=[notice.dedupe_key]))
    await session.refresh(notice)
    return notice


async def mark_notices_read(session: AsyncSession, principal: Principal, event: type[NoticesRead],
                            before: datetime | None) -> tuple[int, int]:
    """Marks every notice of the person read that was created at or before `before` (all when None): a page
    passes the newest moment it showed, so a notice that arrived since stays unread. Returns (marked, unread)."""
    repository = NoticeRepository(session, principal.tenant)
    marked = await repository.mark_read(reader(principal), created_until=before)
    _tell_others(session, principal, event, marked)
    return len(marked), await repository.unread_count_for(reader(principal))
