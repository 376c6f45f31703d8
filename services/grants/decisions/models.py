"""The decision on a call (besluit), a line per application with its outcome and reasons, the letter in
object storage and appeals (beroep)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.decisions.rules import AppealStatus, Outcome
from shared.db import Base, stored_values


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), unique=True)
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ranking_proposals.id"))
    reference: Mapped[str] = mapped_column(String(120))
    decided_on: Mapped[date] = mapped_column(Date)
    """The date of the decision, in Europe/Brussels, as the call manager states it (it may lie in the past)."""
    notified_on: Mapped[date] = mapped_column(Date)
    """The Brussels date, by the database clock, the decision was published and its letters written: the
    notification, from which the appeal period runs (column added by 0009)."""
    decided_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())


class DecisionLine(Base):
    __tablename__ = "decision_lines"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(stored_values(Outcome, 20))
    amount_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    rank: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    reasons: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    """The explanation steps of the fixed proposal, or the screening's reasons for an ineligible one."""


class Letter(Base):
    __tablename__ = "letters"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"))
    object_key: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())


class Appeal(Base):
    __tablename__ = "appeals"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"))
    grounds: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(stored_values(AppealStatus, 20))
    lodged_by: Mapped[str] = mapped_column(String(200))
    lodged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    outcome_reasons: Mapped[str] = mapped_column(Text, server_default="")
    handled_by: Mapped[str | None] = mapped_column(String(200))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


