"""Errors for two audiences: API callers get shared.problems' problem+json; a browser on a portal page gets the
same problem as an HTML page in the portal's layout and the person's language: what went wrong, what to do about
it, and the request id to quote, never a stack trace."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Template

from shared.i18n import N_, _
from shared.problems import EXCEPTION_HANDLERS

ADVICE: dict[int, str] = {
    400: N_("Controleer wat je invulde of het adres van de pagina, en probeer het opnieuw."),
    401: N_("Meld je opnieuw aan en probeer het nog eens."),
    403: N_("Deze pagina of handeling hoort niet bij je rol in deze provincie. Denk je dat je ze wel nodig hebt, "
            "vraag het dan aan de beheerder van je provincie."),
    404: N_("Controleer het adres, of ga terug naar de startpagina en zoek het van daaruit."),
    409: N_("Iemand anders wijzigde dit intussen, of het kan in deze fase niet meer. Laad de pagina opnieuw en "
            "bekijk de huidige toestand."),
    412: N_("Iemand anders wijzigde dit intussen. Laad de pagina opnieuw en voer je wijziging nog eens in."),
    413: N_("Kies een kleiner bestand, of verdeel het over meerdere bestanden."),
    415: N_("Kies een bestand van een aanvaard type (zie de uitleg bij het veld)."),
    422: N_("Verbeter de gemarkeerde gegevens en probeer het opnieuw."),
    429: N_("Je deed kort na elkaar veel aanvragen. Wacht even en probeer het dan opnieuw."),
}
"""What a person can do about a problem, by status; a status not listed (a server error) gets SERVER_ADVICE."""
SERVER_ADVICE = N_("Probeer het over enkele minuten opnieuw. Blijft het mislopen, geef dan de referentie hieronder "
                   "door aan de helpdesk van je provincie: daarmee vinden zij wat er gebeurde.")


def advice(status: int) -> str:
    return _(ADVICE.get(status, SERVER_ADVICE if status >= 500 else ADVICE[400]))


def wants_html(request: Request[Any, Any, Any]) -> bool:
    segments = request.url.path.strip("/").split("/")
    if len(segments) > 1 and segments[1] == "api":
        return False
    return "text/html" in request.headers.get("accept", "")


def _for_browsers(handler: Any) -> Any:
    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        problem: Response[Any] = handler(request, exc)  # logs unexpected errors, as for the API
        if not wants_html(request):
            return problem
        body: dict[str, Any] = problem.content
        tenant = request.url.path.strip("/").split("/", 1)[0]
        tenants = request.app.state["gateway"].settings.service.tenants
        return Template(template_name="error.html", status_code=problem.status_code or 500,
                        headers=dict(problem.headers), context={
                            "title": body.get("title", ""), "detail": body.get("detail"),
                            "advice": advice(problem.status_code or 500),
                            "status": problem.status_code, "request_id": body.get("request_id"),
                            "tenant": tenant if tenant in tenants else None,
                        })
    return handle


EXCEPTION_HANDLERS_HTML: dict[type[Exception] | int, Any] = {
    kind: _for_browsers(handler) for kind, handler in EXCEPTION_HANDLERS.items()
}
