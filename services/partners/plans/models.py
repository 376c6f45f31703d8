"""A plan (a cooperation agreement or a multi-year policy plan): its parties, its period and status, its signed
documents in object storage, and its results framework: objectives (nested for a multi-year plan) → actions →
indicators with a unit, a baseline, yearly targets and how each is fed."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.partners.plans.rules import Feed, ObjectiveLevel, PlanKind, PlanStatus
from shared.db import Base, stored_values


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    kind: Mapped[PlanKind] = mapped_column(stored_values(PlanKind, 30))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[PlanStatus] = mapped_column(stored_values(PlanStatus, 20), server_default="draft")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    municipalities: Mapped[list[str]] = mapped_column(ARRAY(String(10)), server_default="{}")
    """The NIS codes of the municipalities it covers: what counting rules and fact sheets look at."""
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class PlanParty(Base):
    """A party to the plan: a registered organisation, or one named only (e.g. the province itself)."""

    __tablename__ = "plan_parties"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(120), server_default="")
    position: Mapped[int] = mapped_column(Integer, server_default="0")


class PlanDocument(Base):
    """A document of the plan (the signed agreement, an annex) in object storage, with its SHA-256."""

    __tablename__ = "plan_documents"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # "signed" or "annex"
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(400))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Objective(Base):
    __tablename__ = "objectives"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"))
    level: Mapped[ObjectiveLevel] = mapped_column(stored_values(ObjectiveLevel, 20))
    code: Mapped[str] = mapped_column(String(20))  # "1", "SD2", "OD2.1"
    title: Mapped[str] = mapped_column(Text)
    remarks: Mapped[str] = mapped_column(Text, server_default="")
    """The report's "Opmerkingen" column."""
    position: Mapped[int] = mapped_column(Integer, server_default="0")


class Action(Base):
    __tablename__ = "actions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    objective_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))  # "1.1"
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, server_default="0")


class Indicator(Base):
    __tablename__ = "indicators"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(60))  # "plaatsen", "cliënten", "ton", "euro", "aantal"
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(16, 3))
    feed: Mapped[Feed] = mapped_column(stored_values(Feed, 20), server_default="entered")
    rule: Mapped[str | None] = mapped_column(String(60))
    """The CountingRule of a counted indicator (plans/rules.py); None when entered."""
    position: Mapped[int] = mapped_column(Integer, server_default="0")
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Target(Base):
    """An indicator's target for one year."""

    __tablename__ = "targets"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    indicator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 3))

    __table_args__ = (UniqueConstraint("indicator_id", "year", name="uq_targets_indicator_year"),)
