"""The export and the erasure of one service, in the request's transaction (the boundary commits)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import record
from shared.privacy import records
from shared.privacy.person import Person, pseudonym
from shared.privacy.streams import erase_messages
from shared.storage import ObjectStore

log = logging.getLogger("regie.privacy")

OwnErasure = Callable[[AsyncSession, ObjectStore | None, str, Person, dict[str, list[dict[str, Any]]]],
                      Awaitable[dict[str, int]]]
"""A service's own part before the pseudonymisation (session, store, tenant, the person, the rows found): what can
go because no decision rests on it (a draft and its files), and what a pseudonym would not make anonymous (a
name or phone beside the username). Returns counts by what was done."""

DELETED_WHEN_NAMING = {
    "notices": "true",  # what the portal told them; the decisions themselves stay where they are kept
    "notice_people": "true",  # their address, language and e-mail choices
    "idempotent_requests": "true",  # stored answers to their retried requests
    "mail_outbox": "true",  # the e-mails to them (the letter stays with the decision)
}
"""The events' outbox is not here: it holds only events not yet published (counted as such below); once published
they are in the stream, where `erase_messages` deletes those naming the person."""


@dataclass(frozen=True)
class Privacy:
    """One service's part: its name (its stream), its own deletions, and its tables whose each row is a person
    (the export adds the rows that refer to theirs: `records.linked`)."""

    service: str
    erase_own: OwnErasure | None = None
    people: tuple[str, ...] = ()


def files_in(found: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The object keys in the rows found: the files the person uploaded (or that were made about them)."""
    return sorted({str(row["object_key"]) for rows in found.values() for row in rows if row.get("object_key")})


async def export(session: AsyncSession, tenant: str, person: Person, privacy: Privacy) -> dict[str, Any]:
    found = await records.find(session, person.username, [person.email] if person.email else [])
    linked = await records.linked(session, found, privacy.people)
    return {"service": privacy.service, "tenant": tenant, "username": person.username, "email": person.email,
            "records": {table: records.jsonable(rows) for table, rows in found.items()},
            "linked": {table: records.jsonable(rows) for table, rows in linked.items()},
            "files": files_in(found)}


async def erase(session: AsyncSession, js: Any, store: ObjectStore | None, tenant: str, person: Person,
                privacy: Privacy, actor: str) -> dict[str, Any]:
    """Deletes what can go, pseudonymises what must stay, deletes the stream messages naming the person, and
    records the erasure in the audit log without the personal data (only the pseudonym and the counts)."""
    alias = pseudonym(tenant, person)
    found = await records.find(session, person.username, [person.email] if person.email else [])
    others = [n for n in (person.email, *records.subjects_in(found)) if n]
    deleted: dict[str, int] = {}
    if privacy.erase_own is not None:
        deleted.update(await privacy.erase_own(session, store, tenant, person, found))
    tables = await records.columns(session)
    for table, extra in DELETED_WHEN_NAMING.items():
        if table in tables and (count := await records.delete_matching(
                session, table, tables[table], person.username, others, extra)):
            deleted[table] = deleted.get(table, 0) + count
    pseudonymised = await records.pseudonymise(session, tables, person.username, others, alias)
    if "audit_log" in tables and (audited := await records.pseudonymise_audit_log(
            session, person.username, others, alias)):
        pseudonymised["audit_log"] = audited
    pending = len((await records.find(session, person.username, others)).get("outbox", []))
    messages: dict[str, int] = {}
    if js is not None:
        quoted = [f'"{person.username}"'] if person.username else []
        messages = await erase_messages(js, privacy.service, tenant, [*quoted, *others])
    summary = {"service": privacy.service, "pseudonym": alias, "deleted": deleted,
               "pseudonymised": pseudonymised, "stream_messages_deleted": messages,
               "events_not_yet_published": pending}
    if "audit_log" in tables:
        record(session, tenant, actor, "personal_data.erased", "person", alias, after=summary)
    else:  # a service without an audit log (foodsavers) keeps the erasure in its structured log
        log.info("personal data erased", extra={"tenant": tenant, "actor": actor, **summary})
    return summary
