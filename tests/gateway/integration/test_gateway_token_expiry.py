"""A real Keycloak token seen by the verifier with a clock far in the future."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from shared.auth import TokenVerifier
from shared.problems import InvalidToken
from shared.tenancy import TENANTS


async def test_a_real_token_is_refused_once_it_has_expired(keycloak_url: str,
                                                            token_for: Callable[[str, str], str]) -> None:
    token = token_for("antwerpen", "applicant")
    now = TokenVerifier(keycloak_url, TENANTS)
    later = TokenVerifier(keycloak_url, TENANTS, clock=lambda: time.time() + 24 * 3600)
    try:
        assert (await now.verify(token, expected_tenant="antwerpen")).roles == frozenset({"applicant"})
        with pytest.raises(InvalidToken, match="verlopen"):
            await later.verify(token, expected_tenant="antwerpen")
    finally:
        await now.aclose()
        await later.aclose()
