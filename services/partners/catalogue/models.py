"""The catalogue's search index: one row per organisation with its search document and what a search filters,
orders and counts by (name, municipality, social-economy status, rubrics, offerings as rubric/kind), kept by
triggers on `organisations` and `offerings` in the same transaction as every change (partners migration 0007).

Why a table of its own, whose read policy does not name the tenant: under a policy that filters rows PostgreSQL
may not evaluate an operator that is not marked leakproof before the policy, so it never uses an index for it, and
full-text matching (`@@`) is not leakproof. On `organisations` every search was a scan of the province's whole
registry. This table holds only what each province's public catalogue shows anyone anyway (an organisation's id
and its public entry): its Row-Level Security (partners migration 0009) lets any province's entries be read and
only the transaction's province's be written; every query on it names the tenant, and the organisations of a page
are read from `organisations`, under its policy."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class CatalogueEntry(Base):
    __tablename__ = "catalogue_index"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    search_document: Mapped[str] = mapped_column(Text)
    search_vector: Mapped[str] = mapped_column(TSVECTOR, insert_default=None, server_default=None)
    name: Mapped[str] = mapped_column(Text)
    municipality: Mapped[str] = mapped_column(Text)
    social_economy: Mapped[bool] = mapped_column(Boolean)
    """By kind or by a recognition valid today, as partners last announced it (organisations/days.py)."""
    rubrics: Mapped[list[str]] = mapped_column(ARRAY(Text))
    offers: Mapped[list[str]] = mapped_column(ARRAY(Text))
    """Its offerings as "rubric/kind" (catering/product)."""
