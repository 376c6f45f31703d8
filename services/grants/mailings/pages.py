"""The province admin's view of the e-mail outbox (/<tenant>/provincie/e-mail): what could not be delivered,
with the relay's answer, and what is waiting for another attempt; one button tries them all again (after the
relay is back, no need to wait out the back-off). Reached from the province's start page, which shows how many
e-mails are undeliverable."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.mailings import service
from services.grants.mailings.routes import mail_out
from services.grants.mailings.rules import MailState
from services.grants.portal import form_post, visitor
from shared.i18n import _
from shared.portal.pages import FormData

ADMINS = ("province-admin",)
SHOWN = 100


@get("/{tenant:str}/provincie/e-mail")
async def outbox(request: Request[Any, Any, Any], session: AsyncSession) -> Template:
    who = await visitor(request, session, ADMINS)
    undeliverable = [mail_out(m) for m in await service.mails(session, who.tenant, MailState.UNDELIVERABLE,
                                                              SHOWN, None)][:SHOWN]
    pending = [mail_out(m) for m in await service.mails(session, who.tenant, MailState.PENDING, SHOWN, None)][:SHOWN]
    return who.page("province/mail.html", {"undeliverable": undeliverable, "pending": pending})


@post("/{tenant:str}/provincie/e-mail/opnieuw")
async def retry(request: Request[Any, Any, Any], session: AsyncSession, data: FormData) -> Redirect:
    who, _form = await form_post(request, session, data, ADMINS)
    count = await service.retry_now(session, who.tenant, include_undeliverable=True)
    who.flash(_("Er worden geen e-mails opnieuw verstuurd.") if count == 0
              else _("%(count)s e-mail(s) worden nu opnieuw verstuurd.") % {"count": count})
    return who.redirect("provincie/e-mail")


ROUTES = [outbox, retry]
