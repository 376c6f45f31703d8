"""OpenID Connect against the tenant's Keycloak realm: authorization code with PKCE (S256), the code exchange
and refresh (server to server), the back-channel logout and the end-session redirect.

Endpoints follow Keycloak's fixed layout under the realm's issuer instead of fetching the discovery document:
one less request at start-up and no cache to invalidate; the issuer is what TokenVerifier checks anyway."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from shared.auth import TokenVerifier
from shared.i18n import _
from shared.problems import InvalidToken, Problem


class LoginFailed(Problem):
    """Keycloak refused the code or the refresh token (expired, replayed, session ended)."""

    kind, status = "unauthenticated", 401


class IdentityProviderUnavailable(Problem):
    kind, status = "unavailable", 503


def code_verifier() -> str:
    """43 characters of base64url from 32 random bytes (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(32)


def code_challenge(verifier: str) -> str:
    """S256: base64url(sha256(verifier)) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    id_token: str
    expires_in: int
    refresh_expires_in: int

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> TokenSet:
        return cls(access_token=str(body["access_token"]), refresh_token=str(body.get("refresh_token", "")),
                   id_token=str(body.get("id_token", "")), expires_in=int(body.get("expires_in", 60)),
                   refresh_expires_in=int(body.get("refresh_expires_in", 0)))


class RealmClient:
    """The gateway as the public client `client_id` of every tenant's realm."""

    def __init__(self, keycloak_url: str, client_id: str, http: httpx.AsyncClient) -> None:
        self.keycloak_url = keycloak_url.rstrip("/")
        self.client_id = client_id
        self.http = http

    def issuer(self, tenant: str) -> str:
        return f"{self.keycloak_url}/realms/{tenant}"

    def endpoint(self, tenant: str, name: str) -> str:
        return f"{self.issuer(tenant)}/protocol/openid-connect/{name}"

    def authorization_url(self, tenant: str, redirect_uri: str, state: str, nonce: str, verifier: str,
                          language: str = "nl") -> str:
        query = urlencode({
            "client_id": self.client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
            # The login page in the portal's language; the realm's theme falls back to Dutch when it lacks one.
            "ui_locales": language,
        })
        return f"{self.endpoint(tenant, 'auth')}?{query}"

    def end_session_url(self, tenant: str, post_logout_redirect_uri: str) -> str:
        """Without id_token_hint Keycloak would ask "do you want to log out?" if its session were still alive;
        the gateway ends that session first (revoke_session), so the browser comes straight back."""
        params = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        return f"{self.endpoint(tenant, 'logout')}?{urlencode(params)}"

    async def _token_request(self, tenant: str, form: dict[str, str]) -> TokenSet:
        try:
            response = await self.http.post(self.endpoint(tenant, "token"), data={"client_id": self.client_id, **form})
        except httpx.HTTPError as exc:
            raise IdentityProviderUnavailable(_("de aanmeldingsdienst is niet bereikbaar")) from exc
        if response.status_code >= 500:
            raise IdentityProviderUnavailable(_("de aanmeldingsdienst antwoordt niet correct"))
        if response.status_code != 200:
            error = response.json().get("error", "") if response.headers.get("content-type", "").startswith(
                "application/json") else ""
            raise LoginFailed(_("de aanmeldingsdienst weigerde het toegangsbewijs (%(reason)s)")
                              % {"reason": error or response.status_code})
        return TokenSet.from_response(response.json())

    async def exchange_code(self, tenant: str, code: str, redirect_uri: str, verifier: str) -> TokenSet:
        return await self._token_request(tenant, {"grant_type": "authorization_code", "code": code,
                                                  "redirect_uri": redirect_uri, "code_verifier": verifier})

    async def refresh(self, tenant: str, refresh_token: str) -> TokenSet:
        return await self._token_request(tenant, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def revoke_session(self, tenant: str, refresh_token: str) -> None:
        """Back-channel logout: ends the Keycloak session even if the browser never reaches end-session.
        Best effort: the local session is cleared whatever Keycloak answers."""
        try:
            await self.http.post(self.endpoint(tenant, "logout"),
                                 data={"client_id": self.client_id, "refresh_token": refresh_token})
        except httpx.HTTPError:
            pass


    async def remember_locale(self, tenant: str, access_token: str, language: str) -> bool:
        """Keeps the person's language in their Keycloak account (the `locale` attribute, which the login page and
        the tokens' `locale` claim follow), through the account API with their own token. Best effort: the
        session keeps the choice whatever Keycloak answers."""
        url = f"{self.issuer(tenant)}/account/"
        headers = {"authorization": f"Bearer {access_token}", "accept": "application/json"}
        try:
            current = await self.http.get(url, headers=headers)
            if current.status_code != 200:
                return False
            account = current.json()
            account["attributes"] = {**(account.get("attributes") or {}), "locale": [language]}
            saved = await self.http.post(url, headers=headers, json=account)
        except (httpx.HTTPError, ValueError):
            return False
        return saved.status_code < 300


async def verify_id_token(id_verifier: TokenVerifier, id_token: str, tenant: str, nonce: str) -> dict[str, Any]:
    """Signature, issuer, audience (our client id) and expiry through `id_verifier`; then the nonce, which binds
    the token to the login this browser started (a replayed code from another login carries another nonce)."""
    await id_verifier.verify(id_token, expected_tenant=tenant)
    claims: dict[str, Any] = jwt.decode(id_token, options={"verify_signature": False})  # verified just above
    if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise InvalidToken(_("het identiteitsbewijs hoort niet bij deze aanmelding (nonce)"))
    return claims
