"""The API front's document: one OpenAPI document of every service's operations as they are reached through the
gateway (served with the AsyncAPI document and a reference page by api_reference.py).

Each service describes its own API (Litestar's document at SCHEMA_PATH). The gateway asks for them as it asks for
the portal tiles (announced.py: cached a minute per replica) and merges them the way it routes: `/{tenant}/<rest>`
of service S becomes `/{tenant}/api/S/<rest>`; the portal pages (portals.PAGES) and the metrics are left out;
each service's schemas are named `S.Name`, its operations `S.operationId`, its tags `S: tag`; every error answer
is the RFC 9457 problem the services and the gateway send; every operation but the public ones needs a bearer
token of the province's realm."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from services.gateway.announced import Announced
from services.gateway.portals import PAGES
from shared.problems import PROBLEM_JSON

SCHEMA_PATH = "/schema/openapi.json"
ASK_TIMEOUT_SECONDS = 5.0
METHODS = ("get", "put", "post", "delete", "patch")
PUBLIC = "public"
"""The first segment after /{tenant} of what anyone may read without a token (proxy.PUBLIC_API)."""

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `detail` in the request's language.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "urn:regie:problem:<kind>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}, "description": "per field, on validation"},
    },
    "additionalProperties": True,
}
STANDARD_ERRORS: dict[str, str] = {
    "429": "Te veel aanvragen: wacht zoals Retry-After zegt.",
    "503": "De dienst is (even) niet bereikbaar.",
}
SECURED_ERRORS: dict[str, str] = {
    "401": "Geen of geen geldig toegangsbewijs van deze provincie.",
    "403": "Uw rollen laten deze handeling niet toe.",
}
PUBLIC_ERRORS: dict[str, str] = {
    "401": "Een toegangsbewijs dat niet van deze provincie is (zonder toegangsbewijs: geen 401).",
}
"""A public operation asks for no token, but the gateway refuses one of another realm (proxy.py)."""


def _renamed(node: Any, service: str) -> Any:
    """The node with every schema reference pointing at the service's own, prefixed component."""
    if isinstance(node, dict):
        return {k: (f"#/components/schemas/{service}.{v.rsplit('/', 1)[1]}"
                    if k == "$ref" and isinstance(v, str) and v.startswith("#/components/schemas/")
                    else _renamed(v, service)) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v, service) for v in node]
    return node


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def gateway_path(service: str, path: str, pages: Mapping[str, str] = PAGES) -> str | None:
    """Where the service's `path` is reached through the gateway; None for what is no API (pages, metrics)."""
    if not path.startswith("/{tenant}/"):
        return None
    rest = path[len("/{tenant}"):]
    if rest.split("/")[1] in pages:
        return None
    return f"/{{tenant}}/api/{service}{rest}"


def _operation(service: str, operation: dict[str, Any], public: bool, tenants: Sequence[str]) -> dict[str, Any]:
    op = _renamed(copy.deepcopy(operation), service)
    if "operationId" in op:
        op["operationId"] = f"{service}.{op['operationId']}"
    op["tags"] = [f"{service}: {tag}" for tag in op.get("tags") or []] or [service]
    for parameter in op.get("parameters") or []:
        if parameter.get("in") == "path" and parameter.get("name") == "tenant":
            parameter["schema"] = {"type": "string", "enum": list(tenants)}
            parameter["description"] = "de provincie"
    responses = op.setdefault("responses", {})
    errors = {**STANDARD_ERRORS, **(PUBLIC_ERRORS if public else SECURED_ERRORS)}
    for status, answer in list(responses.items()):
        if status[:1] in {"4", "5"}:
            responses[status] = {"description": answer.get("description") or "Probleem", "content": _problem_content()}
    for status, description in errors.items():
        responses.setdefault(status, {"description": description, "content": _problem_content()})
    op["security"] = [] if public else [{"bearer": []}]
    return op


def gateway_operations(tenants: Sequence[str]) -> dict[str, Any]:
    """The gateway's own API: the province admin's integration tokens (integration_tokens.py)."""
    tenant = {"name": "tenant", "in": "path", "required": True, "description": "de provincie",
              "schema": {"type": "string", "enum": list(tenants)}}
    token_id = {"name": "token_id", "in": "path", "required": True, "schema": {"type": "string"}}
    shown = {"type": "object", "required": ["id", "name", "roles", "expires_at", "active"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string", "format": "date-time"}, "created_by": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"},
        "revoked_at": {"type": ["string", "null"], "format": "date-time"},
        "last_used_at": {"type": ["string", "null"], "format": "date-time"}, "active": {"type": "boolean"}}}
    errors = {**STANDARD_ERRORS, **SECURED_ERRORS, "400": "Onleesbare aanvraag",
              "404": "Geen toegangsbewijs met dit id", "422": "Naam, rollen of looptijd ongeldig",
              "503": "Koppelingen zijn niet ingesteld of niet bereikbaar"}

    def operation(summary: str, operation_id: str, ok: str, ok_answer: dict[str, Any], *params: dict[str, Any],
                  body: dict[str, Any] | None = None) -> dict[str, Any]:
        op: dict[str, Any] = {
            "summary": summary, "operationId": f"gateway.{operation_id}", "tags": ["gateway: integrations"],
            "parameters": [tenant, *params], "security": [{"bearer": []}],
            "responses": {ok: ok_answer, **{status: {"description": text, "content": _problem_content()}
                                            for status, text in errors.items()}}}
        if body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        return op

    listing = {"description": "De toegangsbewijzen van de provincie (nooit hun geheim)", "content": {
        "application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": shown}}}}}}
    made = {"description": "Het nieuwe toegangsbewijs: `token` staat alleen in dit antwoord", "content": {
        "application/json": {"schema": {"allOf": [shown, {"type": "object", "required": ["token"],
                                                          "properties": {"token": {"type": "string"}}}]}}}}
    new = {"type": "object", "required": ["name", "roles"], "properties": {
        "name": {"type": "string", "maxLength": 100}, "roles": {"type": "array", "items": {"type": "string"}},
        "days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 90}}}
    base = "/{tenant}/api/integrations/tokens"
    return {
        base: {"get": operation("The province's integration tokens", "list_tokens", "200", listing),
               "post": operation("Create an integration token (shown once)", "create_token", "201", made,
                                 body=new)},
        base + "/{token_id}": {"delete": operation("Revoke an integration token", "revoke_token", "204",
                                                   {"description": "Ingetrokken"}, token_id)},
    }


def merged(documents: Mapping[str, Mapping[str, Any]], tenants: Sequence[str],
           pages: Mapping[str, str] = PAGES) -> dict[str, Any]:
    """One OpenAPI 3.1 document of the services' documents, as the gateway routes them."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    tags: list[dict[str, str]] = []
    for service in sorted(documents):
        document = documents[service]
        for name, schema in (document.get("components") or {}).get("schemas", {}).items():
            schemas[f"{service}.{name}"] = _renamed(schema, service)
        seen_tags: set[str] = set()
        for path, item in (document.get("paths") or {}).items():
            routed = gateway_path(service, path, pages)
            if routed is None:
                continue
            public = path.split("/")[2] == PUBLIC
            entry = {m: _operation(service, op, public, tenants) for m, op in item.items() if m in METHODS}
            if entry:
                paths[routed] = entry
                seen_tags.update(tag for op in entry.values() for tag in op["tags"])
        tags += [{"name": tag} for tag in sorted(seen_tags)]
    paths.update(gateway_operations(tenants))
    tags.append({"name": "gateway: integrations"})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Regie API", "version": "1",
                 "description": "Every service's API as it is reached through the gateway: "
                                "/{tenant}/api/{service}/…, with a bearer token of the province's realm. "
                                "The events the services publish: /api/asyncapi.json."},
        "servers": [{"url": "/"}],
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "An access token of the province's Keycloak realm (audience regie-api), or an "
                           "integration token of the province (regie_…, made by its province admin)."}}},
    }


class ApiDirectory:
    """The services' own OpenAPI documents (Litestar's, at SCHEMA_PATH), and their merge: worked out again only
    when a service's document was asked for anew (merging costs some 30 ms; the documents change at most once a
    minute)."""

    def __init__(self, http: aiohttp.ClientSession, upstreams: Mapping[str, str]) -> None:
        self.upstreams = upstreams
        self.asked = Announced(http, upstreams, SCHEMA_PATH, json.loads, timeout_seconds=ASK_TIMEOUT_SECONDS)
        self._merged: tuple[list[dict[str, Any]], dict[str, Any]] | None = None
        """The documents merged last (held, so compared by identity) and their merge."""

    async def document(self, tenants: Sequence[str]) -> dict[str, Any]:
        """The merged document (never change it: every reader shares it)."""
        documents = await self.asked.of(sorted(self.upstreams))
        sources = list(documents.values())
        if self._merged is None or len(sources) != len(self._merged[0]) or any(
                a is not b for a, b in zip(sources, self._merged[0], strict=False)):
            self._merged = (sources, merged(documents, tenants))
        return self._merged[1]
