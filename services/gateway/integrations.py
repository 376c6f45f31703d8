"""Integration tokens: how a province connects its own software to Regie's API without a person's login.

A province admin creates a token for an integration (a name, the roles of that province it may act with, an
expiry of at most a year) and sees it once: `regie_<id>_<secret>`. Only the secret's SHA-256 is kept, with who
made it, when it expires, when it was revoked and when it was last used. A call with the token through the
gateway (`Authorization: Bearer regie_…` on /<tenant>/api/<service>/…) is checked here, at every call, against
that record, and goes on to the service with a short-lived token the gateway signs for it (issuer
`urn:regie:integrations:<tenant>`, the integration's roles, five minutes): the services verify it like a
realm's token, with the gateway's public key (shared.auth). A revoked or expired token is refused with 401 on
its next call.

The records live in a NATS JetStream key-value bucket (the gateway has no database). Every replica watches the
bucket and keeps its own copy, so a call costs no lookup and a revocation reaches every replica within
milliseconds. The last use is written at most once a minute per token."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
import msgspec
import nats
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import KeyWrongLastSequenceError

from shared.auth import ACCESS, INTEGRATION_CLIENT, INTEGRATION_ISSUER, ROLES, Principal, key_id
from shared.i18n import _
from shared.ids import uuid7
from shared.problems import Invalid, NotFound, Problem, Unauthenticated, WrongTenant

log = logging.getLogger("regie.gateway.integrations")

BUCKET = "INTEGRATIONS"
PREFIX = "regie_"
GRANTABLE = tuple(role for role in ROLES if role != "province-admin")
"""An integration acts with any role of its province but the admin's (it never manages tokens itself)."""
MAX_DAYS = 365
CALL_TOKEN_SECONDS = 300
"""Lifetime of the token a call goes on with: revocation is checked at every call, so this only bounds a token
that leaks from between the gateway and a service."""
LAST_USE_EVERY = 60.0


class IntegrationsUnavailable(Problem):
    kind, status = "unavailable", 503


class TokenRecord(msgspec.Struct, frozen=True):
    id: str
    tenant: str
    name: str
    roles: list[str]
    secret_sha256: str
    created_at: float
    created_by: str
    expires_at: float
    revoked_at: float | None = None
    revoked_by: str | None = None
    last_used_at: float | None = None

    def shown(self) -> dict[str, Any]:
        """What the province admin sees: never the hash."""
        return {"id": self.id, "name": self.name, "roles": self.roles, "created_at": iso(self.created_at),
                "created_by": self.created_by, "expires_at": iso(self.expires_at),
                "revoked_at": iso(self.revoked_at) if self.revoked_at else None,
                "last_used_at": iso(self.last_used_at) if self.last_used_at else None,
                "active": self.revoked_at is None and self.expires_at > time.time()}


def iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(token: str) -> tuple[str, str] | None:
    """'regie_<id>_<secret>' → (id, secret); None for anything else."""
    if not token.startswith(PREFIX):
        return None
    token_id, _sep, secret = token[len(PREFIX):].partition("_")
    if len(token_id) != 32 or not token_id.isalnum() or len(secret) < 32:
        return None
    return token_id, secret


def is_integration_token(token: str) -> bool:
    return token.startswith(PREFIX)


@dataclass
class SigningKey:
    key: Any
    kid: str

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey | None:
        if not pem.strip():
            return None
        key = load_pem_private_key(pem.encode(), password=None)
        return cls(key, key_id(key.public_key()))


class Integrations:
    """This replica's copy of the integration tokens, kept current by a watch on the bucket."""

    def __init__(self, nats_options: dict[str, Any], replicas: int, signing_pem: str, audience: str,
                 bucket: str = BUCKET) -> None:
        self.nats_options = nats_options  # nats.connect's: the servers, and this service's user
        self.bucket = bucket
        self.replicas = replicas
        self.signing = SigningKey.from_pem(signing_pem)
        self.audience = audience
        self.records: dict[str, TokenRecord] = {}
        self.kv: Any = None
        self.nc: Any = None
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.minted: dict[str, tuple[str, float]] = {}
        self.revisions: dict[str, int] = {}
        """The bucket's revision of each record as this replica last saw it: the base of its next write."""
        self.noting: set[str] = set()
        self.writing: set[asyncio.Task[None]] = set()
        """Last-use writes under way (held, so that none is collected before it ran)."""

    def start(self) -> None:
        if self.signing is not None:
            self.task = asyncio.create_task(self._run(), name="integration-tokens")

    async def _run(self) -> None:
        while True:
            if self.nc is not None:  # a watch that ended, or a failure: start over on a fresh connection
                self.ready.clear()
                await self.nc.close()
                self.nc = None
            try:
                self.nc = await nats.connect(**self.nats_options, name="gateway-integrations",
                                             max_reconnect_attempts=-1, connect_timeout=2)
                js = self.nc.jetstream()
                self.kv = await js.create_key_value(KeyValueConfig(
                    bucket=self.bucket, history=1, storage=StorageType.FILE, replicas=self.replicas))
                watcher = await self.kv.watchall()
                async for entry in watcher:
                    if entry is None:  # the initial values are in
                        self.ready.set()
                        continue
                    self._apply(entry.key, entry.value, entry.operation, entry.revision)
                log.warning("the watch on the integration tokens ended; watching again")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("integration tokens unavailable; retrying", extra={"error": str(exc)})
            await asyncio.sleep(2.0)

    def _apply(self, key: str, value: bytes | None, operation: Any, revision: int) -> None:
        token_id = key.rsplit(".", 1)[-1]
        if revision < self.revisions.get(token_id, 0):
            return  # an older state than the one this replica wrote itself
        if operation in {"DEL", "PURGE"} or not value:
            self.records.pop(token_id, None)
            self.minted.pop(token_id, None)
            return
        record = msgspec.json.decode(value, type=TokenRecord)
        self.records[token_id] = record
        self.revisions[token_id] = revision
        if record.revoked_at is not None:
            self.minted.pop(token_id, None)

    async def available(self) -> Any:
        if self.signing is None:
            raise IntegrationsUnavailable(_("koppelingen zijn op deze installatie niet ingesteld"))
        try:
            await asyncio.wait_for(self.ready.wait(), 5.0)
        except TimeoutError as exc:
            raise IntegrationsUnavailable(_("de koppelingen zijn tijdelijk niet beschikbaar")) from exc
        return self.kv

    async def _write(self, record: TokenRecord, revision: int | None) -> None:
        """Writes `record` over the state it was made from (`revision`; None: a new record), never over a change
        another replica made meanwhile: a last use written as a revocation lands must not undo it."""
        kv = await self.available()
        key, value = f"{record.tenant}.{record.id}", msgspec.json.encode(record)
        written = await (kv.create(key, value) if revision is None else kv.update(key, value, last=revision))
        self._apply(key, value, None, written)

    async def _change(self, token_id: str, change: Any) -> TokenRecord:
        """`change(record)` applied to the current record, again on a fresher one if another replica wrote first."""
        for _attempt in range(5):
            current, revision = self.records[token_id], self.revisions.get(token_id)
            changed = change(current)
            if changed is current:
                return current
            try:
                await self._write(changed, revision)
                return changed
            except KeyWrongLastSequenceError:
                entry = await self.kv.get(f"{current.tenant}.{token_id}")
                self._apply(entry.key, entry.value, entry.operation, entry.revision)
        raise IntegrationsUnavailable(_("de koppelingen zijn tijdelijk niet beschikbaar"))

    # ---- the province admin's -------------------------------------------------------------------------

    def of(self, tenant: str) -> list[TokenRecord]:
        return sorted((r for r in self.records.values() if r.tenant == tenant), key=lambda r: -r.created_at)

    async def create(self, tenant: str, admin: Principal, name: str, roles: list[str], days: int
                     ) -> tuple[TokenRecord, str]:
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise Invalid(_("geef de koppeling een naam van 1 tot 100 tekens"), field="name")
        unknown = sorted(set(roles) - set(GRANTABLE))
        if not roles or unknown:
            raise Invalid(_("kies een of meer rollen uit: %(roles)s") % {"roles": ", ".join(GRANTABLE)},
                          field="roles")
        if not 1 <= days <= MAX_DAYS:
            raise Invalid(_("een toegangsbewijs geldt 1 tot %(max)s dagen") % {"max": MAX_DAYS}, field="days")
        await self.available()
        secret = secrets.token_urlsafe(32)
        now = time.time()
        record = TokenRecord(id=uuid7().hex, tenant=tenant, name=name, roles=sorted(set(roles)),
                             secret_sha256=digest(secret), created_at=now,
                             created_by=admin.username or admin.subject, expires_at=now + days * 86400)
        await self._write(record, None)
        return record, f"{PREFIX}{record.id}_{secret}"

    async def revoke(self, tenant: str, token_id: str, admin: Principal) -> TokenRecord:
        record = self.records.get(token_id)
        if record is None or record.tenant != tenant:
            raise NotFound(_("dit toegangsbewijs bestaat niet in deze provincie"))
        await self.available()
        by = admin.username or admin.subject
        return await self._change(token_id, lambda current: current if current.revoked_at is not None else
                                  msgspec.structs.replace(current, revoked_at=time.time(), revoked_by=by))

    # ---- a call with a token ---------------------------------------------------------------------------

    async def call_token(self, token: str, tenant: str) -> str:
        """The token a call with integration token `token` goes on with; 401 for anything not valid now."""
        parsed = parse(token)
        if parsed is None:
            raise Unauthenticated(_("dit koppelingstoegangsbewijs is ongeldig"))
        await self.available()
        token_id, secret = parsed
        record = self.records.get(token_id)
        if record is None or not secrets.compare_digest(record.secret_sha256, digest(secret)):
            raise Unauthenticated(_("dit koppelingstoegangsbewijs is ongeldig"))
        now = time.time()
        if record.revoked_at is not None:
            raise Unauthenticated(_("dit koppelingstoegangsbewijs werd ingetrokken"))
        if record.expires_at <= now:
            raise Unauthenticated(_("dit koppelingstoegangsbewijs is verlopen"))
        if record.tenant != tenant:
            raise WrongTenant(_("dit toegangsbewijs hoort bij een andere provincie"))
        if (record.last_used_at is None or now - record.last_used_at > LAST_USE_EVERY) \
                and token_id not in self.noting:
            self.noting.add(token_id)  # one write at a time per token
            task = asyncio.create_task(self._used(token_id, now))
            self.writing.add(task)
            task.add_done_callback(self.writing.discard)
        minted = self.minted.get(token_id)
        if minted is not None and minted[1] - now > CALL_TOKEN_SECONDS / 2:
            return minted[0]
        return self._mint(record, now)

    async def _used(self, token_id: str, now: float) -> None:
        try:
            await self._change(token_id, lambda current: msgspec.structs.replace(current, last_used_at=now))
        except Exception as exc:  # the call went on; a later one writes it
            log.warning("last use not recorded", extra={"error": str(exc)})
        finally:
            self.noting.discard(token_id)

    def _mint(self, record: TokenRecord, now: float) -> str:
        assert self.signing is not None
        expires = min(now + CALL_TOKEN_SECONDS, record.expires_at)
        claims = {"iss": f"{INTEGRATION_ISSUER}{record.tenant}", "aud": self.audience, "typ": ACCESS,
                  "azp": INTEGRATION_CLIENT,
                  "sub": f"integration:{record.id}", "iat": int(now), "exp": int(expires),
                  "preferred_username": f"koppeling:{record.name}", "name": record.name,
                  "realm_access": {"roles": record.roles}}
        minted = jwt.encode(claims, self.signing.key, algorithm="ES256", headers={"kid": self.signing.kid})
        self.minted[record.id] = (minted, expires)
        return minted

    async def aclose(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.nc is not None:
            await self.nc.close()
