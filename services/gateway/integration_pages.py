"""The province admin's page for integration tokens, /<tenant>/koppelingen/: the tokens of the province (never
their secrets), a form to make one, and a button to revoke each. A new token is shown once: the form's answer
redirects to the page (so a reload makes no second token) and the token rides along in the province's encrypted
session cookie only until that page has shown it. The same rules as the API (integrations.py); the gateway
draws it because the tokens are the gateway's own."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.gateway.integration_tokens import province_admin
from services.gateway.integrations import GRANTABLE, MAX_DAYS
from services.gateway.pages import FLASH_KEY, LoginRequired, take_flash
from services.gateway.portals import ROLE_LABELS
from services.gateway.runtime import Gateway, InjectedGateway
from services.gateway.sessions import UserSession, check_token, fresh_user
from shared.auth import Principal
from shared.i18n import _
from shared.portal import formats
from shared.portal.forms import Form
from shared.portal.headers import CSRF_FIELD
from shared.portal.pages import PRIVATE
from shared.problems import Problem
from shared.tenancy import province_name

PAGE = "/{tenant:str}/koppelingen/"
NEW_TOKEN_KEY = "new_token"


async def the_admin(request: Request[Any, Any, Any], tenant: str, gateway: Gateway) -> tuple[UserSession, Principal]:
    user = await fresh_user(request.session, tenant, gateway.realm, gateway.verifier,
                            gateway.settings.refresh_margin_seconds)
    if user is None:
        raise LoginRequired(tenant, f"/{tenant}/koppelingen/")
    return user, await province_admin(user.access_token, tenant, gateway)


def page(request: Request[Any, Any, Any], tenant: str, user: UserSession, gateway: Gateway, form: Form,
         status_code: int = 200) -> Template:
    made = request.session.pop(NEW_TOKEN_KEY, None)
    now = time.time()
    tokens = []
    for r in gateway.integrations.of(tenant):
        active = r.revoked_at is None and r.expires_at > now
        tokens.append({
            "id": r.id, "name": r.name, "active": active,
            "roles": ", ".join(_(ROLE_LABELS[role]) for role in r.roles if role in ROLE_LABELS),
            "expires": formats.day(datetime.fromtimestamp(r.expires_at, UTC)),
            "last_used": formats.moment(datetime.fromtimestamp(r.last_used_at, UTC)) if r.last_used_at else None,
            "state": _("actief") if active else _("ingetrokken") if r.revoked_at else _("verlopen")})
    return Template(template_name="integrations.html", status_code=status_code, headers=PRIVATE, context={
        "tenant": tenant, "province": province_name(tenant), "user": user, "csrf": user.csrf,
        "flash": take_flash(request), "tokens": tokens, "form": form, "max_days": MAX_DAYS,
        "made": made if isinstance(made, dict) else None,
        "roles": [(role, _(ROLE_LABELS[role])) for role in GRANTABLE]})


@get(PAGE)
async def integrations_page(request: Request[Any, Any, Any], tenant: FromPath[str],
                            gateway: InjectedGateway) -> Template:
    user, _principal = await the_admin(request, tenant, gateway)
    await gateway.integrations.available()
    return page(request, tenant, user, gateway, Form(values={"days": "90"}))


@post(PAGE, status_code=303)
async def make_token(request: Request[Any, Any, Any], tenant: FromPath[str],
                     gateway: InjectedGateway) -> Template | Redirect:
    user, principal = await the_admin(request, tenant, gateway)
    posted = parse_qs((await request.body()).decode("utf-8", "replace"))
    check_token(posted.get(CSRF_FIELD, [None])[0], user)
    form = Form(values={"name": posted.get("name", [""])[0], "days": posted.get("days", [""])[0]})
    roles = [role for role in posted.get("roles", []) if role in GRANTABLE]
    name = form.text("name", required=_("Geef de koppeling een naam."), max_length=100)
    days = form.values["days"].strip()
    if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
        form.errors["days"] = _("Een toegangsbewijs geldt 1 tot %(max)s dagen.") % {"max": MAX_DAYS}
    if not roles:
        form.errors["roles"] = _("Kies minstens één rol.")
    form.values["roles"] = " ".join(roles)
    if not form.ok:
        return page(request, tenant, user, gateway, form, status_code=422)
    try:
        record, token = await gateway.integrations.create(tenant, principal, name, roles, int(days))
    except Problem as exc:
        return page(request, tenant, user, gateway, form.refuse_problem(exc), status_code=exc.status)
    request.session[NEW_TOKEN_KEY] = {"name": record.name, "token": token}
    return Redirect(f"/{tenant}/koppelingen/", status_code=303)


@post(PAGE + "{token_id:str}/intrekken", status_code=303)
async def revoke_token(request: Request[Any, Any, Any], tenant: FromPath[str], token_id: FromPath[str],
                       gateway: InjectedGateway) -> Redirect:
    user, principal = await the_admin(request, tenant, gateway)
    check_token(parse_qs((await request.body()).decode("latin-1")).get(CSRF_FIELD, [None])[0], user)
    record = await gateway.integrations.revoke(tenant, token_id, principal)
    request.session[FLASH_KEY] = {"text": _("Het toegangsbewijs van %(name)s is ingetrokken.") % {"name": record.name},
                                  "kind": "ok"}
    return Redirect(f"/{tenant}/koppelingen/", status_code=303)
