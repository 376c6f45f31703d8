"""grants' read model of the partners registry: what eligibility needs to know of an organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class KnownOrganisation(Base):
    __tablename__ = "known_organisations"

    tenant: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_number: Mapped[str] = mapped_column(String(10), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    social_economy: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
