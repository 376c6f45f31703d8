"""The partner organisations of a province: the entry itself, its recognitions with their validity, what it
makes and offers by rubric (the supplier catalogue), its yearly staff figures, and the changes a partner asked
for that wait for a coordinator."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.partners.organisations.rules import ChangeStatus
from shared.db import Base, stored_values


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    enterprise_number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    municipality: Mapped[str] = mapped_column(String(120))
    """The Flemish municipality (NIS code) where it is based; shared/municipalities.py names it."""
    description: Mapped[str] = mapped_column(Text, server_default="")
    street: Mapped[str] = mapped_column(String(200), server_default="")
    postcode: Mapped[str] = mapped_column(String(4), server_default="")
    email: Mapped[str] = mapped_column(String(200), server_default="")
    phone: Mapped[str] = mapped_column(String(40), server_default="")
    website: Mapped[str] = mapped_column(String(300), server_default="")
    search_document: Mapped[str] = mapped_column(Text, server_default="")
    """What the catalogue's free text searches: name, description, municipality, rubrics and offerings,
    rewritten by the service on every change (the generated `search_vector` column indexes it, in Dutch,
    accents folded)."""
    social_economy_announced: Mapped[bool | None] = mapped_column(Boolean)
    """Whether the last event partners published of it said "social economy": a recognition that starts or ends
    with the passing of a day changes that without anyone writing (organisations/days.py announces it)."""
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    recognitions: Mapped[list[Recognition]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Recognition.valid_from",
        lazy="selectin")
    offerings: Mapped[list[Offering]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Offering.position", lazy="selectin")
    staff: Mapped[list[StaffFigure]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="StaffFigure.year", lazy="selectin")

    __table_args__ = (UniqueConstraint("tenant", "enterprise_number", name="uq_organisations_tenant_number"),)
    __mapper_args__ = {"version_id_col": version}


class Recognition(Base):
    """An erkenning (maatwerkbedrijf, LDE, arbeidszorg, …) valid from a day until a day (open-ended if none)."""

    __tablename__ = "recognitions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), server_default="")

    organisation: Mapped[Organisation] = relationship(back_populates="recognitions")


class Offering(Base):
    """A product or service it offers, under a rubric of the supplier guide."""

    __tablename__ = "offerings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    rubric: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # "product" or "service"
    description: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, server_default="0")

    organisation: Mapped[Organisation] = relationship(back_populates="offerings")


class StaffFigure(Base):
    """The staff of one year: target-group workers, supervising staff (omkadering) and FTE."""

    __tablename__ = "staff_figures"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    target_group_workers: Mapped[int] = mapped_column(Integer)
    supervising_staff: Mapped[int] = mapped_column(Integer)
    fte: Mapped[Decimal] = mapped_column(Numeric(9, 2))

    organisation: Mapped[Organisation] = relationship(back_populates="staff")

    __table_args__ = (UniqueConstraint("organisation_id", "year", name="uq_staff_figures_year"),)


class OrganisationChange(Base):
    """A partner's change to its own entry that touches its recognitions: kept with the entry before and after,
    until a coordinator approves (applied then) or refuses it with reasons."""

    __tablename__ = "organisation_changes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    status: Mapped[ChangeStatus] = mapped_column(stored_values(ChangeStatus, 20), server_default="pending")
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    before: Mapped[dict[str, Any]] = mapped_column(JSONB)
    after: Mapped[dict[str, Any]] = mapped_column(JSONB)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reasons: Mapped[str] = mapped_column(Text, server_default="")
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}
