"""Every query of the jury. Each method names the question; all are tenant-filtered (beside RLS)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications.models import Application, Attachment, CoApplicant
from services.grants.calls.models import Call
from services.grants.jury.models import Assignment, ConflictDeclaration, Consensus, JuryMember, Review
from services.grants.jury.rules import JURY_WORK_STATUSES


class JuryRepository:
    def __init__(self, session: AsyncSession, tenant: str) -> None:
        self.session = session
        self.tenant = tenant

    # Calls and applications ------------------------------------------------------------------------

    async def get_call(self, call_id: uuid.UUID) -> Call | None:
        return await self.session.scalar(select(Call).where(Call.tenant == self.tenant, Call.id == call_id))

    async def get_application(self, application_id: uuid.UUID) -> Application | None:
        return await self.session.scalar(select(Application).where(
            Application.tenant == self.tenant, Application.id == application_id))

    async def applications_in_jury_work(self, call_id: uuid.UUID,
                                        statuses: Collection[str] = JURY_WORK_STATUSES) -> list[Application]:
        """Submitted, eligible or in review (by default): what a jury scores, in order of submission."""
        return list((await self.session.scalars(select(Application).where(
            Application.tenant == self.tenant, Application.call_id == call_id,
            Application.status.in_(statuses)).order_by(Application.submitted_at, Application.id))).all())

    async def applicant_numbers_by_application(
            self, application_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
        """The enterprise numbers of the applicant and every co-applicant, per application."""
        if not application_ids:
            return {}
        numbers: dict[uuid.UUID, set[str]] = {}
        for app_id, number in await self.session.execute(select(
                Application.id, Application.applicant_enterprise_number).where(
                Application.tenant == self.tenant, Application.id.in_(application_ids))):
            numbers.setdefault(app_id, set()).add(number)
        for app_id, number in await self.session.execute(select(
                CoApplicant.application_id, CoApplicant.enterprise_number).where(
                CoApplicant.tenant == self.tenant, CoApplicant.application_id.in_(application_ids))):
            numbers.setdefault(app_id, set()).add(number)
        return numbers

    async def attachments_of(self, application_id: uuid.UUID) -> list[Attachment]:
        return list((await self.session.scalars(select(Attachment).where(
            Attachment.tenant == self.tenant, Attachment.application_id == application_id)
            .order_by(Attachment.uploaded_at, Attachment.id))).all())

    # Members ------------------------------------------------------------------------------------------

    async def members_of(self, call_id: uuid.UUID) -> list[JuryMember]:
        return list((await self.session.scalars(select(JuryMember).where(
            JuryMember.tenant == self.tenant, JuryMember.call_id == call_id)
            .order_by(JuryMember.username))).all())

    async def member(self, call_id: uuid.UUID, username: str) -> JuryMember | None:
        return await self.session.scalar(select(JuryMember).where(
            JuryMember.tenant == self.tenant, JuryMember.call_id == call_id, JuryMember.username == username))

    async def memberships_of(self, username: str) -> list[JuryMember]:
        return list((await self.session.scalars(select(JuryMember).where(
            JuryMember.tenant == self.tenant, JuryMember.username == username))).all())

    # Assignments --------------------------------------------------------------------------------------

    async def assignments_of_call(self, call_id: uuid.UUID) -> list[Assignment]:
        return list((await self.session.scalars(select(Assignment).where(
            Assignment.tenant == self.tenant, Assignment.call_id == call_id)
            .order_by(Assignment.application_id, Assignment.username))).all())

    async def assignments_of_juror(self, username: str, call_id: uuid.UUID | None) -> list[Assignment]:
        statement = select(Assignment).where(Assignment.tenant == self.tenant, Assignment.username == username)
        if call_id is not None:
            statement = statement.where(Assignment.call_id == call_id)
        return list((await self.session.scalars(statement)).all())

    async def assignment(self, application_id: uuid.UUID, username: str) -> Assignment | None:
        return await self.session.scalar(select(Assignment).where(
            Assignment.tenant == self.tenant, Assignment.application_id == application_id,
            Assignment.username == username))

    async def remove_assignments_of_call(self, call_id: uuid.UUID) -> None:
        await self.session.execute(delete(Assignment).where(
            Assignment.tenant == self.tenant, Assignment.call_id == call_id))

    async def remove_assignments_of_juror(self, call_id: uuid.UUID, usernames: Iterable[str]) -> None:
        await self.session.execute(delete(Assignment).where(
            Assignment.tenant == self.tenant, Assignment.call_id == call_id,
            Assignment.username.in_(list(usernames))))

    # Conflicts ----------------------------------------------------------------------------------------

    async def declarations_of_call(self, call_id: uuid.UUID) -> list[ConflictDeclaration]:
        return list((await self.session.scalars(select(ConflictDeclaration).join(
            Application, Application.id == ConflictDeclaration.application_id).where(
            ConflictDeclaration.tenant == self.tenant, Application.call_id == call_id))).all())

    async def declaration(self, application_id: uuid.UUID, username: str) -> ConflictDeclaration | None:
        return await self.session.scalar(select(ConflictDeclaration).where(
            ConflictDeclaration.tenant == self.tenant, ConflictDeclaration.application_id == application_id,
            ConflictDeclaration.username == username))

    async def declared_conflicts_of_juror(self, username: str) -> set[uuid.UUID]:
        return set((await self.session.scalars(select(ConflictDeclaration.application_id).where(
            ConflictDeclaration.tenant == self.tenant, ConflictDeclaration.username == username,
            ConflictDeclaration.has_conflict))).all())

    # Reviews ------------------------------------------------------------------------------------------

    async def review(self, application_id: uuid.UUID, username: str) -> Review | None:
        return await self.session.scalar(select(Review).where(
            Review.tenant == self.tenant, Review.application_id == application_id, Review.username == username))

    async def reviews_of_application(self, application_id: uuid.UUID) -> list[Review]:
        return list((await self.session.scalars(select(Review).where(
            Review.tenant == self.tenant, Review.application_id == application_id)
            .order_by(Review.submitted_at, Review.username))).all())

    async def submitted_reviews_of_call(self, call_id: uuid.UUID) -> list[Review]:
        return list((await self.session.scalars(select(Review).where(
            Review.tenant == self.tenant, Review.call_id == call_id, Review.status == "submitted")
            .order_by(Review.application_id, Review.username))).all())

    async def reviews_of_juror(self, username: str, application_ids: Collection[uuid.UUID]) -> list[Review]:
        if not application_ids:
            return []
        return list((await self.session.scalars(select(Review).where(
            Review.tenant == self.tenant, Review.username == username,
            Review.application_id.in_(application_ids)))).all())

    async def juror_ids_with_reviews(self, call_id: uuid.UUID, status: str | None = None) -> set[tuple[uuid.UUID, str]]:
        statement = select(Review.application_id, Review.username).where(
            Review.tenant == self.tenant, Review.call_id == call_id)
        if status is not None:
            statement = statement.where(Review.status == status)
        return {(a, u) for a, u in (await self.session.execute(statement)).all()}

    # Consensus ----------------------------------------------------------------------------------------

    async def consensus(self, application_id: uuid.UUID) -> Consensus | None:
        return await self.session.scalar(select(Consensus).where(
            Consensus.tenant == self.tenant, Consensus.application_id == application_id))

    async def consensus_of_call(self, call_id: uuid.UUID) -> list[Consensus]:
        return list((await self.session.scalars(select(Consensus).where(
            Consensus.tenant == self.tenant, Consensus.call_id == call_id))).all())

    def add(self, row: object) -> None:
        self.session.add(row)

    async def remove(self, row: object) -> None:
        await self.session.delete(row)
