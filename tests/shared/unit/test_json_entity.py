"""A related row gathered as JSON by a statement on the driver's connection comes back as the model's instance,
with the Python types the ORM would have given it (shared.db.json_entity)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Date, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import json_entity


class Base(DeclarativeBase):
    pass


class Gathered(Base):
    __tablename__ = "gathered"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on: Mapped[date] = mapped_column(Date)
    share: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    extra: Mapped[dict[str, object]] = mapped_column(JSON)


def test_json_values_come_back_as_the_columns_types() -> None:
    key = uuid.uuid4()
    row = json_entity(Gathered, {"id": str(key), "name": "begroting.pdf", "size_bytes": 5120,
                                 "at": "2026-12-04T06:03:56.219123+00:00", "on": "2026-12-04", "share": 12.5,
                                 "extra": {"a": [1]}, "not_mapped": "left out"})
    assert row.id == key
    assert row.at == datetime(2026, 12, 4, 6, 3, 56, 219123, tzinfo=UTC)
    assert row.on == date(2026, 12, 4) and row.share == Decimal("12.5")
    assert (row.name, row.size_bytes, row.extra) == ("begroting.pdf", 5120, {"a": [1]})
    assert not hasattr(row, "not_mapped")


def test_a_null_stays_none() -> None:
    row = json_entity(Gathered, {"id": str(uuid.uuid4()), "at": None})
    assert row.at is None
