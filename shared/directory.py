"""A realm's people as the notices' e-mail needs them: address, language and organisation, by username, by
organisation (the `enterprise_number` attribute) or by role. Read from Keycloak's admin API with the realm's
`regie-directory` client (client credentials; its service account may only view users and the realm), for the
people a notice is for whom grants has not yet seen on a portal page (shared.notices.models.NoticePerson).

Keycloak is not one of the platform's services: like the key sets the tokens are checked with, it is read over
HTTP. A directory out of reach costs the e-mails of those people, never the notice."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.cache import BriefCache
from shared.settings import env_str
from shared.tls import default_client_context

log = logging.getLogger("regie.directory")
CLIENT_ID = "regie-directory"
MAX_MEMBERS = 500


@dataclass(frozen=True)
class DirectorySettings:
    client_secret: str = field(default_factory=lambda: env_str("REGIE_DIRECTORY_CLIENT_SECRET", ""))
    """The realms' regie-directory client's secret; empty: no directory (only people seen on a page get e-mail)."""


@dataclass(frozen=True)
class Person:
    username: str
    email: str
    language: str
    enterprise_number: str


def person(user: dict[str, Any]) -> Person:
    attributes = user.get("attributes") or {}

    def first(name: str) -> str:
        values = attributes.get(name) or [""]
        return str(values[0])

    return Person(username=str(user.get("username", "")), email=str(user.get("email") or ""),
                  language=first("locale") or "nl", enterprise_number=first("enterprise_number"))


TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}
"""The directory client's access tokens by (Keycloak, realm, secret), until 15 s before they expire: shared by the
Directory made for each notice, which otherwise asked Keycloak for a new token every time."""


ANSWERS = BriefCache(ttl=60.0, size=2048)
"""The directory's answers, a minute each: a changed address or language reaches the e-mails within a minute."""


class Directory:
    def __init__(self, keycloak_url: str, client_secret: str, http: httpx.AsyncClient | None = None) -> None:
        """`http`: the client to ask Keycloak with; None: one is opened for a question the kept answers
        (ANSWERS) do not have, and closed after it. A Directory is made for each notice and most of them are
        answered from what is kept: making an HTTP client for each (its proxy settings read from the
        environment, its connection pool) cost about 0.3 ms of the 3.7 ms of CPU a notice cost (bench/README.md)."""
        self.keycloak_url = keycloak_url.rstrip("/")
        self.client_secret = client_secret
        self.http = http

    @property
    def enabled(self) -> bool:
        return bool(self.client_secret)

    async def _token(self, http: httpx.AsyncClient, tenant: str, *, fresh: bool = False) -> str:
        key = (self.keycloak_url, tenant, self.client_secret)
        cached = TOKENS.get(key)
        if cached is not None and cached[1] > time.monotonic() and not fresh:
            return cached[0]
        answer = await http.post(f"{self.keycloak_url}/realms/{tenant}/protocol/openid-connect/token", data={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": self.client_secret})
        answer.raise_for_status()
        body = answer.json()
        TOKENS[key] = (body["access_token"], time.monotonic() + float(body.get("expires_in", 60)) - 15)
        return str(body["access_token"])

    async def _users(self, tenant: str, path: str, params: dict[str, Any]) -> list[Person]:
        """Kept for a minute (ANSWERS): an applicant's receipt, a juror's assignments and the coordinators of a
        busy call ask for the same people again and again, and each question cost Keycloak about as much CPU as the
        submission it followed cost grants (its admin API reads the users with their attributes)."""
        key = (self.keycloak_url, tenant, self.client_secret, path, tuple(sorted(params.items())))

        async def asked() -> list[Person]:
            return await self._users_now(tenant, path, params)

        return list(await ANSWERS.get(key, asked))

    async def _users_now(self, tenant: str, path: str, params: dict[str, Any]) -> list[Person]:
        if self.http is not None:
            return await self._ask(self.http, tenant, path, params)
        async with httpx.AsyncClient(timeout=5.0, verify=default_client_context()) as http:
            return await self._ask(http, tenant, path, params)

    async def _ask(self, http: httpx.AsyncClient, tenant: str, path: str, params: dict[str, Any]) -> list[Person]:
        url = f"{self.keycloak_url}/admin/realms/{tenant}/{path}"
        params = {"briefRepresentation": "false", **params}
        answer = await http.get(url, params=params,
                                headers={"Authorization": f"Bearer {await self._token(http, tenant)}"})
        if answer.status_code == 401:  # a kept token the realm no longer takes (its keys rotated, a session ended)
            answer = await http.get(url, params=params, headers={
                "Authorization": f"Bearer {await self._token(http, tenant, fresh=True)}"})
        answer.raise_for_status()
        return [person(user) for user in answer.json() if user.get("enabled", True)]

    async def people(self, tenant: str, *, users: Iterable[str] = (), organisations: Iterable[str] = (),
                     roles: Iterable[str] = ()) -> list[Person]:
        """Everyone of the realm named, of the organisations or holding the roles (each once); [] when the
        directory is off or out of reach (logged)."""
        if not self.enabled:
            return []
        found: dict[str, Person] = {}
        try:
            for username in users:
                for one in await self._users(tenant, "users", {"username": username, "exact": "true"}):
                    found.setdefault(one.username, one)
            for number in organisations:
                for one in await self._users(tenant, "users", {"q": f"enterprise_number:{number}",
                                                               "max": MAX_MEMBERS}):
                    found.setdefault(one.username, one)
            for role in roles:
                for one in await self._users(tenant, f"roles/{role}/users", {"first": 0, "max": MAX_MEMBERS}):
                    found.setdefault(one.username, one)
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.warning("the realm's directory is out of reach: e-mail only to people seen before",
                        extra={"tenant": tenant, "error": f"{type(exc).__name__}: {exc}"})
            return []
        return sorted(found.values(), key=lambda p: p.username)
