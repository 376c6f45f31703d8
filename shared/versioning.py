"""Optimistic concurrency and retries over HTTP (DESIGN §4b): the resource's `version` is its ETag; a write to
a versioned resource must carry If-Match with the version the writer read (428 without it), and a write against
an older version answers 412 instead of overwriting someone else's change. Creating calls a client may retry
take an Idempotency-Key (`shared.idempotency`)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

from shared.i18n import _
from shared.problems import BadRequest, PreconditionFailed, PreconditionRequired

IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", required=False)]
"""A route parameter, None when the request has no If-Match: `if_match: IfMatch = None`; `expected_version`
turns a missing one into 428, so the rule lives here once (the header stays optional to the framework, which
would otherwise answer a bare 400)."""
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", required=False)]
"""A route parameter, None when the request has no Idempotency-Key: `idempotency_key: IdempotencyKey = None`."""

ANY_VERSION = "*"


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names ("3", 3 or W/"3"). Required: without it the write is refused with
    428 (RFC 6585), so that nobody overwrites a change they never saw. `*` (any current version, RFC 9110) is
    the writer's explicit choice to overwrite and gives None; a resource not written yet has version 0 for a
    first save that must not overwrite a concurrent one."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            _("deze wijziging vraagt de versie die u het laatst las: stuur de ETag van die lezing mee als "
              "If-Match-header (bv. If-Match: \"3\")"))
    if if_match.strip() == ANY_VERSION:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadRequest(_("If-Match %(value)r is geen versie van deze gegevens") % {"value": if_match})
    return int(raw)


def check_version(current: int, expected: int | None, what: str) -> None:
    """412 when the writer read another version than the current one (None: the writer chose `*`)."""
    if expected is not None and expected != current:
        raise PreconditionFailed(_("%(what)s werd intussen gewijzigd (versie %(current)s, u had versie %(expected)s); "
                                   "laad opnieuw en probeer nog eens")
                                 % {"what": what, "current": current, "expected": expected}, current_version=current)


def etag(version: int) -> str:
    return f'"{version}"'
