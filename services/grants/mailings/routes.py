from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.mailings import service
from services.grants.mailings.models import OutgoingMail
from services.grants.mailings.rules import MAIL_STATE_LABELS, MailState
from services.grants.mailings.schemas import MailOut, MailPage, MailRetryIn, MailRetryOut
from shared.auth import Principal, require_roles
from shared.i18n import _
from shared.problems import BadRequest


def mail_out(mail: OutgoingMail) -> MailOut:
    state = mail.state
    return MailOut(id=mail.id, purpose=mail.purpose, reference=mail.reference, recipients=list(mail.recipients),
                   subject=mail.subject, state=state, state_label=MAIL_STATE_LABELS[state], attempts=mail.attempts,
                   created_at=mail.created_at,
                   next_attempt_at=mail.next_attempt_at if state == MailState.PENDING else None,
                   sent_at=mail.sent_at, dead_at=mail.dead_at, reason=mail.last_error)


def cursor_id(cursor: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(cursor) if cursor else None
    except ValueError as exc:
        raise BadRequest(_("ongeldige cursor")) from exc


class MailController(Controller):
    """The province's e-mail outbox, for its admin: what went out, what waits for another attempt, and what
    could not be delivered (with the relay's answer)."""

    path = "/{tenant:str}/mail"
    tags = ["mail"]
    guards = [require_roles("province-admin")]

    @get("/")
    async def mails(self, tenant: str, session: AsyncSession, principal: Principal,
                    mail_state: Annotated[MailState | None, QueryParameter(name="state")] = None,
                    limit: int = Parameter(default=50, ge=1, le=200),
                    cursor: str | None = Parameter(default=None)) -> MailPage:
        """Newest first; `state`: pending, sent or undeliverable."""
        rows = await service.mails(session, tenant, mail_state, limit, cursor_id(cursor))
        return MailPage(items=[mail_out(m) for m in rows[:limit]],
                        next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)

    @get("/undeliverable")
    async def undeliverable(self, tenant: str, session: AsyncSession, principal: Principal,
                            limit: int = Parameter(default=50, ge=1, le=200),
                            cursor: str | None = Parameter(default=None)) -> MailPage:
        """The dead letters: e-mail the relay refused, or that still failed when its retry window ended."""
        rows = await service.mails(session, tenant, MailState.UNDELIVERABLE, limit, cursor_id(cursor))
        return MailPage(items=[mail_out(m) for m in rows[:limit]],
                        next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)

    @post("/retry", status_code=200)
    async def retry(self, tenant: str, session: AsyncSession, principal: Principal,
                    data: MailRetryIn | None = None) -> MailRetryOut:
        """Tries unsent e-mail again at once (after the relay is back, no need to wait out the back-off);
        dead letters too with `include_undeliverable`."""
        request = data or MailRetryIn()
        return MailRetryOut(due_now=await service.retry_now(session, tenant, ids=request.ids,
                                                            include_undeliverable=request.include_undeliverable))
