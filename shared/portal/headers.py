"""What the gateway and a service's portal pages say to each other in headers.

The gateway owns the browser session; a service is stateless. So the gateway forwards, with every page
request, the session's CSRF token (to render into forms: the gateway checks it on every form post before
forwarding) and the flash message a previous answer left; a service answers a form post with the flash
message for the next page in a response header, which the gateway keeps in the session and never passes on
to the browser."""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import quote, unquote

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
"""The hidden form field every page form carries (first, so that a multipart upload can be checked before
its file is read)."""
FLASH_HEADER = "x-portal-flash"
FlashKind = Literal["ok", "error"]


def encode_flash(text: str, kind: FlashKind = "ok") -> str:
    """A header value is ASCII: the message goes percent-encoded."""
    return quote(json.dumps({"text": text, "kind": kind}, ensure_ascii=False), safe="")


def decode_flash(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    try:
        found = json.loads(unquote(value))
    except ValueError:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("text"), str):
        return None
    return {"text": found["text"], "kind": "error" if found.get("kind") == "error" else "ok"}
