"""After award: the call's rule for payment plans, a plan per awarded application with its tranches
(schijven), the project's indicators, the progress and final reports, and the reminders sent."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.grants.awards.rules import (
    ReminderKind,
    ReportKind,
    ReportStatus,
    TrancheCondition,
    TrancheKind,
    TrancheStatus,
)
from shared.db import Base, stored_values


class AwardRuleRow(Base):
    """A call's parameters for the default plan and the reminders (rules.AwardRule; absent: the defaults)."""

    __tablename__ = "award_rules"

    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    advance_bp: Mapped[int] = mapped_column(Integer)
    interim_bp: Mapped[int] = mapped_column(Integer)
    progress_at_bp: Mapped[int] = mapped_column(Integer)
    final_months_after_end: Mapped[int] = mapped_column(Integer)
    reminder_days_before: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class AwardPlan(Base):
    """One per awarded application. `version` covers its tranches and indicators: an edit of either, or a
    payment, bumps it (under the plan's row lock)."""

    __tablename__ = "award_plans"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"))
    awarded_cents: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class Tranche(Base):
    __tablename__ = "tranches"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("award_plans.application_id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[TrancheKind] = mapped_column(stored_values(TrancheKind, 20))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    condition: Mapped[TrancheCondition] = mapped_column(stored_values(TrancheCondition, 40))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[TrancheStatus] = mapped_column(stored_values(TrancheStatus, 20))
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str] = mapped_column(String(200), server_default="")
    paid_by: Mapped[str | None] = mapped_column(String(200))


class Indicator(Base):
    __tablename__ = "award_indicators"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("award_plans.application_id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(60))
    target: Mapped[Decimal] = mapped_column(Numeric(18, 3))


class Report(Base):
    __tablename__ = "award_reports"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("award_plans.application_id"))
    kind: Mapped[ReportKind] = mapped_column(stored_values(ReportKind, 20))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ReportStatus] = mapped_column(stored_values(ReportStatus, 20))
    values: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    """indicator id → value as a decimal string."""
    narrative: Mapped[str] = mapped_column(Text, server_default="")
    attachment: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """{object_key, filename, content_type, size_bytes, sha256} of the optional attachment."""
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_reasons: Mapped[str] = mapped_column(Text, server_default="")
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class SentReminder(Base):
    """At most one reminder per report and kind: the unique key is the guarantee."""

    __tablename__ = "report_reminders"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("award_reports.id"))
    kind: Mapped[ReminderKind] = mapped_column(stored_values(ReminderKind, 20))
    recipients: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
