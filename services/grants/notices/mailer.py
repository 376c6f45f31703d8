"""The e-mail of every notice, whichever service raised it: grants' consumers of the notice events keep its
list (shared.notices) and, in the same transaction, stage one e-mail per address in grants' mail outbox
(services/grants/mailings), in that person's language. Who gets one: each person the notice reaches (by name,
organisation or role) who has an address and wants this kind by e-mail, and the notice's contacts, read where
grants keeps them (notices/contacts.py: the address on the application; a contact address of a known person
follows that person's choice). A person grants has seen on a portal page
is known with their choice (`notice_people`); a person the notice names, or who holds the role it is for, whom
grants has not seen yet is looked up in the realm's directory (shared.directory): their account's address and
language, every kind by e-mail until they choose (so a juror who never signed in hears of their assignment)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.mailings import service as mailings
from services.grants.notices import contacts
from services.grants.settings import current
from shared import i18n
from shared.db import insert_added
from shared.directory import Directory
from shared.events.consumer import Subscription
from shared.events.envelope import Envelope
from shared.notices import service as notices
from shared.notices.mail import compose
from shared.notices.repository import PersonRepository

log = logging.getLogger("regie.grants.notices")


def addresses(people: list[tuple[str, str, bool]], contacts: list[str]) -> dict[str, tuple[str, str]]:
    """{address in lower case: (address, language)} of who gets the e-mail, from the people reached as
    (address, language, wants this kind) and the contact addresses."""
    known = {address.lower() for address, _lang, _wants in people if address}
    chosen: dict[str, tuple[str, str]] = {}
    for address, lang, wants in people:
        if address and wants:
            chosen.setdefault(address.lower(), (address, lang))
    for contact in contacts:
        if contact.lower() not in known:
            chosen.setdefault(contact.lower(), (contact, i18n.DEFAULT))
    return chosen


async def notice_raised(session: AsyncSession, envelope: Envelope) -> None:
    data = await notices.apply_raised(session, envelope)
    tenant = envelope.tenant
    by_kind: dict[str, list[str]] = {"user": [], "organisation": [], "role": []}
    for recipient in data.recipients:
        by_kind.setdefault(recipient.kind, []).append(recipient.id)
    ours = notices.producer_of(envelope) == "grants"
    given = await contacts.addresses(session, tenant, data.contacts) if ours else []  # only grants' are ours to read
    people = await PersonRepository(session, tenant).addressed(by_kind["user"], by_kind["organisation"],
                                                              by_kind["role"], given)
    reached = [(p.email, p.language, p.wants_email(data.kind)) for p in people]
    seen = {p.username for p in people}
    settings = current()
    # Named people and the holders of a role; an organisation's other members read it in the portal (and by
    # e-mail once they have been seen there). The directory opens an HTTP client only for what it has not kept.
    users = [u for u in by_kind["user"] if u not in seen]
    if users or by_kind["role"]:
        directory = Directory(settings.auth.keycloak_url, settings.directory.client_secret)
        reached += [(p.email, p.language, True) for p in await directory.people(tenant, users=users,
                                                                                roles=by_kind["role"])
                    if p.username not in seen]
    relay = settings.mail
    attachments = [mailings.AttachmentRef(a.object_key, a.filename, a.content_type)
                   for a in data.attachments] if ours else []
    for address, lang in addresses(reached, given).values():
        mail = compose(data.texts, lang, tenant=tenant, link=data.link, portal_url=relay.portal_url)
        mailings.enqueue(session, tenant, purpose=f"notice:{data.kind}", recipients=[address],
                         subject=mail.subject, body=mail.text, html=mail.html, language=mail.language,
                         reference=data.link, attachments=attachments)
    await insert_added(session)  # the e-mails on the driver's connection, not in a flush (bench/README.md)
    log.info("notice kept", extra={"notice_id": data.notice_id, "kind": data.kind, "event_id": envelope.id})


SUBSCRIPTIONS: list[Subscription] = notices.subscriptions("grants", on_raised=notice_raised)
"""grants' list of notices, fed by every service's notice events; each new notice's e-mails staged."""
