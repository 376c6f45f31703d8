"""The API front for people and programs: the merged OpenAPI document (apidocs.py) at /api/openapi.json, the
AsyncAPI document of the events at /api/asyncapi.json (docs/asyncapi.json, generated from the producers'
contracts by shared.events.asyncapi), and the API reference page at /api/."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.response import Template

from services.gateway.runtime import Gateway, InjectedGateway
from shared.i18n import _
from shared.problems import NotFound

ASYNCAPI = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


async def document(gateway: Gateway) -> dict[str, Any]:
    return await gateway.api_docs.document(gateway.settings.service.tenants)


@get("/api/openapi.json", include_in_schema=False)
async def openapi(gateway: InjectedGateway) -> Response[dict[str, Any]]:
    return Response(await document(gateway), media_type="application/json")


@get("/api/asyncapi.json", include_in_schema=False, sync_to_thread=False)
def asyncapi() -> Response[bytes]:
    if not ASYNCAPI.exists():
        raise NotFound(_("het AsyncAPI-document is niet meegeleverd"))
    return Response(ASYNCAPI.read_bytes(), media_type="application/json")


@get("/api/", include_in_schema=False)
async def reference(gateway: InjectedGateway) -> Template:
    """The API reference for people: per service and tag, each operation with its parameters and answers."""
    doc = await document(gateway)
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            groups.setdefault(op["tags"][0], []).append({
                "method": method.upper(), "path": path, "summary": op.get("summary") or "",
                "description": op.get("description") or "", "public": op["security"] == [],
                "parameters": [p for p in op.get("parameters") or [] if p.get("name") != "tenant"],
                "body": schema_name((op.get("requestBody") or {}).get("content") or {}),
                "responses": sorted(op.get("responses", {}))})
    return Template(template_name="api.html", context={
        "groups": sorted(groups.items()), "operations": sum(len(v) for v in groups.values()),
        "tenants": gateway.settings.service.tenants})


def schema_name(content: Mapping[str, Any]) -> str:
    """The request body's schema as the reference names it: its component, or its type."""
    for media in content.values():
        schema = media.get("schema") or {}
        if "$ref" in schema:
            return str(schema["$ref"].rsplit("/", 1)[1])
        if schema:
            return str(schema.get("type", ""))
    return ""
