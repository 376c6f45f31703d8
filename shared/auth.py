"""Token verification and role guards.

Each province is a Keycloak realm; a token's issuer names its tenant. Services verify every token themselves
(defence in depth behind the gateway): signature against the realm's JWKS (cached; an unknown key id makes
one refresh, so key rotation works without a restart), issuer, audience, expiry. A token is valid only on
its own tenant's URLs."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, Scopes

from shared import enterprise_number
from shared.i18n import _
from shared.logs import tenant_var
from shared.problems import Forbidden, InvalidToken, NotFound, Unauthenticated, Unavailable, WrongTenant
from shared.requests import header
from shared.tenancy import is_tenant
from shared.tls import default_client_context

ROLES = ("applicant", "juror", "call-manager", "partner", "coordinator", "driver", "province-admin")
log = logging.getLogger("regie.auth")
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256")
INTEGRATION_ISSUER = "urn:regie:integrations:"
INTEGRATION_CLIENT = "regie-integrations"
"""The `azp` of the gateway's integration tokens."""
ACCESS = "Bearer"
"""Keycloak's `typ` of an access token (an ID token is "ID", a refresh token "Refresh")."""
"""Issuer prefix of the short-lived tokens the gateway makes for a call with a province's integration token
(services.gateway.integrations): `urn:regie:integrations:<tenant>`, signed with the gateway's integration key."""


def key_id(public_key: Any) -> str:
    """An integration key's id (the `kid` of the tokens it signs): its SHA-256 thumbprint, shortened."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()[:32]


def integration_keys(pem_text: str) -> dict[str, Any]:
    """{key id: public key} from one or more PEM public keys."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    keys: dict[str, Any] = {}
    for block in pem_text.split("-----END PUBLIC KEY-----"):
        if "-----BEGIN PUBLIC KEY-----" not in block:
            continue
        key = load_pem_public_key((block.strip() + "\n-----END PUBLIC KEY-----\n").encode())
        keys[key_id(key)] = key
    return keys


@dataclass(frozen=True)
class Principal:
    subject: str
    tenant: str
    roles: frozenset[str]
    username: str = ""
    name: str = ""
    email: str = ""
    enterprise_number: str | None = None
    token: str = field(default="", repr=False)

    def has_any(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)


def _check_tenant(issued_by: str, expected: str | None) -> None:
    """A token of another province's realm is refused where a province is expected."""
    if expected is not None and issued_by != expected:
        raise WrongTenant(_("dit toegangsbewijs is uitgereikt door %(issuer)s, niet door %(expected)s")
                          % {"issuer": issued_by, "expected": expected})


class TokenVerifier:
    """Verifies the realms' tokens (and the gateway's integration tokens) for one audience: signature with the
    realm's published key, issuer, audience, times, type (`typ`: an access token, or an ID token for the
    gateway's login) and the client it was issued to (`azp`). The realms' key sets are cached for at most
    `max_key_age_seconds`, and so is a verified token: a key removed from a realm stops working within that
    time. A key set that cannot be fetched answers 503, and is not asked for again within
    `min_refresh_seconds`."""

    def __init__(self, keycloak_url: str, tenants: Iterable[str], *, audience: str = "regie-api",
                 leeway_seconds: int = 30, min_refresh_seconds: float = 10.0, max_key_age_seconds: float = 300.0,
                 clock: Callable[[], float] = time.time, http: httpx.AsyncClient | None = None,
                 integration_public_keys: str = "", token_type: str = ACCESS,
                 clients: Iterable[str] = ("regie-portal", "regie-cli")) -> None:
        self.keycloak_url = keycloak_url.rstrip("/")
        self.max_key_age = max_key_age_seconds
        self.token_type = token_type
        self.clients = frozenset(clients)
        self._failed_at: dict[str, float] = {}
        self.integration = integration_keys(integration_public_keys)
        self.tenants = frozenset(tenants)
        self.audience = audience
        self.leeway = leeway_seconds
        self.min_refresh = min_refresh_seconds
        self.clock = clock
        self._http = http
        self._keys: dict[str, dict[str, Any]] = {}  # tenant -> kid -> key
        self._fetched_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._verified: OrderedDict[str, tuple[Principal, float, float | None, float]] = OrderedDict()
        """token → (principal, expires, not before, when verified: time.monotonic())"""

    @property
    def http(self) -> httpx.AsyncClient:
        """Made on the first key fetch, with the process's one TLS context (shared.tls.default_client_context)."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0, verify=default_client_context())
        return self._http

    def issuer(self, tenant: str) -> str:
        return f"{self.keycloak_url}/realms/{tenant}"

    def tenant_of_issuer(self, issuer: str) -> str | None:
        prefix = f"{self.keycloak_url}/realms/"
        if issuer.startswith(INTEGRATION_ISSUER) and self.integration:
            prefix = INTEGRATION_ISSUER
        if not issuer.startswith(prefix):
            return None
        tenant = issuer[len(prefix):]
        return tenant if tenant in self.tenants else None

    async def _refresh(self, tenant: str) -> None:
        lock = self._locks.setdefault(tenant, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            last = self._fetched_at.get(tenant)
            if last is not None and now - last < self.min_refresh:
                return
            failed = self._failed_at.get(tenant)
            if failed is not None and now - failed < self.min_refresh:
                raise Unavailable(_("de sleutels van de provincie zijn even niet op te halen; probeer het zo opnieuw"))
            try:
                response = await self.http.get(f"{self.issuer(tenant)}/protocol/openid-connect/certs")
                response.raise_for_status()
                published = response.json().get("keys", [])
            except (httpx.HTTPError, ValueError, AttributeError) as exc:
                self._failed_at[tenant] = time.monotonic()
                log.warning("realm keys not fetched", extra={"tenant": tenant, "error": f"{type(exc).__name__}: {exc}"})
                raise Unavailable(_("de sleutels van de provincie zijn even niet op te halen; probeer het zo "
                                    "opnieuw")) from exc
            keys: dict[str, Any] = {}
            for jwk in published:
                if jwk.get("use", "sig") != "sig" or "kid" not in jwk:
                    continue
                algorithm = ECAlgorithm if jwk.get("kty") == "EC" else RSAAlgorithm
                keys[jwk["kid"]] = algorithm.from_jwk(json.dumps(jwk))
            self._keys[tenant] = keys
            self._fetched_at[tenant] = time.monotonic()
            self._failed_at.pop(tenant, None)

    def _stale(self, tenant: str) -> bool:
        fetched = self._fetched_at.get(tenant)
        return fetched is None or time.monotonic() - fetched >= self.max_key_age

    async def _key(self, tenant: str, kid: str) -> Any:
        if self._stale(tenant):
            try:
                await self._refresh(tenant)
            except Unavailable:
                if tenant not in self._keys:
                    raise
                # Keycloak out of reach: the keys it published last go on serving until it answers again.
        key = self._keys.get(tenant, {}).get(kid)
        if key is None:
            await self._refresh(tenant)
            key = self._keys.get(tenant, {}).get(kid)
        if key is None:
            raise InvalidToken(_("het toegangsbewijs is ondertekend met een onbekende sleutel"))
        return key

    VERIFIED = 4096
    """How many verified tokens are remembered (least recently used go first)."""

    async def verify(self, token: str, expected_tenant: str | None = None) -> Principal:
        """The principal a token names, once its signature, issuer, audience and times check out. A token seen
        before skips the parsing and the signature (a token is the same bytes with the same signature until it
        expires); its province and its times are checked at every use."""
        seen = self._verified.get(token)
        if seen is not None and time.monotonic() - seen[3] < self.max_key_age:
            principal, expires, not_before, _verified_at = seen
            self._verified.move_to_end(token)
            _check_tenant(principal.tenant, expected_tenant)
            self._check_times(expires, not_before)
            return principal
        principal, expires, not_before = await self._verify(token, expected_tenant)
        self._verified[token] = (principal, expires, not_before, time.monotonic())
        self._verified.move_to_end(token)
        while len(self._verified) > self.VERIFIED:
            self._verified.popitem(last=False)
        return principal

    def kept_until(self, token: str, expected_tenant: str) -> float | None:
        """Until when (time.monotonic) `verify` would answer for a token verified before, for `expected_tenant`,
        without waiting for anything: the end of its times or of the keeping of its key, whichever comes first.
        None when `verify` has more to do or would refuse (the caller then awaits `verify`, which answers or
        raises)."""
        seen = self._verified.get(token)
        if seen is None:
            return None
        principal, expires, not_before, verified_at = seen
        now, monotonic = self.clock(), time.monotonic()
        until = min(verified_at + self.max_key_age, monotonic + expires + self.leeway - now)
        if (principal.tenant != expected_tenant or until <= monotonic
                or (not_before is not None and not_before > now + self.leeway)):
            return None
        self._verified.move_to_end(token)
        return until

    def _check_times(self, expires: float, not_before: float | None) -> None:
        now = self.clock()
        if expires < now - self.leeway:
            raise InvalidToken(_("het toegangsbewijs is verlopen"))
        if not_before is not None and not_before > now + self.leeway:
            raise InvalidToken(_("het toegangsbewijs is nog niet geldig"))

    async def _verify(self, token: str, expected_tenant: str | None) -> tuple[Principal, float, float | None]:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise InvalidToken(_("het toegangsbewijs is geen geldig JWT")) from exc
        tenant = self.tenant_of_issuer(str(unverified.get("iss", "")))
        if tenant is None:
            raise InvalidToken(_("het toegangsbewijs komt niet van een gekende provincie"))
        _check_tenant(tenant, expected_tenant)
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken(_("niet-toegelaten ondertekeningsalgoritme"))
        issuer = str(unverified.get("iss", ""))
        if issuer.startswith(INTEGRATION_ISSUER):
            key = self.integration.get(str(header.get("kid", "")))
            if key is None:
                raise InvalidToken(_("het toegangsbewijs is ondertekend met een onbekende sleutel"))
        else:
            key = await self._key(tenant, str(header.get("kid", "")))
        try:
            # Expiry is checked below against our own clock, which tests can move.
            claims = jwt.decode(token, key=key, algorithms=[header["alg"]], audience=self.audience,
                                issuer=issuer if issuer.startswith(INTEGRATION_ISSUER) else self.issuer(tenant),
                                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                         "require": ["exp", "iss", "sub"]})
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken(_("het toegangsbewijs is niet bestemd voor Regie")) from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(_("de handtekening van het toegangsbewijs klopt niet")) from exc
        self._check_kind(claims, integration=issuer.startswith(INTEGRATION_ISSUER))
        expires = float(claims["exp"])
        not_before = float(claims["nbf"]) if "nbf" in claims else None
        self._check_times(expires, not_before)
        roles = frozenset(r for r in claims.get("realm_access", {}).get("roles", []) if r in ROLES)
        return Principal(
            subject=str(claims["sub"]),
            tenant=tenant,
            roles=roles,
            username=str(claims.get("preferred_username", "")),
            name=str(claims.get("name", "")),
            email=str(claims.get("email", "")),
            enterprise_number=organisation_of(claims.get("enterprise_number")),
            token=token,
        ), expires, not_before

    def _check_kind(self, claims: dict[str, Any], *, integration: bool) -> None:
        """An access token of a known client (or the ID token the gateway's login asks for): never a refresh
        token, nor a token a client of the realm got for itself."""
        if claims.get("typ") != self.token_type:
            raise InvalidToken(_("dit is geen toegangsbewijs (maar een %(kind)s)") % {"kind": claims.get("typ", "?")})
        clients = {INTEGRATION_CLIENT} if integration else self.clients
        if claims.get("azp") not in clients:
            raise InvalidToken(_("het toegangsbewijs is uitgereikt aan een onbekende toepassing"))

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()


def organisation_of(claim: object) -> str | None:
    """The enterprise number a token names, as the ten digits every table stores (any KBO notation in the
    claim: BE0123.456.749, 123456749 …); None when the token names none. A claim that is no enterprise number
    is refused with 403: the account cannot act for an organisation, and comparing the raw text with stored
    numbers would quietly match nothing (or, in a conflict check, miss one)."""
    if claim is None or (isinstance(claim, str) and not claim.strip()):
        return None
    if not isinstance(claim, str | int) or isinstance(claim, bool):
        raise Forbidden(_("het ondernemingsnummer in uw toegangsbewijs is geen ondernemingsnummer; vraag de "
                          "beheerder van uw account het te verbeteren"))
    try:
        return enterprise_number.normalise(str(claim))
    except enterprise_number.InvalidEnterpriseNumber as exc:
        raise Forbidden(_("het ondernemingsnummer in uw toegangsbewijs is ongeldig (%(reason)s); vraag de beheerder "
                          "van uw account het te verbeteren") % {"reason": exc}, reason=exc.reason) from exc


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class TenantAuthMiddleware(AbstractAuthenticationMiddleware):
    """Services' routes are /<tenant>/…: the bearer token must be valid and issued by that tenant's realm.
    Sets connection.user to the Principal and the tenant into the log context."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, exclude: list[str] | None = None,
                 scopes: Scopes | None = None) -> None:
        super().__init__(app, exclude=exclude, scopes=scopes)
        self.verifier = verifier

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        tenant = connection.scope["path"].strip("/").split("/", 1)[0]
        if not is_tenant(tenant):
            raise NotFound(_("onbekende provincie %(tenant)r") % {"tenant": tenant})
        token = bearer_token(header(connection.scope, b"authorization"))  # not .headers: a parse of them all
        if token is None:
            raise Unauthenticated(_("een Bearer-toegangsbewijs is vereist"))
        principal = await self.verifier.verify(token, expected_tenant=tenant)
        tenant_var.set(tenant)
        return AuthenticationResult(user=principal, auth=token)


def require_roles(*roles: str) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A route guard: the principal must hold at least one of `roles`. A coroutine function, though it awaits
    nothing: Litestar runs a plain function guard in a worker thread, a hop per request for a set lookup."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        principal: Principal = connection.user
        if not principal.has_any(roles):
            raise Forbidden(_("deze handeling vraagt een van de rollen: %(roles)s") % {"roles": ", ".join(roles)})

    guard.__name__ = f"require_{'_or_'.join(r.replace('-', '_') for r in roles)}"
    return guard
