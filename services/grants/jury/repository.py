"""Every query of the jury, each from the tenant-scoped base statement. Each method names the question."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable

from sqlalchemy.dialects.postgresql import insert

from services.grants.jury.models import Assignment, ConflictDeclaration, Consensus, JuryMember, JuryVersions, Review
from shared.db import TenantRepository


class JuryRepository(TenantRepository):
    # Members ------------------------------------------------------------------------------------------

    async def members_of(self, call_id: uuid.UUID) -> list[JuryMember]:
        return list((await self.session.scalars(self.select(JuryMember).where(JuryMember.call_id == call_id)
                                                 .order_by(JuryMember.username))).all())

    async def member(self, call_id: uuid.UUID, username: str) -> JuryMember | None:
        return await self.session.scalar(self.select(JuryMember).where(
            JuryMember.call_id == call_id, JuryMember.username == username))

    async def memberships_of(self, username: str) -> list[JuryMember]:
        return list((await self.session.scalars(self.select(JuryMember).where(
            JuryMember.username == username))).all())

    # Versions of the composition and the assignments --------------------------------------------------

    async def versions_of(self, call_id: uuid.UUID) -> JuryVersions:
        """As they stand (version 1 of both while nothing was fixed); not stored."""
        found = await self.session.scalar(self.select(JuryVersions).where(JuryVersions.call_id == call_id))
        return found or JuryVersions(call_id=call_id, tenant=self.tenant, composition_version=1,
                                     assignments_version=1)

    async def lock_versions(self, call_id: uuid.UUID) -> JuryVersions:
        """The call's row, made when missing and locked: composing the jury and fixing assignments of one call
        queue here, so each judges its If-Match against the version the other left."""
        await self.session.execute(insert(JuryVersions).values(call_id=call_id, tenant=self.tenant)
                                   .on_conflict_do_nothing())
        found = await self.session.scalar(self.select(JuryVersions).where(JuryVersions.call_id == call_id)
                                          .with_for_update().execution_options(populate_existing=True))
        assert found is not None
        return found

    # Assignments --------------------------------------------------------------------------------------

    async def assignments_of_call(self, call_id: uuid.UUID) -> list[Assignment]:
        return list((await self.session.scalars(self.select(Assignment).where(Assignment.call_id == call_id)
                                                 .order_by(Assignment.application_id, Assignment.username))).all())

    async def assignments_of_juror(self, username: str, call_id: uuid.UUID | None) -> list[Assignment]:
        statement = self.select(Assignment).where(Assignment.username == username)
        if call_id is not None:
            statement = statement.where(Assignment.call_id == call_id)
        return list((await self.session.scalars(statement)).all())

    async def assignment(self, application_id: uuid.UUID, username: str) -> Assignment | None:
        return await self.session.scalar(self.select(Assignment).where(
            Assignment.application_id == application_id, Assignment.username == username))

    async def remove_assignments_of_call(self, call_id: uuid.UUID) -> None:
        await self.session.execute(self.delete(Assignment).where(Assignment.call_id == call_id))

    async def remove_assignments_of_juror(self, call_id: uuid.UUID, usernames: Iterable[str]) -> None:
        await self.session.execute(self.delete(Assignment).where(
            Assignment.call_id == call_id, Assignment.username.in_(list(usernames))))

    # Conflicts ----------------------------------------------------------------------------------------

    async def declarations_of_applications(self, application_ids: Collection[uuid.UUID]) -> list[ConflictDeclaration]:
        if not application_ids:
            return []
        return list((await self.session.scalars(self.select(ConflictDeclaration).where(
            ConflictDeclaration.application_id.in_(list(application_ids))))).all())

    async def declaration(self, application_id: uuid.UUID, username: str) -> ConflictDeclaration | None:
        return await self.session.scalar(self.select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == application_id, ConflictDeclaration.username == username))

    async def declared_conflicts_of_juror(self, username: str) -> set[uuid.UUID]:
        return set((await self.session.scalars(
            self.select(ConflictDeclaration, ConflictDeclaration.application_id)
            .where(ConflictDeclaration.username == username, ConflictDeclaration.has_conflict))).all())

    # Reviews ------------------------------------------------------------------------------------------

    async def review(self, application_id: uuid.UUID, username: str) -> Review | None:
        return await self.session.scalar(self.select(Review).where(
            Review.application_id == application_id, Review.username == username))

    async def reviews_of_application(self, application_id: uuid.UUID) -> list[Review]:
        return list((await self.session.scalars(self.select(Review).where(Review.application_id == application_id)
                                                 .order_by(Review.submitted_at, Review.username))).all())

    async def submitted_reviews_of_call(self, call_id: uuid.UUID) -> list[Review]:
        return list((await self.session.scalars(
            self.select(Review).where(Review.call_id == call_id, Review.status == "submitted")
            .order_by(Review.application_id, Review.username))).all())

    async def reviews_of_juror(self, username: str, application_ids: Collection[uuid.UUID]) -> list[Review]:
        if not application_ids:
            return []
        return list((await self.session.scalars(self.select(Review).where(
            Review.username == username, Review.application_id.in_(application_ids)))).all())

    async def juror_ids_with_reviews(self, call_id: uuid.UUID, status: str | None = None) -> set[tuple[uuid.UUID, str]]:
        statement = self.select(Review, Review.application_id, Review.username).where(Review.call_id == call_id)
        if status is not None:
            statement = statement.where(Review.status == status)
        return {(a, u) for a, u in (await self.session.execute(statement)).all()}

    # Consensus ----------------------------------------------------------------------------------------

    async def consensus(self, application_id: uuid.UUID) -> Consensus | None:
        return await self.session.scalar(self.select(Consensus).where(Consensus.application_id == application_id))

    async def consensus_of_call(self, call_id: uuid.UUID) -> list[Consensus]:
        return list((await self.session.scalars(self.select(Consensus).where(Consensus.call_id == call_id))).all())

    async def remove(self, row: object) -> None:
        await self.session.delete(row)
