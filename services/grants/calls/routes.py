from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls import service
from services.grants.calls.models import Call
from services.grants.calls.repository import CallRepository
from services.grants.calls.rules import MANAGERS, VISIBLE_TO_EVERYONE
from services.grants.calls.schemas import CallOut, DraftCall
from shared.auth import Principal, require_roles


def to_out(call: Call) -> CallOut:
    return CallOut(id=call.id, title=call.title, status=call.status, rules_text=call.rules_text,
                   created_at=call.created_at, version=call.version)


class CallController(Controller):
    path = "/{tenant:str}/calls"
    tags = ["calls"]

    @post("/", guards=[require_roles(*MANAGERS)])
    async def draft_call(self, data: DraftCall, session: AsyncSession, principal: Principal) -> CallOut:
        return to_out(await service.draft(session, principal, data))

    @get("/")
    async def list_calls(self, session: AsyncSession, principal: Principal,
                         limit: int = Parameter(default=50, ge=1, le=200)) -> list[CallOut]:
        # Drafts are the call managers' work in progress; everyone else sees calls once published.
        statuses = None if principal.has_any(MANAGERS) else VISIBLE_TO_EVERYONE
        return [to_out(c) for c in await CallRepository(session, principal.tenant).list_with_status_in(statuses, limit)]
