"""The merged OpenAPI document: each service's operations as the gateway routes them, its schemas under its own
name, every error a problem, a token asked except on public paths; pages and metrics left out."""

from __future__ import annotations

import time
from typing import Any, cast

import aiohttp

from services.gateway.apidocs import ApiDirectory, gateway_path, merged

PAGES = {"catalogus": "partners", "jury": "grants"}


def service_document(schema: str, path: str, *, public_path: str | None = None) -> dict[str, Any]:
    operation = {
        "operationId": "Read", "tags": ["things"], "summary": "Read a thing",
        "parameters": [{"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{schema}"}}}},
                      "400": {"description": "Bad request syntax", "content": {"application/json": {
                          "schema": {"type": "object"}}}}},
    }
    paths: dict[str, Any] = {path: {"get": operation}, "/metrics": {"get": {"responses": {"200": {}}}},
                             "/{tenant}/catalogus/": {"get": {"responses": {"200": {}}}}}
    if public_path:
        paths[public_path] = {"get": {**operation, "operationId": "Public"}}
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": {schema: {
        "type": "object", "properties": {"other": {"$ref": "#/components/schemas/Other"}}}, "Other": {}}}}


def test_paths_are_those_of_the_gateway_and_pages_and_metrics_are_left_out() -> None:
    assert gateway_path("grants", "/{tenant}/calls/{call_id}", PAGES) == "/{tenant}/api/grants/calls/{call_id}"
    assert gateway_path("partners", "/{tenant}/catalogus/", PAGES) is None
    assert gateway_path("partners", "/metrics", PAGES) is None
    doc = merged({"grants": service_document("Call", "/{tenant}/calls"),
                  "partners": service_document("Call", "/{tenant}/organisations",
                                               public_path="/{tenant}/public/catalogue")},
                 ["antwerpen", "limburg"], PAGES)
    assert sorted(doc["paths"]) == ["/{tenant}/api/grants/calls", "/{tenant}/api/integrations/tokens",
                                    "/{tenant}/api/integrations/tokens/{token_id}",
                                    "/{tenant}/api/partners/organisations", "/{tenant}/api/partners/public/catalogue"]
    # The gateway's own operations (the integration tokens) are in it too.
    assert set(doc["paths"]["/{tenant}/api/integrations/tokens"]) == {"get", "post"}


def test_each_service_keeps_its_own_schemas_and_every_error_is_a_problem() -> None:
    doc = merged({"grants": service_document("Call", "/{tenant}/calls"),
                  "partners": service_document("Call", "/{tenant}/organisations")}, ["antwerpen"], PAGES)
    schemas = doc["components"]["schemas"]
    assert {"grants.Call", "grants.Other", "partners.Call", "partners.Other", "Problem"} <= set(schemas)
    assert schemas["grants.Call"]["properties"]["other"]["$ref"] == "#/components/schemas/grants.Other"
    read = doc["paths"]["/{tenant}/api/partners/organisations"]["get"]
    assert read["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == \
        "#/components/schemas/partners.Call"
    assert read["operationId"] == "partners.Read" and read["tags"] == ["partners: things"]
    for status in ("400", "401", "403", "429", "503"):
        assert read["responses"][status]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    tenant = read["parameters"][0]
    assert tenant["schema"] == {"type": "string", "enum": ["antwerpen"]}


def test_a_token_is_asked_except_on_public_paths() -> None:
    doc = merged({"partners": service_document("Org", "/{tenant}/organisations",
                                               public_path="/{tenant}/public/catalogue")}, ["antwerpen"], PAGES)
    assert doc["paths"]["/{tenant}/api/partners/organisations"]["get"]["security"] == [{"bearer": []}]
    public = doc["paths"]["/{tenant}/api/partners/public/catalogue"]["get"]
    # no token asked, none refused for a role; only one of another province's realm is refused (401)
    assert public["security"] == [] and "403" not in public["responses"]
    assert "niet van deze provincie" in public["responses"]["401"]["description"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_the_merge_is_worked_out_again_only_when_a_service_said_something_new() -> None:
    directory = ApiDirectory(cast(aiohttp.ClientSession, None), {"grants": "http://grants", "partners": "http://p"})
    said = directory.asked
    for service, schema in (("grants", "Call"), ("partners", "Org")):  # as if just asked: nothing goes out
        said.known[service] = service_document(schema, f"/{{tenant}}/{schema.lower()}s")
        said.asked_at[service] = time.monotonic()
    first = await directory.document(["antwerpen"])
    assert await directory.document(["antwerpen"]) is first
    said.known["partners"] = service_document("Organisation", "/{tenant}/organisations")  # asked anew
    again = await directory.document(["antwerpen"])
    assert again is not first and "partners.Organisation" in again["components"]["schemas"]
