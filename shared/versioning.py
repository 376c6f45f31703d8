"""Optimistic concurrency and retries over HTTP (DESIGN §4b): the resource's `version` is its ETag; a write may
carry If-Match, and a write against an older version answers 412 instead of overwriting someone else's change.
Creating calls a client may retry take an Idempotency-Key."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

from shared.problems import BadRequest, PreconditionFailed

IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", required=False)]
"""A route parameter, None when the request has no If-Match: `if_match: IfMatch = None`."""
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", required=False)]
"""A route parameter, None when the request has no Idempotency-Key: `idempotency_key: IdempotencyKey = None`."""


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names ("3", 3 or W/"3"); None when absent or '*'."""
    if if_match is None or if_match.strip() in {"", "*"}:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadRequest(f"If-Match {if_match!r} is geen versie van deze gegevens")
    return int(raw)


def check_version(current: int, expected: int | None, what: str) -> None:
    if expected is not None and expected != current:
        raise PreconditionFailed(f"{what} werd intussen gewijzigd (versie {current}, u had versie {expected}); "
                                 "laad opnieuw en probeer nog eens", current_version=current)


def etag(version: int) -> str:
    return f'"{version}"'
