"""The jury over HTTP: parse → service → schema. Call managers compose the jury and fix assignments;
jurors declare conflicts and score; the chair (or a call manager) records the consensus."""

from __future__ import annotations

import uuid
from typing import TypeVar

from litestar import Controller, Response, get, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.jury import service
from services.grants.jury.rules import MANAGERS
from services.grants.jury.schemas import (
    ApplicationForScoring,
    AssignmentsOut,
    ComposeJury,
    ConflictOut,
    ConsensusOut,
    DeclareConflict,
    FixAssignments,
    JurorApplication,
    JuryOut,
    JuryView,
    MeetingOrder,
    RecordConsensus,
    ReviewOut,
    SaveReview,
)
from shared.auth import Principal, require_roles
from shared.versioning import IfMatch, etag, expected_version

JUROR = require_roles("juror")
MANAGER = require_roles(*MANAGERS)
MANAGER_OR_JUROR = require_roles("juror", *MANAGERS)


Versioned = TypeVar("Versioned", JuryOut, AssignmentsOut)


def versioned(body: Versioned) -> Response[Versioned]:
    """The composition or the assignments with their version as the ETag."""
    return Response(body, headers={"ETag": etag(body.version)})


def review_response(review: ReviewOut) -> Response[ReviewOut]:
    return Response(review, headers={"ETag": etag(review.version)})


class JuryController(Controller):
    path = "/{tenant:str}"
    tags = ["jury"]

    # Call managers ----------------------------------------------------------------------------------

    @get("/calls/{call_id:uuid}/jury", guards=[MANAGER])
    async def get_jury(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> Response[JuryOut]:
        return versioned(await service.get_jury(session, principal, call_id))

    @put("/calls/{call_id:uuid}/jury", guards=[MANAGER])
    async def compose_jury(self, call_id: uuid.UUID, data: ComposeJury, session: AsyncSession,
                           principal: Principal, if_match: IfMatch = None) -> Response[JuryOut]:
        """Replaces the composition the call manager read (If-Match: its ETag; 428 without, 412 when stale)."""
        return versioned(await service.compose(session, principal, call_id, data, expected_version(if_match)))

    @post("/calls/{call_id:uuid}/assignments/proposal", guards=[MANAGER], status_code=200)
    async def propose_assignments(self, call_id: uuid.UUID, session: AsyncSession,
                                  principal: Principal) -> Response[AssignmentsOut]:
        """A proposal, with the ETag of the stored assignments it would replace."""
        return versioned(await service.propose_assignments(session, principal, call_id))

    @get("/calls/{call_id:uuid}/assignments", guards=[MANAGER])
    async def get_assignments(self, call_id: uuid.UUID, session: AsyncSession,
                              principal: Principal) -> Response[AssignmentsOut]:
        return versioned(await service.get_assignments(session, principal, call_id))

    @put("/calls/{call_id:uuid}/assignments", guards=[MANAGER])
    async def fix_assignments(self, call_id: uuid.UUID, data: FixAssignments, session: AsyncSession,
                              principal: Principal, if_match: IfMatch = None) -> Response[AssignmentsOut]:
        """Replaces the assignments the call manager read (If-Match: their ETag; 428 without, 412 when stale)."""
        return versioned(await service.fix_assignments(session, principal, call_id, data,
                                                       expected_version(if_match)))

    @get("/calls/{call_id:uuid}/jury-view", guards=[MANAGER_OR_JUROR])
    async def jury_view(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> JuryView:
        return await service.jury_view(session, principal, call_id)

    @get("/calls/{call_id:uuid}/meeting-order", guards=[MANAGER_OR_JUROR])
    async def meeting_order(self, call_id: uuid.UUID, session: AsyncSession, principal: Principal) -> MeetingOrder:
        return await service.meeting_order(session, principal, call_id)

    # Jurors ----------------------------------------------------------------------------------------

    @get("/jury/applications", guards=[JUROR])
    async def my_applications(self, session: AsyncSession, principal: Principal,
                              call_id: uuid.UUID | None = Parameter(default=None)) -> list[JurorApplication]:
        return await service.my_applications(session, principal, call_id)

    @get("/jury/applications/{application_id:uuid}", guards=[JUROR])
    async def application_for_scoring(self, application_id: uuid.UUID, session: AsyncSession,
                                      principal: Principal) -> ApplicationForScoring:
        return await service.application_for_scoring(session, principal, application_id)

    @post("/applications/{application_id:uuid}/conflict", guards=[JUROR], status_code=200)
    async def declare_conflict(self, application_id: uuid.UUID, data: DeclareConflict, session: AsyncSession,
                               principal: Principal) -> ConflictOut:
        return await service.declare_conflict(session, principal, application_id, data)

    @put("/applications/{application_id:uuid}/review", guards=[JUROR])
    async def save_review(self, application_id: uuid.UUID, data: SaveReview, session: AsyncSession,
                          principal: Principal, if_match: IfMatch = None) -> Response[ReviewOut]:
        return review_response(await service.save_review(session, principal, application_id, data,
                                                         expected_version(if_match)))

    @post("/applications/{application_id:uuid}/review/submit", guards=[JUROR], status_code=200)
    async def submit_review(self, application_id: uuid.UUID, session: AsyncSession, principal: Principal,
                            if_match: IfMatch = None) -> Response[ReviewOut]:
        return review_response(await service.submit_review(session, principal, application_id,
                                                           expected_version(if_match)))

    @get("/applications/{application_id:uuid}/reviews", guards=[MANAGER_OR_JUROR])
    async def reviews(self, application_id: uuid.UUID, session: AsyncSession,
                      principal: Principal) -> list[ReviewOut]:
        return await service.reviews_of(session, principal, application_id)

    # The chair -------------------------------------------------------------------------------------

    @put("/applications/{application_id:uuid}/consensus", guards=[MANAGER_OR_JUROR])
    async def record_consensus(self, application_id: uuid.UUID, data: RecordConsensus, session: AsyncSession,
                               principal: Principal, if_match: IfMatch = None) -> Response[ConsensusOut]:
        consensus = await service.record_consensus(session, principal, application_id, data,
                                                   expected_version(if_match))
        return Response(consensus, headers={"ETag": etag(consensus.version)})
