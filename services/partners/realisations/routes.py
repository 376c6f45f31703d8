from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, get, post, put
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.plans.rules import COUNTING_RULES
from services.partners.portal import COORDINATORS, PARTNERS
from services.partners.realisations import service
from services.partners.realisations.models import Evidence
from services.partners.realisations.rules import STATUSES, RealisationStatus
from services.partners.realisations.schemas import (
    CorrectionIn,
    CountedOut,
    EvidenceOut,
    RealisationIn,
    RealisationOut,
    RealisationPage,
    SendBackIn,
    SourceOut,
)
from shared import idempotency
from shared.auth import Principal, require_roles
from shared.downloads import stored_file
from shared.i18n import _
from shared.problems import BadRequest, Invalid
from shared.service_app import Runtime
from shared.storage import ObjectStore
from shared.versioning import IdempotencyKey, IfMatch, etag, expected_version

ENTERING = (*PARTNERS, *COORDINATORS)
"""Who enters and reads realisations: a partner of the plan (checked by the service) or a coordinator."""


def evidence_out(e: Evidence) -> EvidenceOut:
    return EvidenceOut(id=e.id, file_name=e.file_name, content_type=e.content_type, size=e.size, sha256=e.sha256,
                       uploaded_by=e.uploaded_by, uploaded_at=e.uploaded_at)


def to_out(entry: service.Entry) -> RealisationOut:
    r = entry.realisation
    return RealisationOut(
        id=r.id, plan_id=r.plan_id, indicator_id=r.indicator_id, indicator_name=entry.indicator.name,
        unit=entry.indicator.unit, year=r.year, value=str(r.value), narrative=r.narrative, status=r.status,
        status_label=STATUSES[r.status], organisation_id=r.organisation_id, submitted_by=r.submitted_by,
        submitted_at=r.submitted_at, decided_by=r.decided_by, decided_at=r.decided_at, reasons=r.reasons,
        version=r.version, evidence=[evidence_out(e) for e in entry.evidence])


def with_etag(entry: service.Entry, status_code: int = 200) -> Response[RealisationOut]:
    return Response(to_out(entry), status_code=status_code, headers={"ETag": etag(entry.realisation.version)})


def counted_out(value: service.CountedValue) -> CountedOut:
    return CountedOut(
        indicator_id=value.indicator.id, plan_id=value.plan.id, year=value.year, rule=value.rule.value,
        rule_label=COUNTING_RULES[value.rule], unit=value.indicator.unit, value=str(value.counted.value),
        sources=[SourceOut(event_id=s.event_id, kind=s.kind, label=s.label, amount=str(s.amount), at=s.at)
                 for s in value.counted.sources])


class IndicatorRealisationController(Controller):
    path = "/{tenant:str}/indicators/{indicator_id:uuid}"
    tags = ["realisations"]

    @post("/realisations", guards=[require_roles(*ENTERING)])
    async def submit(self, request: Request, indicator_id: uuid.UUID, data: RealisationIn, session: AsyncSession,
                     principal: Principal, idempotency_key: IdempotencyKey = None) -> Response[RealisationOut]:
        """An entered indicator's value and narrative for a year of the plan: submitted for review. With an
        Idempotency-Key, a retry (a partner's connection that dropped) gets the first answer again."""
        keyed = await idempotency.claim_request(session, request, tenant=principal.tenant,
                                                subject=principal.subject, key=idempotency_key)
        if keyed is not None and keyed.replay is not None:
            return keyed.replay
        return await idempotency.remember(
            session, keyed, with_etag(await service.submit(session, principal, indicator_id, data), 201))

    @get("/realisations", guards=[require_roles(*ENTERING)])
    async def list_of_indicator(self, indicator_id: uuid.UUID, session: AsyncSession,
                                principal: Principal) -> list[RealisationOut]:
        return [to_out(e) for e in await service.of_indicator(session, principal, indicator_id)]

    @get("/values", guards=[require_roles(*ENTERING)])
    async def values(self, indicator_id: uuid.UUID, session: AsyncSession, principal: Principal,
                     year: int | None = Parameter(default=None)) -> CountedOut:
        """A counted indicator's value for a Brussels calendar year, with the events it came from."""
        return counted_out(await service.counted_value(session, principal, indicator_id, year))


class RealisationController(Controller):
    path = "/{tenant:str}/realisations"
    tags = ["realisations"]

    @get("/", guards=[require_roles(*ENTERING)])
    async def list_realisations(
        self, session: AsyncSession, principal: Principal,
        status: str | None = Parameter(default=None), plan_id: uuid.UUID | None = Parameter(default=None),
        year: int | None = Parameter(default=None), limit: int = Parameter(default=50, ge=1, le=200),
        cursor: str | None = Parameter(default=None),
    ) -> RealisationPage:
        """To review (`status=submitted`), per plan and year; a partner sees its own plans' only."""
        try:
            wanted = RealisationStatus(status) if status else None
        except ValueError as exc:
            raise Invalid(_("onbekende status %(status)s") % {"status": repr(status)}, field="status",
                          allowed=[s.value for s in RealisationStatus]) from exc
        try:
            after = uuid.UUID(cursor) if cursor else None
        except ValueError as exc:
            raise BadRequest(_("ongeldige cursor")) from exc
        found = await service.page(session, principal, status=wanted, plan_id=plan_id, year=year, after=after,
                                   limit=limit + 1)
        more = len(found) > limit
        return RealisationPage(items=[to_out(e) for e in found[:limit]],
                               next_cursor=str(found[limit - 1].realisation.id) if more else None)

    @get("/{realisation_id:uuid}", guards=[require_roles(*ENTERING)])
    async def get_realisation(self, realisation_id: uuid.UUID, session: AsyncSession,
                              principal: Principal) -> Response[RealisationOut]:
        return with_etag(await service.get(session, principal, realisation_id))

    @put("/{realisation_id:uuid}", guards=[require_roles(*ENTERING)])
    async def correct(self, realisation_id: uuid.UUID, data: CorrectionIn, session: AsyncSession,
                      principal: Principal, if_match: IfMatch = None) -> Response[RealisationOut]:
        """Corrected and submitted again; If-Match names the version read (428 without, 412 when stale)."""
        return with_etag(await service.correct(session, principal, realisation_id, data,
                                               expected_version(if_match)))

    @post("/{realisation_id:uuid}/approve", guards=[require_roles(*COORDINATORS)], status_code=200)
    async def approve(self, realisation_id: uuid.UUID, session: AsyncSession, principal: Principal,
                      if_match: IfMatch = None) -> Response[RealisationOut]:
        version = expected_version(if_match)
        return with_etag(await service.approve(session, principal, realisation_id, version))

    @post("/{realisation_id:uuid}/send-back", guards=[require_roles(*COORDINATORS)], status_code=200)
    async def send_back(self, realisation_id: uuid.UUID, data: SendBackIn, session: AsyncSession,
                        principal: Principal, if_match: IfMatch = None) -> Response[RealisationOut]:
        version = expected_version(if_match)
        return with_etag(await service.send_back(session, principal, realisation_id, data.reasons, version))

    @post("/{realisation_id:uuid}/evidence", guards=[require_roles(*ENTERING)])
    async def upload(self, request: Request, realisation_id: uuid.UUID, principal: Principal, store: ObjectStore,
                     runtime: Runtime, filename: str = Parameter()) -> Response[EvidenceOut]:
        """The raw file as the body, its type as Content-Type: streamed through the checks into object storage
        with no database connection held, then recorded with its SHA-256 in a short transaction."""
        evidence = await service.upload_evidence(
            lambda: runtime.db.transaction(principal.tenant), principal, store, realisation_id, filename=filename,
            content_type=request.headers.get("content-type", ""), chunks=request.stream())
        return Response(evidence_out(evidence), status_code=201)

    @get("/{realisation_id:uuid}/evidence", guards=[require_roles(*ENTERING)])
    async def list_evidence(self, realisation_id: uuid.UUID, session: AsyncSession,
                            principal: Principal) -> list[EvidenceOut]:
        return [evidence_out(e) for e in await service.evidence_list(session, principal, realisation_id)]

    @get("/{realisation_id:uuid}/evidence/{evidence_id:uuid}", guards=[require_roles(*ENTERING)])
    async def download(self, realisation_id: uuid.UUID, evidence_id: uuid.UUID, session: AsyncSession,
                       principal: Principal, store: ObjectStore) -> Stream:
        """The file in pieces from object storage."""
        evidence, content = await service.read_evidence(session, principal, store, realisation_id, evidence_id)
        return stored_file(content, media_type=evidence.content_type, file_name=evidence.file_name,
                           sha256=evidence.sha256)


CONTROLLERS = [IndicatorRealisationController, RealisationController]
