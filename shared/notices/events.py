"""The notices' events, the same shape for every producer: each service declares its own versioned types on
these (in its events/published.py, e.g. `be.regie.partners.notice.raised.v1`), so the contract is published
per stream like any other event, and one handler reads them all."""

from __future__ import annotations

import msgspec

from shared.events.envelope import EventData


class NoticeRecipient(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    """user | organisation | role"""
    id: str
    """username | enterprise number | role name"""


class NoticeText(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    body: str
    """Plain text; paragraphs apart by an empty line."""


class NoticeAttachment(msgspec.Struct, frozen=True, kw_only=True):
    object_key: str
    """In the producer's bucket: only grants' notices carry attachments (a decision letter)."""
    filename: str
    content_type: str = "application/pdf"


class NoticeRaised(EventData, frozen=True, kw_only=True):
    """A notice for people of the province: its texts in every language, who it is for, and where to act."""

    notice_id: str
    kind: str
    """shared.notices.kinds.NoticeKind: what a person's e-mail choice is about."""
    recipients: list[NoticeRecipient]
    texts: dict[str, NoticeText]
    """{"nl": …, "fr": …, "en": …}"""
    link: str = ""
    """A page of a portal of the province (/<tenant>/…), where the person acts on it."""
    contacts: list[str] = []
    """Where the addresses given for this matter are kept, as the producer names them (grants:
    `application/<id>`, the address on the application): mailed besides the people who want this kind by
    e-mail, by the mailer that can read them there; a contact address of a known person follows that person's
    choice. No address travels in the event (events published before 3 December 2026 carry the address
    itself)."""
    attachments: list[NoticeAttachment] = []


class NoticesRead(EventData, frozen=True, kw_only=True):
    """A person marked notices read: every service marks its copies that this person sees."""

    username: str
    enterprise_number: str = ""
    roles: list[str] = []
    notice_ids: list[str]
