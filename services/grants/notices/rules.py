"""What a notice is: who it is for."""

from __future__ import annotations

from enum import StrEnum

from shared.i18n import N_


class RecipientKind(StrEnum):
    """Who a notice is for: a person by username, or everyone of an organisation by enterprise number."""

    USER = "user"
    ORGANISATION = "organisation"


# --- what a refused write means to a person -------------------------------------------------------------

CONSTRAINT_REASONS: dict[str, str] = {
    # {constraint or unique index: the Dutch reason}: the loser of two concurrent requests is answered 409 with
    # this (services.grants.app gathers every capability's; shared.problems answers).
    "uq_notices_dedupe": N_("dit bericht werd al bezorgd"),
}
