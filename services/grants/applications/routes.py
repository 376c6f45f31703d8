from __future__ import annotations

import uuid

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from services.grants.applications import rules, service
from services.grants.applications.models import Application, Attachment
from services.grants.applications.schemas import (
    AddCoApplicant,
    ApplicationChanges,
    ApplicationOut,
    ApplicationPage,
    AttachmentOut,
    BudgetLine,
    CoApplicantOut,
    DraftApplication,
    Withdrawal,
)
from services.grants.calls.rules import MANAGERS
from shared import enterprise_number, idempotency
from shared.auth import Principal, require_roles
from shared.downloads import stored_file
from shared.hot_writes import Header, HotWrite
from shared.i18n import _
from shared.problems import BadRequest
from shared.service_app import Runtime
from shared.storage import ObjectStore
from shared.versioning import IdempotencyKey, IfMatch, etag, expected_version

ORGANISATIONS = ("applicant", "partner")


def attachment_out(a: Attachment) -> AttachmentOut:
    return AttachmentOut(id=a.id, code=a.code, filename=a.filename, content_type=a.content_type,
                         size_bytes=a.size_bytes, sha256=a.sha256, uploaded_by=a.uploaded_by, uploaded_at=a.uploaded_at)


def to_out(application: Application, warnings: list[str] | None = None) -> ApplicationOut:
    return ApplicationOut(
        id=application.id, call_id=application.call_id, status=application.status,
        status_label=rules.STATUS_LABELS[application.status],
        applicant_enterprise_number=application.applicant_enterprise_number,
        applicant_name=application.applicant_name, title=application.title, summary=application.summary,
        requested_cents=application.requested_cents, total_cost_cents=application.total_cost_cents,
        duration_months=application.duration_months,
        budget_lines=[BudgetLine(**line) for line in application.budget_lines or []],
        co_applicants=[CoApplicantOut(
            enterprise_number=c.enterprise_number, enterprise_number_formatted=enterprise_number.formatted(
                c.enterprise_number), name=c.name, role=c.role, role_label=rules.CO_APPLICANT_ROLES[c.role],
            confirmed=c.confirmed_at is not None, confirmed_at=c.confirmed_at, confirmed_by=c.confirmed_by)
            for c in application.co_applicants],
        attachments=[attachment_out(a) for a in application.attachments],
        submitted_at=application.submitted_at, content_hash=application.content_hash, snapshot=application.snapshot,
        withdrawn_at=application.withdrawn_at, withdrawal_reason=application.withdrawal_reason,
        created_at=application.created_at, version=application.version, warnings=warnings or [])


def with_etag(application: Application, status_code: int = 200,
              warnings: list[str] | None = None) -> Response[ApplicationOut]:
    return Response(to_out(application, warnings), status_code=status_code,
                    headers={"ETag": etag(application.version)})


def after_cursor(cursor: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(cursor) if cursor else None
    except ValueError as exc:
        raise BadRequest(_("ongeldige cursor")) from exc


def page(rows: list[Application], limit: int) -> ApplicationPage:
    return ApplicationPage(items=[to_out(a) for a in rows[:limit]],
                           next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)


class CallApplicationController(Controller):
    path = "/{tenant:str}/calls/{call_id:uuid}/applications"
    tags = ["applications"]

    @post("/", guards=[require_roles("applicant")])
    async def start(self, call_id: uuid.UUID, data: DraftApplication, session: AsyncSession,
                    principal: Principal) -> Response[ApplicationOut]:
        return with_etag(await service.create(session, principal, call_id, data), 201)


class CoApplicationController(Controller):
    path = "/{tenant:str}/co-applications"
    tags = ["applications"]

    @get("/", guards=[require_roles(*ORGANISATIONS)])
    async def list_co_applications(self, session: AsyncSession, principal: Principal,
                                   limit: int = Parameter(default=50, ge=1, le=200),
                                   cursor: str | None = Parameter(default=None)) -> ApplicationPage:
        """Applications my organisation is co-applicant of: what to confirm, and what was submitted."""
        return page(await service.co_application_page(session, principal, after_cursor(cursor), limit + 1), limit)


async def submission(session: AsyncSession, principal: Principal, application_id: uuid.UUID, expected: int | None,
                     idempotency_key: str | None = None) -> tuple[ApplicationOut, dict[str, str]]:
    """The submission as the API answers it, with its ETag: by the handler below and, on its happy path without an
    Idempotency-Key, in front of Litestar (`HOT_WRITES`)."""
    application, warnings = await service.submit(session, principal, application_id, expected, idempotency_key)
    return to_out(application, warnings), {"ETag": etag(application.version)}


async def hot_submission(session: AsyncSession, principal: Principal, application_id: uuid.UUID,
                         asked: Header) -> tuple[ApplicationOut, dict[str, str]]:
    if asked("idempotency-key") is not None:
        raise LookupError("a keyed submission is the handler's: it keeps the key and its answer (shared/idempotency)")
    return await submission(session, principal, application_id, expected_version(asked("if-match")))


class ApplicationController(Controller):
    path = "/{tenant:str}/applications"
    tags = ["applications"]

    @get("/", guards=[require_roles("applicant", *MANAGERS)])
    async def list_applications(self, session: AsyncSession, principal: Principal,
                                call_id: uuid.UUID | None = Parameter(default=None),
                                status: list[str] | None = Parameter(default=None),
                                limit: int = Parameter(default=50, ge=1, le=200),
                                cursor: str | None = Parameter(default=None)) -> ApplicationPage:
        """My organisation's applications; for call managers every submitted one."""
        rows = await service.visible_page(session, principal, call_id=call_id, statuses=status,
                                          after=after_cursor(cursor), limit=limit + 1)
        return page(rows, limit)

    @get("/{application_id:uuid}", guards=[require_roles("applicant", "partner", "juror", *MANAGERS)])
    async def get_application(self, application_id: uuid.UUID, session: AsyncSession,
                              principal: Principal) -> Response[ApplicationOut]:
        return with_etag(await service.get_readable(session, principal, application_id))

    @patch("/{application_id:uuid}", guards=[require_roles("applicant")])
    async def change_draft(self, application_id: uuid.UUID, data: ApplicationChanges, session: AsyncSession,
                           principal: Principal, if_match: IfMatch = None) -> Response[ApplicationOut]:
        return with_etag(await service.update(session, principal, application_id, data, expected_version(if_match)))

    @post("/{application_id:uuid}/co-applicants", guards=[require_roles("applicant")])
    async def add_co_applicant(self, application_id: uuid.UUID, data: AddCoApplicant, session: AsyncSession,
                               principal: Principal, if_match: IfMatch = None) -> Response[ApplicationOut]:
        return with_etag(await service.add_co_applicant(session, principal, application_id, data,
                                                        expected_version(if_match)), 201)

    @delete("/{application_id:uuid}/co-applicants/{number:str}", guards=[require_roles("applicant")],
            status_code=200)
    async def remove_co_applicant(self, application_id: uuid.UUID, number: str, session: AsyncSession,
                                  principal: Principal, if_match: IfMatch = None) -> Response[ApplicationOut]:
        return with_etag(await service.remove_co_applicant(session, principal, application_id, number,
                                                           expected_version(if_match)))

    @post("/{application_id:uuid}/co-applicants/{number:str}/confirm", guards=[require_roles(*ORGANISATIONS)],
          status_code=200)
    async def confirm(self, application_id: uuid.UUID, number: str, session: AsyncSession,
                      principal: Principal, if_match: IfMatch = None) -> Response[ApplicationOut]:
        """Confirms the draft as the co-applicant saw it: If-Match names that version (428 without, 412 when
        the draft changed since)."""
        return with_etag(await service.confirm(session, principal, application_id, number,
                                               expected_version(if_match)))

    @post("/{application_id:uuid}/attachments", guards=[require_roles("applicant")])
    async def upload(self, request: Request, application_id: uuid.UUID, principal: Principal, store: ObjectStore,
                     runtime: Runtime, code: str = Parameter(), filename: str = Parameter(),
                     idempotency_key: IdempotencyKey = None) -> Response[AttachmentOut]:
        """The raw file as the body, its type as Content-Type: streamed through the size and type checks into
        object storage with no database connection held; short transactions of their own before and after."""
        attachment, created = await service.upload_attachment(
            lambda: runtime.db.transaction(principal.tenant), principal, store, application_id, code=code,
            filename=filename, content_type=request.headers.get("content-type", ""), chunks=request.stream(),
            idempotency_key=idempotency_key)
        return Response(attachment_out(attachment), status_code=201 if created else 200)

    @get("/{application_id:uuid}/attachments/{attachment_id:uuid}",
         guards=[require_roles("applicant", "partner", "juror", *MANAGERS)])
    async def download(self, application_id: uuid.UUID, attachment_id: uuid.UUID, session: AsyncSession,
                       principal: Principal, store: ObjectStore) -> Stream:
        """The file in pieces from object storage (the request's transaction ends before the first one)."""
        attachment, content = await service.read_attachment(session, principal, store, application_id,
                                                            attachment_id)
        return stored_file(content, media_type=attachment.content_type, file_name=attachment.filename,
                           sha256=attachment.sha256)

    @delete("/{application_id:uuid}/attachments/{attachment_id:uuid}", guards=[require_roles("applicant")],
            status_code=200)
    async def remove_attachment(self, application_id: uuid.UUID, attachment_id: uuid.UUID, session: AsyncSession,
                                principal: Principal) -> Response[ApplicationOut]:
        return with_etag(await service.remove_attachment(session, principal, application_id, attachment_id))

    @post("/{application_id:uuid}/submit", guards=[require_roles("applicant")], status_code=200)
    async def submit(self, request: Request, application_id: uuid.UUID, session: AsyncSession,
                     principal: Principal, if_match: IfMatch = None,
                     idempotency_key: IdempotencyKey = None) -> Response[ApplicationOut]:
        """Submits the draft as the lead saw it (If-Match: 428 without, 412 when it changed since). With an
        Idempotency-Key, a retry gets the first answer again; the key on another request is 422. Without a key,
        on its happy path, answered in front of Litestar (`HOT_WRITES`) with the same `submission`."""
        expected = expected_version(if_match)
        keyed = await idempotency.claim_request(session, request, tenant=principal.tenant,
                                                subject=principal.subject, key=idempotency_key)
        if keyed is not None and keyed.replay is not None:
            return keyed.replay
        body, headers = await submission(session, principal, application_id, expected, idempotency_key)
        return await idempotency.remember(session, keyed, Response(body, status_code=200, headers=headers))

    @post("/{application_id:uuid}/withdraw", guards=[require_roles("applicant")], status_code=200)
    async def withdraw(self, application_id: uuid.UUID, session: AsyncSession, principal: Principal,
                       data: Withdrawal | None = None) -> Response[ApplicationOut]:
        return with_etag(await service.withdraw(session, principal, application_id, data.reason if data else ""))


HOT_WRITES = [HotWrite("/{tenant}/applications/{application_id}/submit", ("applicant",), hot_submission)]
"""ApplicationController.submit's route, answered in front of Litestar on its happy path (shared/hot_writes.py):
at a call's deadline, submissions come by the hundred in its last seconds."""
