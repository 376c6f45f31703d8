from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.calls.models import Call
from services.grants.calls.repository import CallRepository
from services.grants.calls.schemas import DraftCall
from shared.auth import Principal
from shared.ids import uuid7
from shared.problems import Invalid


async def draft(session: AsyncSession, principal: Principal, command: DraftCall) -> Call:
    title = command.title.strip()
    if not title:
        raise Invalid("de titel van de oproep is verplicht", field="title")
    call = Call(id=uuid7(), tenant=principal.tenant, title=title, status="draft",
                rules_text=command.rules_text, created_by=principal.subject)
    CallRepository(session, principal.tenant).add(call)
    await session.flush()
    await session.refresh(call)
    return call
