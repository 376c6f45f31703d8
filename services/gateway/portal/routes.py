"""The portal pages: the list of provinces and each province's home."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from services.gateway.portal.roles import portals_for, role_labels
from services.gateway.runtime import InjectedGateway
from services.gateway.sessions import fresh_user
from shared.tenancy import display_name

# Pages with a user's name and tokens' effects must not sit in shared caches or the back-forward cache.
PRIVATE = {"cache-control": "no-store"}


@get("/", sync_to_thread=False)
def provinces(gateway: InjectedGateway) -> Template:
    tenants = [(tenant, display_name(tenant)) for tenant in gateway.settings.service.tenants]
    return Template(template_name="provinces.html", context={"tenants": tenants})


@get("/{tenant:str}/")
async def home(request: Request[Any, Any, Any], tenant: FromPath[str], gateway: InjectedGateway) -> Template:
    user = await fresh_user(request.session, tenant, gateway.realm, gateway.verifier,
                            gateway.settings.refresh_margin_seconds)
    context: dict[str, Any] = {"tenant": tenant, "province": display_name(tenant), "user": user}
    if user is not None:
        context |= {"roles": role_labels(user.roles), "portals": portals_for(user.roles), "csrf": user.csrf}
    return Template(template_name="home.html", context=context, headers=PRIVATE)
