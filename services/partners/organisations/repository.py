"""Every query on organisations and the changes waiting for approval, each from the tenant-scoped base
statement."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ColumnElement, exists, func, or_, select

from services.partners.organisations.models import Organisation, OrganisationChange, Recognition
from services.partners.organisations.rules import SOCIAL_ECONOMY_KINDS, SOCIAL_ECONOMY_RECOGNITIONS, ChangeStatus
from shared.db import TenantRepository
from shared.reads import Row, TenantReads

ONE_ORGANISATION = """
    SELECT o.*,
           ARRAY(SELECT r FROM recognitions r WHERE r.organisation_id = o.id ORDER BY r.valid_from) AS recognitions,
           ARRAY(SELECT f FROM offerings f WHERE f.organisation_id = o.id ORDER BY f.position) AS offerings,
           ARRAY(SELECT s FROM staff_figures s WHERE s.organisation_id = o.id ORDER BY s.year) AS staff,
           (SELECT c FROM organisation_changes c WHERE c.organisation_id = o.id AND c.status = 'pending'
            LIMIT 1) AS pending_change
    FROM organisations o WHERE o.id = $1"""
"""An organisation with its recognitions, offerings, staff figures and the change waiting for approval, in the
orders the ORM's relationships give them (models.Organisation): one statement, one snapshot."""


async def read_organisation(reads: TenantReads, tenant: str, organisation_id: uuid.UUID) -> Row | None:
    """The hot read of one entry (shared/reads.py), for the API's GET by id: what `get` and `pending_change_of`
    load through the ORM, in one round trip."""
    return await reads.one(tenant, ONE_ORGANISATION, organisation_id)


class OrganisationRepository(TenantRepository):
    async def get_by_enterprise_number(self, enterprise_number: str) -> Organisation | None:
        return await self.session.scalar(
            self.select(Organisation).where(Organisation.enterprise_number == enterprise_number))

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        return await self.session.scalar(self.select(Organisation).where(Organisation.id == organisation_id))

    async def status_may_differ(self, day: date) -> list[Organisation]:
        """Locked (skipping rows another replica holds): the organisations whose social-economy status on `day`,
        by kind or by a recognition valid that day, is not what partners last announced. The caller checks each
        against the rules again; this only keeps the scan in the database."""
        valid = exists().where(
            Recognition.organisation_id == Organisation.id,
            Recognition.kind.in_([str(k) for k in SOCIAL_ECONOMY_RECOGNITIONS]),
            Recognition.valid_from <= day, or_(Recognition.valid_until.is_(None), Recognition.valid_until >= day))
        now = or_(Organisation.kind.in_([str(k) for k in SOCIAL_ECONOMY_KINDS]), valid)
        return list((await self.session.scalars(
            self.select(Organisation).where(Organisation.social_economy_announced.is_distinct_from(now))
            .order_by(Organisation.id).limit(500).with_for_update(skip_locked=True))).all())

    async def lock(self, organisation_id: uuid.UUID) -> Organisation | None:
        """FOR UPDATE, read afresh: two edits of one entry (or an edit and an approval) are serialised, so the
        second sees the first's version and answers 412 instead of overwriting it."""
        return await self.session.scalar(
            self.select(Organisation).where(Organisation.id == organisation_id)
            .with_for_update().execution_options(populate_existing=True))

    async def list_after(self, cursor: uuid.UUID | None, limit: int, *, kind: str | None = None,
                         municipality: str | None = None) -> list[Organisation]:
        statement = self.select(Organisation)
        if cursor is not None:
            statement = statement.where(Organisation.id > cursor)
        if kind is not None:
            statement = statement.where(Organisation.kind == kind)
        if municipality is not None:
            statement = statement.where(Organisation.municipality == municipality)
        return list((await self.session.scalars(statement.order_by(Organisation.id).limit(limit))).all())

    async def registry_page(self, *, text: str = "", kind: str | None = None, municipality: str | None = None,
                            offset: int = 0, limit: int = 50) -> tuple[list[Organisation], int]:
        """The coordinator's list: by name or enterprise number (a part of either), kind and municipality; in
        name order, with the number found."""
        statement = self.select(Organisation)
        if text:
            digits = "".join(c for c in text if c.isdigit())
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions: list[ColumnElement[bool]] = [Organisation.name.ilike(pattern)]
            if len(digits) >= 4:
                conditions.append(Organisation.enterprise_number.contains(digits))
            statement = statement.where(or_(*conditions))
        if kind:
            statement = statement.where(Organisation.kind == kind)
        if municipality:
            statement = statement.where(Organisation.municipality == municipality)
        total = await self.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = await self.session.scalars(
            statement.order_by(Organisation.name, Organisation.id).offset(offset).limit(limit))
        return list(rows.all()), total

    async def pending_change_of(self, organisation_id: uuid.UUID) -> OrganisationChange | None:
        return await self.session.scalar(self.select(OrganisationChange).where(
            OrganisationChange.organisation_id == organisation_id,
            OrganisationChange.status == ChangeStatus.PENDING))

    async def get_change(self, change_id: uuid.UUID) -> OrganisationChange | None:
        return await self.session.scalar(self.select(OrganisationChange).where(OrganisationChange.id == change_id))

    async def lock_change(self, change_id: uuid.UUID) -> OrganisationChange | None:
        """FOR UPDATE, read afresh: of two coordinators deciding one change at once, the second waits and then
        sees it decided."""
        return await self.session.scalar(
            self.select(OrganisationChange).where(OrganisationChange.id == change_id)
            .with_for_update().execution_options(populate_existing=True))

    async def changes(self, status: ChangeStatus | None, limit: int) -> list[OrganisationChange]:
        """Oldest request first (the queue a coordinator works through)."""
        statement = self.select(OrganisationChange)
        if status is not None:
            statement = statement.where(OrganisationChange.status == status)
        return list((await self.session.scalars(
            statement.order_by(OrganisationChange.requested_at, OrganisationChange.id).limit(limit))).all())

    async def changes_of(self, organisation_id: uuid.UUID) -> list[OrganisationChange]:
        """Newest first: what a partner asked for and what became of it."""
        return list((await self.session.scalars(
            self.select(OrganisationChange).where(OrganisationChange.organisation_id == organisation_id)
            .order_by(OrganisationChange.requested_at.desc(), OrganisationChange.id.desc()))).all())

    async def names_of(self, organisation_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not organisation_ids:
            return {}
        rows = await self.session.execute(self.select(Organisation, Organisation.id, Organisation.name)
                                          .where(Organisation.id.in_(organisation_ids)))
        return {row.id: row.name for row in rows}
