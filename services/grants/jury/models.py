"""The jury of a call: its members, who scores what, conflicts of interest, reviews with their scores, and
the chair's consensus after the meeting."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.grants.jury.rules import ReviewStatus
from shared.db import Base, stored_values


class JuryVersions(Base):
    """The versions of what a call manager fixes for the whole call: the jury's composition and the
    assignments (If-Match on each). No row: both are at version 1, as first read."""

    __tablename__ = "jury_versions"

    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    composition_version: Mapped[int] = mapped_column(Integer, server_default="1")
    assignments_version: Mapped[int] = mapped_column(Integer, server_default="1")


class JuryMember(Base):
    __tablename__ = "jury_members"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(200))  # Keycloak preferred_username in the tenant's realm
    name: Mapped[str] = mapped_column(String(300))
    enterprise_number: Mapped[str | None] = mapped_column(String(10))
    """The organisation the juror works for: equal to an applicant's or co-applicant's number is a conflict."""
    is_chair: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("call_id", "username", name="uq_jury_members_call_username"),)


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("application_id", "username", name="uq_assignments_application_username"),)


class ConflictDeclaration(Base):
    __tablename__ = "conflict_declarations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(200))
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, server_default="")
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("application_id", "username",
                                       name="uq_conflict_declarations_application_username"),)


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(200))
    status: Mapped[ReviewStatus] = mapped_column(stored_values(ReviewStatus, 20))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    weighted_total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # set on submit
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    scores: Mapped[list[ReviewScore]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("application_id", "username", name="uq_reviews_application_username"),)
    __mapper_args__ = {"version_id_col": version}


class ReviewScore(Base):
    __tablename__ = "review_scores"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    justification: Mapped[str] = mapped_column(Text, server_default="")
    """May be empty in a draft; a submitted review has one for every criterion."""

    __table_args__ = (UniqueConstraint("review_id", "criterion_id", name="uq_review_scores_review_criterion"),)


class Consensus(Base):
    __tablename__ = "consensus"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"),
                                                      primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    scores: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """{criterion_id: "7.50"}: decimal strings, so that no float ever touches a score."""
    weighted_total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    minutes: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}
