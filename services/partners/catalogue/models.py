"""The catalogue's search index: one row per organisation with its search document, kept by a trigger on
`organisations` in the same transaction as every change.

Why a table of its own, without Row-Level Security: under RLS PostgreSQL may not evaluate an operator that is not
marked leakproof before the policy, so it never uses an index for it, and full-text matching (`@@`) is not
leakproof. On `organisations` every search was a scan of the province's whole registry. This table holds only what
the public catalogue shows anyway (an organisation's id and the words of its public entry); every query on it names
the tenant, and the organisations it finds are read from `organisations`, under its policy."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class CatalogueEntry(Base):
    __tablename__ = "catalogue_index"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(40))
    search_document: Mapped[str] = mapped_column(Text)
    search_vector: Mapped[str] = mapped_column(TSVECTOR, insert_default=None, server_default=None)
