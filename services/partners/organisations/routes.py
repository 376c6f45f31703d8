"""The organisations API: the registry (coordinators), a partner's own entry, and the changes of recognitions
waiting for a coordinator. Every write of an entry or a change carries If-Match with the version read."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.partners.organisations import rules, service
from services.partners.organisations.models import Organisation, OrganisationChange
from services.partners.organisations.repository import OrganisationRepository
from services.partners.organisations.schemas import (
    ChangeOut,
    ChangePage,
    ContactOut,
    OfferingOut,
    OrganisationChanges,
    OrganisationOut,
    OrganisationPage,
    RecognitionOut,
    Refusal,
    RegisterOrganisation,
    StaffOut,
)
from shared.auth import Principal, require_roles
from shared.hot_reads import HotRead
from shared.i18n import _
from shared.municipalities import find, name_of
from shared.problems import BadRequest, Invalid
from shared.reads import Row, TenantReads
from shared.versioning import IfMatch, etag, expected_version

COORDINATORS = ("coordinator", "province-admin")
READERS = (*COORDINATORS, "call-manager")
ONE_READERS = (*READERS, "partner")
"""Who reads one entry: the province's readers any, a partner its own (service.may_read)."""


def change_out(change: OrganisationChange | Row, organisation_name: str) -> ChangeOut:
    return ChangeOut(id=change.id, organisation_id=change.organisation_id, organisation_name=organisation_name,
                     status=change.status, status_label=rules.CHANGE_STATUSES[change.status],
                     requested_by=change.requested_by, requested_at=change.requested_at, before=change.before,
                     after=change.after, decided_by=change.decided_by, decided_at=change.decided_at,
                     reasons=change.reasons, version=change.version)


def to_out(organisation: Organisation | Row, pending: OrganisationChange | Row | None = None) -> OrganisationOut:
    day = service.today()
    return OrganisationOut(
        id=organisation.id, enterprise_number=organisation.enterprise_number, name=organisation.name,
        kind=organisation.kind, kind_label=rules.label_of(rules.KINDS, organisation.kind),
        municipality=organisation.municipality, municipality_name=name_of(organisation.municipality),
        description=organisation.description,
        contact=ContactOut(street=organisation.street, postcode=organisation.postcode, email=organisation.email,
                           phone=organisation.phone, website=organisation.website),
        recognitions=[RecognitionOut(kind=r.kind, kind_label=rules.label_of(rules.RECOGNITIONS, r.kind),
                                     valid_from=r.valid_from, valid_until=r.valid_until, reference=r.reference,
                                     valid_today=r.valid_from <= day and (r.valid_until or day) >= day)
                      for r in organisation.recognitions],
        offerings=[OfferingOut(rubric=o.rubric, rubric_label=rules.label_of(rules.RUBRICS, o.rubric), kind=o.kind,
                               kind_label=rules.label_of(rules.OFFERING_KINDS, o.kind), description=o.description)
                   for o in organisation.offerings],
        staff=[StaffOut(year=s.year, target_group_workers=s.target_group_workers,
                        supervising_staff=s.supervising_staff, fte=f"{s.fte:.2f}") for s in organisation.staff],
        social_economy=service.is_social_economy(organisation, day), version=organisation.version,
        created_at=organisation.created_at, updated_at=organisation.updated_at,
        pending_change=change_out(pending, organisation.name) if pending else None)


async def organisation_response(session: AsyncSession, organisation: Organisation,
                                status_code: int = 200) -> Response[OrganisationOut]:
    pending = await OrganisationRepository(session, organisation.tenant).pending_change_of(organisation.id)
    return Response(to_out(organisation, pending), status_code=status_code,
                    headers={"ETag": etag(organisation.version)})


def change_response(change: OrganisationChange, name: str) -> Response[ChangeOut]:
    return Response(change_out(change, name), headers={"ETag": etag(change.version)})


async def read_one(reads: TenantReads, principal: Principal,
                   organisation_id: uuid.UUID) -> tuple[OrganisationOut, dict[str, str]]:
    """One entry as the API gives it, with its ETag: the hot read (shared/reads.py: one statement, no unit of
    work), answered by the handler below and, on its happy path, in front of Litestar (`HOT_READS`)."""
    organisation = await service.read(reads, principal, organisation_id)
    return to_out(organisation, organisation.pending_change), {"ETag": etag(organisation.version)}


class OrganisationController(Controller):
    path = "/{tenant:str}/organisations"
    tags = ["organisations"]

    @post("/", guards=[require_roles(*COORDINATORS)])
    async def register(self, data: RegisterOrganisation, session: AsyncSession,
                       principal: Principal) -> Response[OrganisationOut]:
        organisation = await service.register(session, principal, data)
        await session.refresh(organisation)
        return await organisation_response(session, organisation, 201)

    @get("/", guards=[require_roles(*READERS)])
    async def list_organisations(
        self, session: AsyncSession, principal: Principal,
        limit: int = Parameter(default=50, ge=1, le=200),
        cursor: str | None = Parameter(default=None),
        kind: str | None = Parameter(default=None),
        municipality: str | None = Parameter(default=None),
    ) -> OrganisationPage:
        try:
            after = uuid.UUID(cursor) if cursor else None
        except ValueError as exc:
            raise BadRequest(_("ongeldige cursor")) from exc
        if kind is not None and kind not in rules.KINDS:
            raise Invalid(_("onbekend soort organisatie %(kind)s") % {"kind": repr(kind)}, field="kind",
                          allowed=list(rules.KINDS))
        code = None
        if municipality is not None:
            found = find(municipality)
            if found is None:
                raise Invalid(_("%(municipality)s is geen Vlaamse gemeente") % {"municipality": repr(municipality)},
                              field="municipality")
            code = found.code
        rows = await OrganisationRepository(session, principal.tenant).list_after(
            after, limit + 1, kind=kind, municipality=code)
        items = [to_out(o) for o in rows[:limit]]
        return OrganisationPage(items=items, next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)

    @get("/mine", guards=[require_roles("partner")])
    async def mine(self, session: AsyncSession, principal: Principal) -> Response[OrganisationOut]:
        return await organisation_response(session, await service.mine(session, principal))

    @get("/{organisation_id:uuid}", guards=[require_roles(*ONE_READERS)])
    async def get_one(self, organisation_id: uuid.UUID, reads: TenantReads,
                      principal: Principal) -> Response[OrganisationOut]:
        body, headers = await read_one(reads, principal, organisation_id)
        return Response(body, headers=headers)

    @patch("/{organisation_id:uuid}", guards=[require_roles(*COORDINATORS, "partner")])
    async def update(self, organisation_id: uuid.UUID, data: OrganisationChanges, session: AsyncSession,
                     principal: Principal, if_match: IfMatch = None) -> Response[OrganisationOut]:
        expected = expected_version(if_match)
        organisation, change = await service.update(session, principal, organisation_id, data, expected)
        # 202: part of the edit waits for a coordinator (the body's pending_change).
        return await organisation_response(session, organisation, 202 if change is not None else 200)

    @get("/{organisation_id:uuid}/changes", guards=[require_roles(*COORDINATORS, "partner")])
    async def changes_of(self, organisation_id: uuid.UUID, session: AsyncSession,
                         principal: Principal) -> ChangePage:
        organisation = await service.get(session, principal, organisation_id)
        rows = await OrganisationRepository(session, principal.tenant).changes_of(organisation.id)
        return ChangePage(items=[change_out(c, organisation.name) for c in rows])


class OrganisationChangeController(Controller):
    """A partner's changes of its recognitions, waiting for (or decided by) a coordinator."""

    path = "/{tenant:str}/organisation-changes"
    tags = ["organisations"]

    @get("/", guards=[require_roles(*COORDINATORS)])
    async def list_changes(self, session: AsyncSession, principal: Principal,
                           status: str | None = Parameter(default="pending"),
                           limit: int = Parameter(default=100, ge=1, le=500)) -> ChangePage:
        if status is not None and status not in rules.CHANGE_STATUSES:
            raise Invalid(_("onbekende status %(status)s") % {"status": repr(status)}, field="status",
                          allowed=list(rules.CHANGE_STATUSES))
        repository = OrganisationRepository(session, principal.tenant)
        rows = await repository.changes(rules.ChangeStatus(status) if status else None, limit)
        names = await repository.names_of({c.organisation_id for c in rows})
        return ChangePage(items=[change_out(c, names.get(c.organisation_id, "")) for c in rows])

    @get("/{change_id:uuid}", guards=[require_roles(*COORDINATORS, "partner")])
    async def get_change(self, change_id: uuid.UUID, session: AsyncSession,
                         principal: Principal) -> Response[ChangeOut]:
        change = await service.get_change(session, principal, change_id)
        names = await OrganisationRepository(session, principal.tenant).names_of({change.organisation_id})
        return change_response(change, names.get(change.organisation_id, ""))

    @post("/{change_id:uuid}/approve", guards=[require_roles(*COORDINATORS)], status_code=200)
    async def approve(self, change_id: uuid.UUID, session: AsyncSession, principal: Principal,
                      if_match: IfMatch = None) -> Response[ChangeOut]:
        change = await service.decide(session, principal, change_id, expected_version(if_match), approve=True)
        names = await OrganisationRepository(session, principal.tenant).names_of({change.organisation_id})
        return change_response(change, names.get(change.organisation_id, ""))

    @post("/{change_id:uuid}/refuse", guards=[require_roles(*COORDINATORS)], status_code=200)
    async def refuse(self, change_id: uuid.UUID, data: Refusal, session: AsyncSession, principal: Principal,
                     if_match: IfMatch = None) -> Response[ChangeOut]:
        change = await service.decide(session, principal, change_id, expected_version(if_match), approve=False,
                                      reasons=data.reasons)
        names = await OrganisationRepository(session, principal.tenant).names_of({change.organisation_id})
        return change_response(change, names.get(change.organisation_id, ""))


CONTROLLERS = [OrganisationController, OrganisationChangeController]


HOT_READS = [HotRead("/{tenant}/organisations/{organisation_id}", ONE_READERS, read_one)]
"""OrganisationController.get_one's route, answered in front of Litestar on its happy path (shared/hot_reads.py)."""
