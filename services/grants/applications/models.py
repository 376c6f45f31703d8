"""Applications (aanvragen), their co-applicants and attachments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.grants.applications.rules import ApplicationStatus, CoApplicantRole
from shared.db import Base, stored_values


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"))
    applicant_sub: Mapped[str] = mapped_column(String(100))  # the person who drafts (Keycloak subject)
    applicant_username: Mapped[str] = mapped_column(String(200))
    applicant_enterprise_number: Mapped[str] = mapped_column(String(10))
    applicant_name: Mapped[str] = mapped_column(String(300))  # the lead applicant organisation
    applicant_email: Mapped[str] = mapped_column(String(320), server_default="")
    """Where the decision letter goes: the drafting person's e-mail from their token (column added by 0004)."""
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, server_default="")
    requested_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    total_cost_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    duration_months: Mapped[int] = mapped_column(Integer, server_default="12")
    budget_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    status: Mapped[ApplicationStatus] = mapped_column(stored_values(ApplicationStatus, 20))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """What was submitted, frozen: later reads show exactly this."""
    content_hash: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the canonical JSON of the snapshot."""
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawal_reason: Mapped[str] = mapped_column(Text, server_default="")
    submit_idempotency_key: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    co_applicants: Mapped[list[CoApplicant]] = relationship(order_by="CoApplicant.created_at", lazy="selectin",
                                                            cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.uploaded_at", lazy="selectin",
                                                         cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class CoApplicant(Base):
    __tablename__ = "co_applicants"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    enterprise_number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[CoApplicantRole] = mapped_column(stored_values(CoApplicantRole, 60))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(String(200))  # username of a person of that organisation
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("application_id", "enterprise_number", name="uq_co_applicants_number"),)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))  # which required attachment it is (the call's codes)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(500))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    """A retried upload with the same Idempotency-Key returns this attachment instead of a second one."""

    __table_args__ = (UniqueConstraint("application_id", "idempotency_key", name="uq_attachments_idempotency_key"),)
