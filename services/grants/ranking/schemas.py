from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from services.grants.ranking.rules import OutcomeStatus


class ThresholdOverride(msgspec.Struct, forbid_unknown_fields=True):
    position: int
    min_threshold: Decimal | None
    """null removes the criterion's threshold in the scenario."""


class ScenarioIn(msgspec.Struct, forbid_unknown_fields=True):
    """A what-if; what is left out stays as the call publishes it."""

    budget_cents: int | None = None
    thresholds: list[ThresholdOverride] = []
    tie_break: list[str] | None = None
    reasons: str = ""
    """Why (kept with a fixed proposal in the audit trail)."""


class OutcomeOut(msgspec.Struct):
    application_id: uuid.UUID
    title: str
    status: OutcomeStatus
    requested_cents: int
    amount_cents: int
    rank: int | None
    total: str | None  # decimal string, 0–100
    steps: list[str]  # the explanation, in Dutch


class RankingOut(msgspec.Struct):
    call_id: uuid.UUID
    budget_cents: int
    awarded_cents: int
    remaining_cents: int
    funding_rule: str
    tie_break: list[str]
    tie_break_rule: list[str]  # the chain in Dutch
    outcomes: list[OutcomeOut]


class ProposalOut(msgspec.Struct):
    id: uuid.UUID
    call_id: uuid.UUID
    version: int
    """The proposal's version within the call (also its ETag): a decision names it with If-Match."""
    deviations: list[str]
    """How a fixed what-if leaves the call's published rules, in Dutch; empty when it stays within them."""
    reasons: str
    fixed_by: str
    fixed_at: datetime
    inputs: dict[str, Any]
    ranking: RankingOut
