"""What a notice is: who it is for."""

from __future__ import annotations

from enum import StrEnum


class RecipientKind(StrEnum):
    """Who a notice is for: a person by username, or everyone of an organisation by enterprise number."""

    USER = "user"
    ORGANISATION = "organisation"
