"""Errors as RFC 9457 problem details (application/problem+json).

Expected failures are typed: each kind has a stable `type` URI and a status, and a title in the reader's
language (Dutch first). Unexpected failures are logged with context and become a 500 that leaks nothing."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from shared.i18n import N_, _, language
from shared.logs import request_id_var

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:regie:problem:"

log = logging.getLogger("regie.problems")

# Titles per kind and language. `detail` carries the specifics of one occurrence.
TITLES: dict[str, dict[str, str]] = {
    "bad-request": {"nl": "Ongeldige aanvraag", "en": "Bad request", "fr": "Requête invalide"},
    "validation": {"nl": "De gegevens zijn niet geldig", "en": "The data is not valid", "fr": "Les données ne sont pas valides"},
    "unauthenticated": {"nl": "Aanmelden is vereist", "en": "Authentication required", "fr": "Authentification requise"},
    "invalid-token": {"nl": "Het toegangsbewijs is ongeldig", "en": "The access token is not valid", "fr": "Le jeton d'accès n'est pas valide"},
    "wrong-tenant": {"nl": "Dit toegangsbewijs hoort bij een andere provincie", "en": "This token belongs to another province", "fr": "Ce jeton appartient à une autre province"},
    "forbidden": {"nl": "U hebt geen toegang tot deze handeling", "en": "You may not perform this action", "fr": "Vous n'êtes pas autorisé à effectuer cette action"},
    "not-found": {"nl": "Niet gevonden", "en": "Not found", "fr": "Introuvable"},
    "conflict": {"nl": "Conflict met de huidige toestand", "en": "Conflict with the current state", "fr": "Conflit avec l'état actuel"},
    "precondition-failed": {"nl": "Iemand anders heeft dit intussen gewijzigd", "en": "Someone else changed this in the meantime", "fr": "Quelqu'un d'autre a modifié ceci entre-temps"},
    "precondition-required": {"nl": "Deze wijziging vraagt de versie die u las (If-Match)", "en": "This change needs the version you read (If-Match)", "fr": "Cette modification exige la version que vous avez lue (If-Match)"},
    "payload-too-large": {"nl": "Het bestand is te groot", "en": "The file is too large", "fr": "Le fichier est trop volumineux"},
    "unsupported-media-type": {"nl": "Dit bestandstype wordt niet aanvaard", "en": "This file type is not accepted", "fr": "Ce type de fichier n'est pas accepté"},
    "upload-infected": {"nl": "Het bestand bevat een virus en werd niet bewaard", "en": "The file contains a virus and was not stored", "fr": "Le fichier contient un virus et n'a pas été enregistré"},
    "scan-unavailable": {"nl": "Het bestand kan nu niet op virussen gecontroleerd worden; probeer het later opnieuw", "en": "The file cannot be checked for viruses right now; try again later", "fr": "Le fichier ne peut pas être contrôlé pour les virus pour l'instant ; réessayez plus tard"},
    "rate-limited": {"nl": "Te veel aanvragen; probeer het zo meteen opnieuw", "en": "Too many requests; try again shortly", "fr": "Trop de requêtes ; réessayez sous peu"},
    "unavailable": {"nl": "De dienst is tijdelijk niet beschikbaar", "en": "The service is temporarily unavailable", "fr": "Le service est temporairement indisponible"},
    "internal": {"nl": "Er ging iets mis aan onze kant", "en": "Something went wrong on our side", "fr": "Une erreur s'est produite de notre côté"},
}

STATUS_KINDS = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "bad-request",
                409: "conflict", 412: "precondition-failed", 413: "payload-too-large", 415: "unsupported-media-type",
                422: "validation", 428: "precondition-required", 429: "rate-limited", 503: "unavailable"}


class Problem(Exception):
    """An expected failure. Subclasses fix `kind` and `status`; raise them from services and rules."""

    kind: ClassVar[str] = "bad-request"
    status: ClassVar[int] = 400

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class BadRequest(Problem):
    kind, status = "bad-request", 400


class Unauthenticated(Problem):
    kind, status = "unauthenticated", 401


class InvalidToken(Problem):
    kind, status = "invalid-token", 401


class WrongTenant(Problem):
    kind, status = "wrong-tenant", 401


class Forbidden(Problem):
    kind, status = "forbidden", 403


class NotFound(Problem):
    kind, status = "not-found", 404


class Conflict(Problem):
    kind, status = "conflict", 409


class PreconditionFailed(Problem):
    kind, status = "precondition-failed", 412


class PreconditionRequired(Problem):
    kind, status = "precondition-required", 428


class PayloadTooLarge(Problem):
    kind, status = "payload-too-large", 413


class UnsupportedMediaType(Problem):
    kind, status = "unsupported-media-type", 415


class Invalid(Problem):
    kind, status = "validation", 422


class Infected(Problem):
    """The virus scanner found something in an upload: refused, nothing stored."""

    kind, status = "upload-infected", 422


class ScanUnavailable(Problem):
    """The virus scanner could not judge an upload (down, slow, or failing): refused, nothing stored."""

    kind, status = "scan-unavailable", 503


class Unavailable(Problem):
    """Something the answer needs is out of reach for now (e.g. a realm's signing keys): try again shortly."""

    kind, status = "unavailable", 503


class ProblemDetails(msgspec.Struct, kw_only=True, rename={"type_": "type"}):
    """The body of every error answer, as the OpenAPI documents describe it (RFC 9457); a kind may add members
    (`errors` per field on validation, `checks` when unready, …)."""

    type_: str
    """urn:regie:problem:<kind>"""
    title: str
    """In the request's language."""
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


ANSWERS = {
    400: "De aanvraag is onleesbaar of een parameter is ongeldig",
    401: "Geen of geen geldig toegangsbewijs van deze provincie",
    403: "Uw rollen laten deze handeling niet toe",
    404: "Niet gevonden (of niet zichtbaar voor u)",
    409: "Botst met de huidige toestand",
    412: "Iemand anders wijzigde dit intussen (If-Match)",
    413: "Te groot",
    415: "Dit inhoudstype wordt niet aanvaard",
    422: "De gegevens voldoen niet aan de regels",
    428: "Deze wijziging vraagt de versie die u las (If-Match)",
}
"""The documented error answers (descriptions in the documents, which are for developers: Dutch like the rest)."""
READ_ANSWERS = (400, 401, 403, 404, 409, 422)
WRITE_ANSWERS = (400, 401, 403, 404, 409, 412, 413, 415, 422, 428)


def problem_responses(method: str, *, public: bool) -> dict[int, ResponseSpec]:
    """The problem answers an operation can give, for its OpenAPI document: every operation can refuse its input
    (400/422), not find what it names (404) or find it in a state that does not allow the question yet (409, e.g.
    a ranking before the reviews), one behind the login also the token (401) or the role (403); a write also a
    stale or missing version, or a body too large or of the wrong type."""
    statuses = READ_ANSWERS if method in {"GET", "HEAD"} else WRITE_ANSWERS
    return {status: ResponseSpec(data_container=ProblemDetails, media_type=PROBLEM_JSON, generate_examples=False,
                                 description=ANSWERS[status])
            for status in statuses if not (public and status in {401, 403})}


def problem_body(kind: str, status: int, detail: str | None, lang: str, instance: str | None,
                 extensions: dict[str, Any] | None = None) -> dict[str, Any]:
    titles = TITLES.get(kind, TITLES["internal"])
    body: dict[str, Any] = {"type": TYPE_PREFIX + kind, "title": titles.get(lang, titles["nl"]), "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if (request_id := request_id_var.get()) is not None:
        body["request_id"] = request_id
    if extensions:
        body.update(extensions)
    return body


def problem_response(request: Request, kind: str, status: int, detail: str | None,
                     extensions: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:
    lang = language()  # from Accept-Language (shared.requests), or the person's choice at the gateway
    return Response(
        content=problem_body(kind, status, detail, lang, request.url.path, extensions),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def handle_problem(request: Request, exc: Problem) -> Response:
    return problem_response(request, exc.kind, exc.status, exc.detail, exc.extensions)


def handle_http_exception(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    kind = STATUS_KINDS.get(status, "internal" if status >= 500 else "bad-request")
    extensions: dict[str, Any] = {}
    if isinstance(exc, ValidationException) and exc.extra:
        kind = "validation"
        extensions["errors"] = exc.extra
    detail = exc.detail if status < 500 else None
    if isinstance(exc, NotAuthorizedException | PermissionDeniedException | NotFoundException):
        detail = exc.detail
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(request, kind, status, detail, extensions, headers)


def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path, "method": request.method})
    return problem_response(request, "internal", HTTP_500_INTERNAL_SERVER_ERROR, None)


# --- races the database decides -----------------------------------------------------------------------

CONSTRAINT_REASONS = "constraint_reasons"
"""The application-state key of the service's {constraint or unique index name: Dutch reason}
(`ServiceSpec.constraint_reasons`): what a person reads when the database refused a write."""
DUPLICATE_WRITE = N_("dit werd intussen al vastgelegd, wellicht door een gelijktijdig verzoek; laad opnieuw en "
                     "kijk na wat er nu staat")
LOST_RACE = N_("iemand anders wijzigde dit tegelijk; laad opnieuw en probeer nog eens")
RACE_STATES = frozenset({"40001", "40P01"})
"""serialization_failure and deadlock_detected: two transactions collided and the database gave up on one."""


def constraint_of(exc: DBAPIError) -> str | None:
    """The name of the constraint or unique index a write broke, as the driver reports it (asyncpg on the
    original exception, which SQLAlchemy's adapted one carries as its cause)."""
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        name = getattr(candidate, "constraint_name", None)
        if isinstance(name, str) and name:
            return name
    return None


def sqlstate_of(exc: DBAPIError) -> str | None:
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str) and state:
            return state
    return None


def _lost_race(request: Request, detail: str, **context: Any) -> Response:
    log.info("write refused by the database", extra={"path": request.url.path, "method": request.method,
                                                     **context})
    return problem_response(request, "conflict", HTTP_409_CONFLICT, _(detail))  # reasons are marked with N_()


def handle_integrity_error(request: Request, exc: IntegrityError) -> Response:
    """A unique index, key or check refused the write: the loser of two concurrent requests (the winner
    committed first), or a retry of one that already went through. 409 with the service's Dutch reason for
    that constraint; the checks before the write answer the ordinary case with their own 409 or 422."""
    constraint = constraint_of(exc)
    reasons = request.app.state.get(CONSTRAINT_REASONS) or {}
    return _lost_race(request, reasons.get(constraint, DUPLICATE_WRITE), constraint=constraint)


def handle_stale_data(request: Request, exc: StaleDataError) -> Response:
    """A versioned row changed between this request's read and its write: another request changed it at the
    same moment (a stale If-Match is answered 412 before any write, by `shared.versioning.check_version`)."""
    return _lost_race(request, LOST_RACE, stale=str(exc)[:200])


def handle_database_error(request: Request, exc: DBAPIError) -> Response:
    """A collision the database resolved by aborting this transaction is a lost race (409); anything else is
    unexpected."""
    if sqlstate_of(exc) in RACE_STATES:
        return _lost_race(request, LOST_RACE, sqlstate=sqlstate_of(exc))
    return handle_unexpected(request, exc)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    Problem: handle_problem,
    HTTPException: handle_http_exception,
    IntegrityError: handle_integrity_error,
    StaleDataError: handle_stale_data,
    DBAPIError: handle_database_error,
    Exception: handle_unexpected,
}
