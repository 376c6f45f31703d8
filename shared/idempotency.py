"""Keyed retries of a request (DESIGN §4b; the IETF Idempotency-Key header): the key, the hash of the request it
came with and the first answer are kept, per tenant and person. A retry with the same key and the same request
gets the first answer again, whatever happened since; the same key on another request (another body, another
resource) is refused with 422 and changes nothing.

The key is claimed in the request's own transaction, before the work: a concurrent retry waits on the claim
until the first one commits and then reads its answer; when the first one fails, its claim rolls back with it
and the retry does the work itself. Only answers that committed are kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response
from sqlalchemy import DateTime, Integer, String, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base
from shared.i18n import _
from shared.isolation import tenant_isolation
from shared.problems import Invalid

MAX_KEY_LENGTH = 200
KEPT_HEADERS = ("etag", "location")


class IdempotentRequest(Base):
    __tablename__ = "idempotent_requests"

    tenant: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(100), primary_key=True)
    """Whose key it is (the token's subject): one person's keys never answer another's requests."""
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the method, the path with its query and the body (`request_hash`)."""
    status_code: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[Any | None] = mapped_column(JSONB)
    headers: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())


def create_table() -> None:
    """In a service's migration: the table, with its tenant policy and the request role's grants."""
    from alembic import op

    Base.metadata.create_all(op.get_bind(), tables=[Base.metadata.tables[IdempotentRequest.__tablename__]])
    for statement in tenant_isolation(IdempotentRequest.__tablename__):
        op.execute(statement)


def request_hash(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests the same: method, path, query string and the body's bytes."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode()):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class KeyedRequest:
    """A request that came with an Idempotency-Key: either its first answer to give again (`replay`) or the
    claim to `remember` its answer under."""

    tenant: str
    subject: str
    key: str
    replay: Response[Any] | None


async def claim(session: AsyncSession, *, tenant: str, subject: str, key: str | None,
                fingerprint: str) -> KeyedRequest | None:
    """None without a key. With one: its first answer when the same request came before, else the claim
    (waits for a concurrent request with the same key to end). 422 when the key came with another request."""
    if key is None or not key.strip():
        return None
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise Invalid(_("de Idempotency-Key is langer dan %(max)s tekens") % {"max": MAX_KEY_LENGTH},
                      field="Idempotency-Key")
    claimed = await session.scalar(
        insert(IdempotentRequest)
        .values(tenant=tenant, subject=subject, idempotency_key=key, request_hash=fingerprint)
        .on_conflict_do_nothing()
        .returning(IdempotentRequest.idempotency_key))
    if claimed is not None:
        return KeyedRequest(tenant, subject, key, None)
    earlier = await session.scalar(
        select(IdempotentRequest)
        .where(IdempotentRequest.tenant == tenant, IdempotentRequest.subject == subject,
               IdempotentRequest.idempotency_key == key)
        .execution_options(populate_existing=True))
    assert earlier is not None  # the conflicting claim committed: it is there to read
    if earlier.request_hash != fingerprint:
        raise Invalid(_("deze Idempotency-Key werd al gebruikt voor een andere aanvraag (een andere inhoud of een "
                        "ander adres); gebruik een nieuwe sleutel voor een nieuwe aanvraag"), field="Idempotency-Key")
    assert earlier.status_code is not None  # a claim is only committed together with its answer
    return KeyedRequest(tenant, subject, key, Response(earlier.answer, status_code=earlier.status_code,
                                                       headers=dict(earlier.headers)))


async def claim_request(session: AsyncSession, request: Request[Any, Any, Any], *, tenant: str, subject: str,
                        key: str | None) -> KeyedRequest | None:
    """`claim` for a request as it came: its method, path, query string and body make its fingerprint."""
    if key is None or not key.strip():
        return None
    fingerprint = request_hash(request.method, request.url.path, request.url.query, await request.body())
    return await claim(session, tenant=tenant, subject=subject, key=key, fingerprint=fingerprint)


async def remember(session: AsyncSession, keyed: KeyedRequest | None, response: Response[Any]) -> Response[Any]:
    """Keeps the answer under the claimed key (in the request's transaction: it commits with the work);
    returns the response unchanged."""
    if keyed is None:
        return response
    row = await session.get(IdempotentRequest, (keyed.tenant, keyed.subject, keyed.key))
    assert row is not None
    row.status_code = response.status_code
    row.answer = msgspec.to_builtins(response.content)
    row.headers = {name: value for name, value in response.headers.items() if name.lower() in KEPT_HEADERS}
    await session.flush()
    return response
