"""The registry: donors (schenkers: supermarket branches, auctions, producers, the food bank for FEAD),
recipients (voedselhulporganisaties and, for FEAD, local governments), vehicles and drivers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class Donor(Base):
    __tablename__ = "donors"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    """registry.rules.DonorKind"""
    chain: Mapped[str] = mapped_column(String(120), server_default="")
    """The chain a branch belongs to (e.g. "Colruyt"), empty for an independent donor."""
    address: Mapped[str] = mapped_column(String(500))
    """The address as one line (kept from the first version); street and postcode are its parts."""
    street: Mapped[str] = mapped_column(String(200), server_default="")
    postcode: Mapped[str] = mapped_column(String(4), server_default="")
    municipality: Mapped[str] = mapped_column(String(5), server_default="")
    """NIS code."""
    opening_hours: Mapped[str] = mapped_column(Text, server_default="")
    pickup_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    """[{"weekday": 1..7 (ISO), "from": "HH:MM", "until": "HH:MM"}]"""
    contact_name: Mapped[str] = mapped_column(String(200), server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), server_default="")
    contact_email: Mapped[str] = mapped_column(String(200), server_default="")
    instructions: Mapped[str] = mapped_column(Text, server_default="")
    """What the driver reads on arrival (dock, door, whom to ask)."""
    favv_number: Mapped[str] = mapped_column(String(40), server_default="")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Recipient(Base):
    __tablename__ = "recipients"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    """registry.rules.RecipientKind"""
    enterprise_number: Mapped[str | None] = mapped_column(String(10))
    municipality: Mapped[str] = mapped_column(String(5))
    """NIS code."""
    street: Mapped[str] = mapped_column(String(200), server_default="")
    postcode: Mapped[str] = mapped_column(String(4), server_default="")
    delivery_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    """[{"weekday": 1..7 (ISO), "from": "HH:MM", "until": "HH:MM"}]"""
    cold_storage_litres: Mapped[int] = mapped_column(Integer, server_default="0")
    freezer_litres: Mapped[int] = mapped_column(Integer, server_default="0")
    households: Mapped[int] = mapped_column(Integer, server_default="0")
    people_served: Mapped[int] = mapped_column(Integer, server_default="0")
    favv_number: Mapped[str] = mapped_column(String(40), server_default="")
    contact_name: Mapped[str] = mapped_column(String(200), server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), server_default="")
    contact_email: Mapped[str] = mapped_column(String(200), server_default="")
    instructions: Mapped[str] = mapped_column(Text, server_default="")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Vehicle(Base):
    __tablename__ = "vehicles"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    plate: Mapped[str] = mapped_column(String(20), server_default="")
    refrigerated: Mapped[bool] = mapped_column(Boolean)
    capacity_grams: Mapped[int] = mapped_column(BigInteger)
    emission_grams_per_km: Mapped[int] = mapped_column(Integer)
    """CO2-eq the van emits per km driven, in grams."""
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Driver(Base):
    __tablename__ = "drivers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(120))
    """The driver's login (the token's preferred_username, Principal.username): how the app finds its rounds."""
    phone: Mapped[str] = mapped_column(String(40), server_default="")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}
