"""The portal's client of the grants service: server to server, with the signed-in user's own access token, over
the gateway's upstream HTTP pool. The service decides what the user may see and do; this client only carries
the request and turns a problem+json answer into a ServiceProblem with a Dutch message for the page.

Answers are decoded into small msgspec structs holding just what the pages show; unknown fields are ignored,
so the service can grow without breaking a page."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar

import httpx
import msgspec

from services.gateway.runtime import Gateway
from services.gateway.sessions import UserSession
from shared.logs import request_id_var
from shared.problems import STATUS_KINDS, Problem

log = logging.getLogger("regie.gateway.portal")

T = TypeVar("T")

FALLBACK_MESSAGES: dict[int, str] = {
    400: "De gegevens konden niet verwerkt worden.",
    401: "Je sessie is verlopen; meld je opnieuw aan.",
    403: "Je hebt geen toegang tot deze handeling.",
    404: "Dit bestaat niet (meer), of je hebt er geen toegang toe.",
    409: "Dit kan niet in de huidige toestand.",
    412: "Iemand anders heeft dit intussen gewijzigd. Laad de pagina opnieuw.",
    413: "Het bestand is te groot.",
    415: "Dit bestandstype wordt niet aanvaard.",
    422: "De gegevens zijn niet geldig.",
    429: "Te veel aanvragen; probeer het zo meteen opnieuw.",
}
UNAVAILABLE = "De subsidiedienst is tijdelijk niet bereikbaar. Probeer het zo meteen opnieuw; er ging niets verloren."


class ServiceProblem(Problem):
    """A refusal (or failure) of the grants service, ready to show: `detail` is Dutch and never a trace. A page
    that cannot do without the answer lets it through, and the portal shows it as its Dutch error page; a form
    catches it and shows it beside the person's input."""

    def __init__(self, status: int, message: str, kind: str = "", fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        # Per occurrence, unlike the fixed problem kinds: the status is whatever the service answered.
        self.status = status  # type: ignore[misc]
        fallback = "unavailable" if status >= 500 else "bad-request"
        self.kind = kind or STATUS_KINDS.get(status, fallback)  # type: ignore[misc]
        self.fields = dict(fields or {})
        """Field-level messages the service named (validation errors), keyed by the API's field name."""

    @property
    def message(self) -> str:
        return self.detail

    @property
    def is_not_found(self) -> bool:
        return self.status == 404


def problem_of(response: httpx.Response) -> ServiceProblem:
    """problem+json → ServiceProblem. The service's `detail` is the specific Dutch sentence a person can act on;
    the title is the general one; a body that is neither (a proxy's HTML page) falls back to a fixed text."""
    status = response.status_code
    body: Any = None
    if "json" in response.headers.get("content-type", ""):
        try:
            body = response.json()
        except ValueError:
            body = None
    if status >= 500 or not isinstance(body, dict):
        log.warning("grants answered an error", extra={"status": status})
        return ServiceProblem(status, UNAVAILABLE if status >= 500 else FALLBACK_MESSAGES.get(status, UNAVAILABLE))
    detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    title = body.get("title") if isinstance(body.get("title"), str) else None
    message = sentence(detail or title or FALLBACK_MESSAGES.get(status, UNAVAILABLE))
    kind = str(body.get("type", "")).rsplit(":", 1)[-1]
    fields = field_errors(body.get("errors"))
    if isinstance(body.get("field"), str):
        # Our services name the one field a refusal is about: Invalid("…", field="reason").
        fields.setdefault(body["field"], message)
    return ServiceProblem(status, message, kind, fields)


def sentence(text: str) -> str:
    """Service details are written as clauses ("de oproep is gesloten"); a page shows a sentence."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def field_errors(errors: Any) -> dict[str, str]:
    """Litestar's validation errors ([{"key": "requested_cents", "message": "…"}]) by field name."""
    found: dict[str, str] = {}
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict) and isinstance(error.get("key"), str):
                found.setdefault(error["key"], sentence(str(error.get("message", ""))))
    return found


class GrantsClient:
    """One user's view of the grants service of one tenant."""

    def __init__(self, gateway: Gateway, tenant: str, user: UserSession | None,
                 accept_language: str = "nl-BE,nl") -> None:
        self.http = gateway.upstream_http
        self.base = f"{gateway.settings.upstreams['grants']}/{tenant}"
        self.user = user
        self.accept_language = accept_language

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"accept": "application/json", "accept-language": self.accept_language}
        if self.user is not None:  # None: a public page, read without logging in
            headers["authorization"] = f"Bearer {self.user.access_token}"
        if (request_id := request_id_var.get()) is not None:
            headers["x-request-id"] = request_id
        return headers | dict(extra or {})

    async def send(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None, content: AsyncIterator[bytes] | bytes | None = None
                   ) -> httpx.Response:
        try:
            response = await self.http.request(method, self.base + path, json=json, params=params,
                                               headers=self.headers(headers), content=content)
        except httpx.HTTPError as exc:
            log.warning("grants unreachable", extra={"error": type(exc).__name__, "path": path})
            raise ServiceProblem(503, UNAVAILABLE) from exc
        if response.status_code >= 400:
            raise problem_of(response)
        return response

    async def read(self, path: str, kind: type[T], params: Mapping[str, Any] | None = None) -> T:
        response = await self.send("GET", path, params=params)
        return msgspec.json.decode(response.content, type=kind)

    async def write(self, method: str, path: str, kind: type[T], body: Any = None,
                    headers: Mapping[str, str] | None = None) -> T:
        response = await self.send(method, path, json=msgspec.to_builtins(body) if body is not None else None,
                                   headers=headers)
        if not response.content:
            return msgspec.convert({}, type=kind)
        return msgspec.json.decode(response.content, type=kind)

    # ---- calls --------------------------------------------------------------------------------------------
    async def calls(self) -> list[Call]:
        return await self.read("/calls", list[Call])

    async def call(self, call_id: str) -> Call:
        return await self.read(f"/calls/{call_id}", Call)

    async def public_call(self, call_id: str) -> PublicCall:
        return await self.read(f"/public/calls/{call_id}", PublicCall)

    # ---- applications -------------------------------------------------------------------------------------
    async def my_applications(self) -> list[Application]:
        return (await self.read("/applications", ApplicationPage, {"limit": 200})).items

    async def application(self, application_id: str) -> Application:
        return await self.read(f"/applications/{application_id}", Application)

    async def start_application(self, call_id: str, draft: ApplicationDraft) -> Application:
        return await self.write("POST", f"/calls/{call_id}/applications", Application, draft)

    async def update_application(self, application_id: str, version: int, draft: ApplicationDraft) -> Application:
        return await self.write("PATCH", f"/applications/{application_id}", Application, draft,
                                headers={"if-match": f'"{version}"'})

    async def add_co_applicant(self, application_id: str, enterprise_number: str, role: str,
                               name: str | None) -> Application:
        body = {"enterprise_number": enterprise_number, "role": role} | ({"name": name} if name else {})
        return await self.write("POST", f"/applications/{application_id}/co-applicants", Application, body)

    async def remove_co_applicant(self, application_id: str, enterprise_number: str) -> None:
        await self.send("DELETE", f"/applications/{application_id}/co-applicants/{enterprise_number}")

    async def co_applications(self) -> list[Application]:
        """Applications in which my organisation is a co-applicant, confirmed or not."""
        return (await self.read("/co-applications", ApplicationPage, {"limit": 200})).items

    async def confirm_co_application(self, application_id: str, enterprise_number: str) -> None:
        await self.send("POST", f"/applications/{application_id}/co-applicants/{enterprise_number}/confirm")

    async def upload_attachment(self, application_id: str, code: str, filename: str, content_type: str,
                                content: AsyncIterator[bytes], key: str) -> None:
        await self.send("POST", f"/applications/{application_id}/attachments",
                        params={"code": code, "filename": filename},
                        headers={"content-type": content_type or "application/octet-stream", "idempotency-key": key},
                        content=content)

    async def submit(self, application_id: str, key: str) -> Application:
        return await self.write("POST", f"/applications/{application_id}/submit", Application,
                                headers={"idempotency-key": key})

    async def withdraw(self, application_id: str, reason: str) -> Application:
        return await self.write("POST", f"/applications/{application_id}/withdraw", Application, {"reason": reason})

    # ---- after the decision: letter, appeals, notices, payment plan and reports (the applicant's side) ------
    async def open_stream(self, path: str, accept: str) -> httpx.Response:
        """A GET whose body is passed on as it arrives (a letter, a report's attachment), never held whole. The
        caller iterates `aiter_bytes()` and must `aclose()` the response."""
        request = self.http.build_request("GET", self.base + path, headers=self.headers({"accept": accept}))
        try:
            response = await self.http.send(request, stream=True)
        except httpx.HTTPError as exc:
            log.warning("grants unreachable", extra={"error": type(exc).__name__, "path": path})
            raise ServiceProblem(503, UNAVAILABLE) from exc
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            raise problem_of(response)
        return response

    async def letter_stream(self, application_id: str) -> httpx.Response:
        return await self.open_stream(f"/applications/{application_id}/letter", "application/pdf")

    async def lodge_appeal(self, application_id: str, grounds: str) -> Appeal:
        return await self.write("POST", f"/applications/{application_id}/appeals", Appeal, {"grounds": grounds})

    async def notices(self, limit: int = 50) -> list[Notice]:
        return await self.read("/notices", list[Notice], {"limit": limit})

    async def award_plan(self, application_id: str) -> AwardPlan:
        return await self.read(f"/applications/{application_id}/award-plan", AwardPlan)

    async def submit_report(self, application_id: str, kind: str, version: int, values: Mapping[str, str],
                            narrative: str) -> Report:
        body = {"values": [{"indicator_id": i, "value": v} for i, v in values.items()], "narrative": narrative}
        return await self.write("PUT", f"/applications/{application_id}/reports/{kind}", Report, body,
                                headers=if_match(version))

    async def upload_report_attachment(self, application_id: str, kind: str, filename: str, content_type: str,
                                       content: AsyncIterator[bytes]) -> Report:
        response = await self.send("POST", f"/applications/{application_id}/reports/{kind}/attachment",
                                   params={"filename": filename},
                                   headers={"content-type": content_type or "application/octet-stream"},
                                   content=content)
        return msgspec.json.decode(response.content, type=Report)

    async def report_attachment_stream(self, application_id: str, kind: str) -> httpx.Response:
        return await self.open_stream(f"/applications/{application_id}/reports/{kind}/attachment", "*/*")

    # ---- jury ---------------------------------------------------------------------------------------------
    async def my_assignments(self) -> list[JurorApplication]:
        return await self.read("/jury/applications", list[JurorApplication])

    async def scoring(self, application_id: str) -> ApplicationForScoring:
        return await self.read(f"/jury/applications/{application_id}", ApplicationForScoring)

    async def declare_conflict(self, application_id: str, has_conflict: bool, reason: str) -> None:
        await self.send("POST", f"/applications/{application_id}/conflict",
                        json={"has_conflict": has_conflict, "reason": reason})

    async def save_review(self, application_id: str, scores: list[Score], version: int) -> Review:
        headers = {"if-match": f'"{version}"'} if version else None
        body = {"scores": [{"criterion_id": s.criterion_id, "score": s.score, "justification": s.justification}
                           for s in scores]}
        return await self.write("PUT", f"/applications/{application_id}/review", Review, body, headers=headers)

    async def submit_review(self, application_id: str, version: int) -> Review:
        return await self.write("POST", f"/applications/{application_id}/review/submit", Review,
                                headers={"if-match": f'"{version}"'})

    async def reviews(self, application_id: str) -> list[Review]:
        return await self.read(f"/applications/{application_id}/reviews", list[Review])

    # ---- call management (the province portal) -------------------------------------------------------------
    async def managed_calls(self) -> list[ManagedCall]:
        return await self.read("/calls", list[ManagedCall], {"limit": 200})

    async def managed_call(self, call_id: str) -> ManagedCall:
        return await self.read(f"/calls/{call_id}", ManagedCall)

    async def draft_call(self, terms: CallTerms) -> ManagedCall:
        return await self.write("POST", "/calls", ManagedCall, terms)

    async def change_call(self, call_id: str, version: int, terms: CallTerms) -> ManagedCall:
        return await self.write("PATCH", f"/calls/{call_id}", ManagedCall, terms, headers=if_match(version))

    async def move_call(self, call_id: str, action: str, version: int) -> ManagedCall:
        """`action`: publish, close, start-review or archive (the service enforces the lifecycle)."""
        return await self.write("POST", f"/calls/{call_id}/{action}", ManagedCall, headers=if_match(version))

    async def call_applications(self, call_id: str) -> list[Application]:
        """Every submitted (non-draft) application of a call, all pages."""
        found: list[Application] = []
        cursor: str | None = None
        while True:
            params = {"call_id": call_id, "limit": 200} | ({"cursor": cursor} if cursor else {})
            page = await self.read("/applications", ApplicationPage, params)
            found += page.items
            if not page.next_cursor:
                return found
            cursor = page.next_cursor

    async def screening(self, application_id: str) -> Screening:
        return await self.read(f"/applications/{application_id}/screening", Screening)

    async def record_screening(self, application_id: str, version: int, result: str, reasons: str) -> Screening:
        return await self.write("PUT", f"/applications/{application_id}/screening", Screening,
                                {"result": result, "reasons": reasons}, headers=if_match(version))

    async def application_audit(self, application_id: str) -> list[AuditEntry]:
        return await self.read(f"/applications/{application_id}/audit", list[AuditEntry])

    async def call_audit(self, call_id: str) -> list[AuditEntry]:
        return await self.read(f"/calls/{call_id}/audit", list[AuditEntry])

    async def jury(self, call_id: str) -> Jury:
        return await self.read(f"/calls/{call_id}/jury", Jury)

    async def compose_jury(self, call_id: str, members: list[JuryMemberIn], chair: str | None) -> Jury:
        return await self.write("PUT", f"/calls/{call_id}/jury", Jury, {"members": members, "chair": chair})

    async def propose_assignments(self, call_id: str) -> Assignments:
        return await self.write("POST", f"/calls/{call_id}/assignments/proposal", Assignments)

    async def assignments(self, call_id: str) -> Assignments:
        return await self.read(f"/calls/{call_id}/assignments", Assignments)

    async def fix_assignments(self, call_id: str, jurors_by_application: Mapping[str, list[str]]) -> Assignments:
        body = {"assignments": [{"application_id": a, "jurors": j} for a, j in jurors_by_application.items()]}
        return await self.write("PUT", f"/calls/{call_id}/assignments", Assignments, body)

    async def jury_view(self, call_id: str) -> JuryView:
        return await self.read(f"/calls/{call_id}/jury-view", JuryView)

    async def meeting_order(self, call_id: str) -> MeetingOrder:
        return await self.read(f"/calls/{call_id}/meeting-order", MeetingOrder)

    async def record_consensus(self, application_id: str, version: int, scores: Mapping[str, str],
                               minutes: str) -> Consensus:
        body = {"scores": [{"criterion_id": c, "score": s} for c, s in scores.items()], "minutes": minutes}
        return await self.write("PUT", f"/applications/{application_id}/consensus", Consensus, body,
                                headers=if_match(version) if version else None)

    async def ranking(self, call_id: str) -> Ranking:
        return await self.read(f"/calls/{call_id}/ranking", Ranking)

    async def scenario(self, call_id: str, scenario: Scenario) -> Ranking:
        return await self.write("POST", f"/calls/{call_id}/ranking/scenarios", Ranking, scenario)

    async def fix_proposal(self, call_id: str, scenario: Scenario | None) -> Proposal:
        return await self.write("POST", f"/calls/{call_id}/ranking/proposal", Proposal, scenario)

    async def proposal(self, call_id: str) -> Proposal:
        return await self.read(f"/calls/{call_id}/ranking/proposal", Proposal)

    async def decide(self, call_id: str, reference: str, decided_on: str) -> Decision:
        return await self.write("POST", f"/calls/{call_id}/decision", Decision,
                                {"reference": reference, "decided_on": decided_on})

    async def decision(self, call_id: str) -> Decision:
        return await self.read(f"/calls/{call_id}/decision", Decision)

    async def application_decision(self, application_id: str) -> ApplicationDecision:
        """The outcome for one application, the decision's reference and date, and the appeal period."""
        return await self.read(f"/applications/{application_id}/decision", ApplicationDecision)

    async def letter(self, application_id: str) -> httpx.Response:
        """The decision letter as the service sends it (PDF bytes, its type and file name)."""
        return await self.send("GET", f"/applications/{application_id}/letter", headers={"accept": "application/pdf"})

    async def appeals(self, application_id: str) -> list[Appeal]:
        return await self.read(f"/applications/{application_id}/appeals", list[Appeal])

    async def handle_appeal(self, application_id: str, appeal_id: str, version: int, status: str,
                            reasons: str) -> Appeal:
        return await self.write("PATCH", f"/applications/{application_id}/appeals/{appeal_id}", Appeal,
                                {"status": status, "reasons": reasons}, headers=if_match(version))


def if_match(version: int) -> dict[str, str]:
    """A versioned write: the service answers 412 when someone else changed the resource since it was read."""
    return {"if-match": f'"{version}"'}


def idempotency_key() -> dict[str, str]:
    """A retried submit or upload must not count twice; the service honours Idempotency-Key."""
    return {"idempotency-key": str(uuid.uuid4())}


# ---- What the pages read. Only the fields shown; the service may send more. --------------------------------

Decimalish = str | int | float
"""Scores and weights come as decimal strings (never floats in the API); numbers are accepted too."""


class Criterion(msgspec.Struct):
    name: str
    weight: Decimalish
    max_score: int
    id: str = ""
    position: int = 0
    description: str = ""
    min_threshold: Decimalish | None = None


class RequiredAttachment(msgspec.Struct):
    code: str
    label: str = ""
    types: list[str] = []
    max_bytes: int | None = None


class Eligibility(msgspec.Struct):
    social_economy_coapplicant: bool = False
    min_coapplicants: int = 0
    rules: list[str] = []


class LocalTime(msgspec.Struct):
    utc: str
    text: str = ""


class Call(msgspec.Struct):
    """A call as its managers and signed-in applicants read it."""

    id: str
    title: str
    status: str
    status_label: str = ""
    rules_text: str = ""
    legal_basis: str = ""
    aim: str = ""
    total_budget_cents: int | None = None
    max_per_project_cents: int | None = None
    cofinancing_rate_bp: int | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    appeal_days: int | None = None
    eligibility: Eligibility = msgspec.field(default_factory=Eligibility)
    required_attachments: list[RequiredAttachment] = []
    criteria: list[Criterion] = []
    version: int = 1


class PublicCall(msgspec.Struct):
    """What an applicant needs to know, readable without logging in; the service words the terms in Dutch."""

    id: str
    title: str
    status: str
    status_label: str = ""
    aim: str = ""
    rules_text: str = ""
    legal_basis: str = ""
    opens: LocalTime | None = None
    closes: LocalTime | None = None
    total_budget_cents: int | None = None
    total_budget_text: str = ""
    max_per_project_cents: int | None = None
    max_per_project_text: str = ""
    cofinancing_rate_bp: int | None = None
    cofinancing_text: str = ""
    criteria: list[Criterion] = []
    required_attachments: list[RequiredAttachment] = []
    eligibility_rules: list[str] = []
    tie_break_rules: list[str] = []
    appeal_days: int | None = None
    appeal_text: str = ""


class CoApplicant(msgspec.Struct):
    enterprise_number: str
    role: str
    name: str = ""
    role_label: str = ""
    confirmed: bool = False
    confirmed_at: str | None = None
    confirmed_by: str | None = None


class Attachment(msgspec.Struct):
    id: str
    code: str
    filename: str
    content_type: str = ""
    size_bytes: int = 0
    sha256: str = ""
    uploaded_at: str | None = None


class Application(msgspec.Struct):
    id: str
    call_id: str
    title: str
    status: str
    status_label: str = ""
    summary: str = ""
    requested_cents: int = 0
    total_cost_cents: int = 0
    duration_months: int = 12
    applicant_name: str = ""
    applicant_enterprise_number: str = ""
    co_applicants: list[CoApplicant] = []
    attachments: list[Attachment] = []
    submitted_at: str | None = None
    content_hash: str | None = None
    snapshot: dict[str, Any] | None = None
    withdrawn_at: str | None = None
    withdrawal_reason: str = ""
    warnings: list[str] = []
    version: int = 1


class ApplicationPage(msgspec.Struct):
    items: list[Application]
    next_cursor: str | None = None


class ApplicationDraft(msgspec.Struct, omit_defaults=True):
    """What the applicant's draft form sends."""

    title: str
    summary: str
    requested_cents: int
    total_cost_cents: int
    duration_months: int
    applicant_name: str | None = None
    """Only when starting, and only needed when the partners registry does not know the organisation."""


class Score(msgspec.Struct):
    criterion_id: str
    score: Decimalish | None = None
    justification: str = ""
    criterion: str = ""
    max_score: int | None = None


class Review(msgspec.Struct):
    application_id: str
    username: str = ""
    status: str = "draft"
    scores: list[Score] = []
    weighted_total: Decimalish | None = None
    submitted_at: str | None = None
    version: int = 0


class JurorApplication(msgspec.Struct):
    """One application on a juror's list (conflicted ones never are)."""

    application_id: str
    call_id: str
    title: str
    applicant_name: str = ""
    submitted_at: str | None = None
    review_status: str | None = None


class ApplicationForScoring(msgspec.Struct):
    application_id: str
    call_id: str
    title: str
    submitted_at: str | None = None
    content_hash: str | None = None
    snapshot: dict[str, Any] | None = None
    attachments: list[Attachment] = []
    criteria: list[Criterion] = []
    review: Review | None = None


# ---- What the province portal (call managers) reads and sends. ---------------------------------------------

class CriterionTerms(msgspec.Struct):
    """A criterion as the call form sends it (the service numbers them in this order)."""

    name: str
    weight: str
    max_score: int
    description: str = ""
    min_threshold: str | None = None


class CallTerms(msgspec.Struct):
    """Everything the call form holds; sent whole on creation and on every change of a draft."""

    title: str
    rules_text: str
    legal_basis: str
    aim: str
    total_budget_cents: int
    max_per_project_cents: int
    cofinancing_rate_bp: int
    opens_at: str | None
    closes_at: str | None
    appeal_days: int
    partial_funding: bool
    partial_funding_min_bp: int
    spread_limit: str
    jurors_per_application: int
    tie_break: list[str]
    eligibility: Eligibility
    required_attachments: list[RequiredAttachment]
    criteria: list[CriterionTerms]


class ManagedCall(msgspec.Struct):
    """A call with every term, as its managers read it."""

    id: str
    title: str
    status: str
    status_label: str = ""
    rules_text: str = ""
    legal_basis: str = ""
    aim: str = ""
    total_budget_cents: int = 0
    max_per_project_cents: int = 0
    cofinancing_rate_bp: int = 10_000
    opens_at: str | None = None
    closes_at: str | None = None
    appeal_days: int = 30
    partial_funding: bool = False
    partial_funding_min_bp: int = 5_000
    spread_limit: Decimalish = "15"
    jurors_per_application: int = 3
    tie_break: list[str] = []
    eligibility: Eligibility = msgspec.field(default_factory=Eligibility)
    required_attachments: list[RequiredAttachment] = []
    criteria: list[Criterion] = []
    published_at: str | None = None
    closed_at: str | None = None
    decided_at: str | None = None
    archived_at: str | None = None
    version: int = 1


class Check(msgspec.Struct):
    code: str
    passed: bool
    reason: str = ""


class Screening(msgspec.Struct):
    application_id: str
    checks: list[Check] = []
    automatic_passed: bool = False
    result: str | None = None
    result_label: str | None = None
    reasons: str = ""
    screened_by: str | None = None
    screened_at: str | None = None
    version: int = 1


class AuditEntry(msgspec.Struct):
    at: str
    actor: str
    action: str
    entity: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reasons: str = ""


class JuryMemberIn(msgspec.Struct):
    username: str
    name: str
    enterprise_number: str | None = None


class JuryMember(msgspec.Struct):
    username: str
    name: str = ""
    enterprise_number: str | None = None
    is_chair: bool = False


class Jury(msgspec.Struct):
    call_id: str
    members: list[JuryMember] = []


class AssignedApplication(msgspec.Struct):
    application_id: str
    title: str = ""
    jurors: list[str] = []
    conflicted: list[str] = []
    shortfall: str | None = None


class JurorLoad(msgspec.Struct):
    username: str
    load: int


class Assignments(msgspec.Struct):
    call_id: str
    jurors_per_application: int = 0
    applications: list[AssignedApplication] = []
    loads: list[JurorLoad] = []
    fixed: bool = False


class Consensus(msgspec.Struct):
    application_id: str
    scores: dict[str, Decimalish] = {}
    weighted_total: Decimalish | None = None
    minutes: str = ""
    recorded_by: str = ""
    recorded_at: str | None = None
    version: int = 0


class JurorScore(msgspec.Struct):
    username: str
    weighted_total: Decimalish
    juror_average: Decimalish
    calibration: Decimalish


class JuryViewApplication(msgspec.Struct):
    application_id: str
    title: str
    assigned: list[str] = []
    submitted: int = 0
    mean: Decimalish | None = None
    spread: Decimalish | None = None
    disagreement: bool = False
    jurors: list[JurorScore] = []
    criterion_means: dict[str, Decimalish] = {}
    consensus: Consensus | None = None


class JuryView(msgspec.Struct):
    call_id: str
    spread_limit: Decimalish = "15"
    applications: list[JuryViewApplication] = []


class MeetingItem(msgspec.Struct):
    position: int
    application_id: str
    title: str = ""
    absent: list[str] = []
    leave: list[str] = []
    reenter: list[str] = []


class MeetingOrder(msgspec.Struct):
    call_id: str
    items: list[MeetingItem] = []
    return_at_end: list[str] = []
    moves: int = 0
    naive_moves: int = 0


class ThresholdOverride(msgspec.Struct):
    position: int
    min_threshold: str | None


class Scenario(msgspec.Struct, omit_defaults=True):
    """A what-if: what is left out stays as the call publishes it."""

    budget_cents: int | None = None
    thresholds: list[ThresholdOverride] = []
    tie_break: list[str] | None = None
    reasons: str = ""


class Outcome(msgspec.Struct):
    application_id: str
    title: str
    status: str
    requested_cents: int = 0
    amount_cents: int = 0
    rank: int | None = None
    total: str | None = None
    steps: list[str] = []


class Ranking(msgspec.Struct):
    call_id: str
    budget_cents: int = 0
    awarded_cents: int = 0
    remaining_cents: int = 0
    funding_rule: str = ""
    tie_break: list[str] = []
    tie_break_rule: list[str] = []
    outcomes: list[Outcome] = []


class Proposal(msgspec.Struct):
    id: str
    call_id: str
    fixed_by: str = ""
    fixed_at: str | None = None
    inputs: dict[str, Any] = {}
    ranking: Ranking | None = None


class DecisionLine(msgspec.Struct):
    application_id: str
    outcome: str
    amount_cents: int = 0
    rank: int | None = None
    total: str | None = None
    reasons: list[str] = []


class Decision(msgspec.Struct):
    id: str
    call_id: str
    reference: str
    decided_on: str
    decided_by: str = ""
    awarded: int = 0
    rejected: int = 0
    awarded_cents: int = 0
    lines: list[DecisionLine] = []


class ApplicationDecision(msgspec.Struct):
    application_id: str
    decision_id: str
    reference: str
    decided_on: str
    outcome: str
    amount_cents: int
    appeal_days: int
    appeal_last_day: str
    appeal_open: bool
    rank: int | None = None
    total: str | None = None
    reasons: list[str] = []


class Appeal(msgspec.Struct):
    id: str
    application_id: str
    grounds: str = ""
    status: str = "received"
    lodged_by: str = ""
    lodged_at: str | None = None
    last_day: str | None = None
    outcome_reasons: str = ""
    handled_by: str | None = None
    handled_at: str | None = None
    version: int = 1


class Notice(msgspec.Struct):
    id: str
    title: str
    body: str = ""
    link: str = ""
    created_at: str | None = None
    read_at: str | None = None


class Tranche(msgspec.Struct):
    id: str
    kind: str
    amount_cents: int
    condition: str
    status: str
    position: int = 0
    kind_label: str = ""
    condition_label: str = ""
    due_on: str | None = None
    paid_on: str | None = None
    payment_reference: str = ""


class Indicator(msgspec.Struct):
    id: str
    name: str
    unit: str = ""
    target: str = ""
    position: int = 0


class ReportAttachment(msgspec.Struct):
    filename: str
    content_type: str = ""
    size_bytes: int = 0
    sha256: str = ""


class Report(msgspec.Struct):
    id: str
    kind: str
    due_on: str
    status: str
    kind_label: str = ""
    values: dict[str, str] = {}
    narrative: str = ""
    attachment: ReportAttachment | None = None
    submitted_by: str | None = None
    submitted_at: str | None = None
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    review_reasons: str = ""
    version: int = 1


class AwardPlan(msgspec.Struct):
    application_id: str
    awarded_cents: int
    paid_cents: int = 0
    starts_on: str | None = None
    ends_on: str | None = None
    version: int = 1
    tranches: list[Tranche] = []
    indicators: list[Indicator] = []
    reports: list[Report] = []
