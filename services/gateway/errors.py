"""Errors for two audiences: API callers get shared.problems' problem+json; a browser on a portal page gets the
same problem as a Dutch HTML page in the portal's layout."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Template

from shared.problems import EXCEPTION_HANDLERS


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
                            "status": problem.status_code, "request_id": body.get("request_id"),
                            "tenant": tenant if tenant in tenants else None,
                        })
    return handle


EXCEPTION_HANDLERS_HTML: dict[type[Exception] | int, Any] = {
    kind: _for_browsers(handler) for kind, handler in EXCEPTION_HANDLERS.items()
}
