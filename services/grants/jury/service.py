"""Jury use cases: composition, assignment, conflicts, reviews, consensus; and what ranking reads."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession


async def final_scores(session: AsyncSession, tenant: str,
                       call_id: uuid.UUID) -> dict[uuid.UUID, dict[uuid.UUID, Decimal]]:
    """The score per criterion that ranking uses, per application of the call:
    {application_id: {criterion_id: score}}.

    Per application: the chair's consensus scores where a consensus is recorded (all its criteria);
    otherwise the mean of the SUBMITTED reviews' scores per criterion (Decimal, not rounded; drafts never
    count). Applications without consensus and without any submitted review are absent. Weighted totals:
    `services.grants.jury.rules.weighted_total(scores, {c.id: c for c in call.criteria})`.
    """
    raise NotImplementedError


async def juror_scores(session: AsyncSession, tenant: str,
                       call_id: uuid.UUID) -> dict[uuid.UUID, dict[str, dict[uuid.UUID, Decimal]]]:
    """Each juror's raw submitted scores, for explanations: {application_id: {username: {criterion_id:
    score}}}. Only submitted reviews."""
    raise NotImplementedError
