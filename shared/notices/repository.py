"""Every query on notices and on the people grants e-mails, each from the tenant-scoped base statement (or, on the
driver's connection, with the tenant as its first parameter)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.dialects.postgresql import insert

from shared.db import TenantRepository, column_names, driver_connection, driver_insert, record_entity
from shared.notices.kinds import RecipientKind
from shared.notices.models import Notice, NoticePerson


@dataclass(frozen=True)
class Reader:
    """Whose notices: a person, with the organisation and roles whose notices they see too."""

    username: str
    enterprise_number: str | None = None
    roles: frozenset[str] = frozenset()


class NoticeRepository(TenantRepository):
    async def add_notices_once(self, copies: list[dict[str, Any]]) -> None:
        """A notice's copies, one per recipient, in one statement: a redelivered event adds nothing. On the
        driver's connection: every service's consumers write one for every notice (bench/README.md, "The eighth
        look")."""
        await driver_insert(self.session, Notice, [{"tenant": self.tenant, **values} for values in copies],
                            "ON CONFLICT ON CONSTRAINT uq_notices_dedupe DO NOTHING")

    @staticmethod
    def _mine(reader: Reader) -> ColumnElement[bool]:
        """The copies a person may see and mark: their own, their organisation's and their roles'."""
        mine = (Notice.recipient_kind == RecipientKind.USER) & (Notice.recipient == reader.username)
        if reader.enterprise_number:
            mine = mine | ((Notice.recipient_kind == RecipientKind.ORGANISATION)
                           & (Notice.recipient == reader.enterprise_number))
        if reader.roles:
            mine = mine | ((Notice.recipient_kind == RecipientKind.ROLE) & Notice.recipient.in_(sorted(reader.roles)))
        return mine

    async def notices_for(self, reader: Reader, limit: int, unread_only: bool = False) -> list[Notice]:
        """One copy per notice (the person's, their organisation's and their role's are one), newest first. A
        notice counts as unread while any of the person's copies is: the copy shown is then an unread one."""
        mine = self._mine(reader)
        if unread_only:
            mine = mine & Notice.read_at.is_(None)
        one_per_notice = (
            self.select(Notice, Notice.id).where(mine).distinct(Notice.dedupe_key)
            .order_by(Notice.dedupe_key, Notice.read_at.is_(None).desc(), Notice.created_at.desc(), Notice.id.desc())
            .subquery())
        return list((await self.session.scalars(
            self.select(Notice).where(Notice.id.in_(select(one_per_notice.c.id)))
            .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit))).all())

    async def unread_count_for(self, reader: Reader) -> int:
        """Notices with an unread copy for this person: what the list's unread filter would show."""
        return await self.session.scalar(
            self.select(Notice, func.count(func.distinct(Notice.dedupe_key)))
            .where(self._mine(reader), Notice.read_at.is_(None))) or 0

    async def notice_for(self, notice_id: uuid.UUID, reader: Reader) -> Notice | None:
        """The copy, when this person may see it (the list's rule); None for anyone else's."""
        return await self.session.scalar(self.select(Notice).where(Notice.id == notice_id, self._mine(reader)))

    async def mark_read(self, reader: Reader, *, notice_ids: Iterable[str] | None = None,
                        created_until: datetime | None = None) -> list[str]:
        """Marks the person's unread copies read, by notice: those named (`notice_ids`), or every notice with a
        copy created at or before `created_until` (every one when both are None). Returns the notices newly
        marked. Copies already read keep their first read time (a retry changes nothing)."""
        mine = self._mine(reader)
        chosen = self.select(Notice, Notice.dedupe_key).where(mine)
        if notice_ids is not None:
            chosen = chosen.where(Notice.dedupe_key.in_(list(notice_ids)))
        if created_until is not None:
            chosen = chosen.where(Notice.created_at <= created_until)
        marked = await self.session.scalars(
            self.update(Notice).where(mine, Notice.read_at.is_(None), Notice.dedupe_key.in_(chosen))
            .values(read_at=func.clock_timestamp()).returning(Notice.dedupe_key)
            .execution_options(synchronize_session=False))
        return sorted(set(marked.all()))


class PersonRepository(TenantRepository):
    async def remember(self, username: str, *, email: str, language: str, roles: Iterable[str],
                       enterprise_number: str) -> None:
        """Records how the person was seen: written only when something changed."""
        values = {"email": email, "language": language, "roles": sorted(roles),
                  "enterprise_number": enterprise_number}
        statement = insert(NoticePerson).values(tenant=self.tenant, username=username, **values)
        changed = or_(*(getattr(NoticePerson, column).is_distinct_from(getattr(statement.excluded, column))
                        for column in values))
        await self.session.execute(statement.on_conflict_do_update(
            constraint="pk_notice_people", set_={**{c: getattr(statement.excluded, c) for c in values},
                                                 "updated_at": func.clock_timestamp()}, where=changed))

    async def person(self, username: str) -> NoticePerson | None:
        return await self.session.scalar(self.select(NoticePerson).where(NoticePerson.username == username))

    async def choose(self, username: str, email_kinds: list[str], *, email: str, language: str) -> None:
        """The person's e-mail choice; `email` and `language` only for a person not seen before (a page view
        keeps them, not an API call, whose language is no one's choice)."""
        statement = insert(NoticePerson).values(tenant=self.tenant, username=username, email_kinds=email_kinds,
                                                email=email, language=language)
        await self.session.execute(statement.on_conflict_do_update(
            constraint="pk_notice_people",
            set_={"email_kinds": statement.excluded.email_kinds, "updated_at": func.clock_timestamp()}))

    async def addressed(self, users: Iterable[str], organisations: Iterable[str], roles: Iterable[str],
                        addresses: Iterable[str]) -> list[NoticePerson]:
        """The people a notice reaches (by name, organisation or role) and those whose address is one of the
        notice's contacts, by username; not attached to the session. One statement on the driver's connection,
        the same text for every notice (grants' mailer asks it for every notice: bench/README.md, "The eighth
        look")."""
        found = await (await driver_connection(self.session)).fetch(
            ADDRESSED, self.tenant, list(users), list(organisations), list(roles), [a.lower() for a in addresses])
        return [record_entity(NoticePerson, record) for record in found]


ADDRESSED = f"""
    SELECT {", ".join(column_names(NoticePerson))} FROM notice_people
    WHERE tenant = $1 AND (username = ANY($2::text[]) OR enterprise_number = ANY($3::text[])
                           OR roles ?| $4::text[] OR lower(email) = ANY($5::text[]))
    ORDER BY username"""
"""`PersonRepository.addressed`: an empty list matches no one."""
