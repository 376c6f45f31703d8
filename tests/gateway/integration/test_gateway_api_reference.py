"""The API front through the real gateway: the merged OpenAPI document of the three services validates, every
operation in it is routed to a service that has it, the AsyncAPI document is beside it, and the reference page
lists what the document holds."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

TokenFor = Any


@pytest.fixture(scope="module")
def document(gateway_url: str) -> dict[str, Any]:
    response = httpx.get(f"{gateway_url}/api/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_merged_document_is_valid_openapi_with_the_three_services(document: dict[str, Any]) -> None:
    validate(document)
    services = {path.split("/")[3] for path in document["paths"]}
    assert services == {"grants", "partners", "foodsavers", "integrations"}  # the last: the gateway's own
    assert all(path.startswith("/{tenant}/api/") for path in document["paths"])
    assert "/{tenant}/api/partners/public/catalogue" in document["paths"]
    assert not any("/catalogus" in path or "/voedsel" in path for path in document["paths"])  # pages are no API


def filled(path: str, parameters: list[dict[str, Any]]) -> str:
    """The path with the province and a made-up value for every other parameter (of its type)."""
    kinds = {p["name"]: (p.get("schema") or {}) for p in parameters if p.get("in") == "path"}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "tenant":
            return "antwerpen"
        schema = kinds.get(name, {})
        if schema.get("type") == "integer":
            return "1"
        if schema.get("format") == "uuid" or name.endswith("_id") or name == "id":
            return str(uuid.uuid4())
        return "onbekend"

    return re.sub(r"\{([^}]+)\}", value, path)


def test_every_operation_is_routed_to_a_service_that_has_it(document: dict[str, Any], gateway_url: str,
                                                             token_for: TokenFor) -> None:
    """Called with a made-up id and an empty body, each operation reaches a handler: the answer is the
    handler's or its guard's (200, a problem about the input, 401/403/404/409/412/428 with a Dutch reason),
    never the router's "Not Found" or "Method Not Allowed"."""
    headers = {"Authorization": f"Bearer {token_for('antwerpen', 'province-admin')}"}
    missed = []
    with httpx.Client(base_url=gateway_url, timeout=30, headers=headers) as client:
        # The check itself can fail: what no service has is the router's plain "Not Found", and a method a
        # route does not take is a 405.
        nowhere = client.get("/antwerpen/api/partners/bestaat-niet")
        assert (nowhere.status_code, nowhere.json().get("detail")) == (404, "Not Found")
        assert client.delete("/antwerpen/api/partners/organisations").status_code == 405
        for path, item in document["paths"].items():
            for method, operation in item.items():
                url = filled(path, operation.get("parameters") or [])
                if method in {"post", "put", "patch"}:
                    response = client.request(method.upper(), url, content=b"{}",
                                              headers={"Content-Type": "application/json"})
                else:
                    response = client.request(method.upper(), url)
                detail = response.json().get("detail") if response.headers.get(
                    "content-type", "").startswith("application/problem+json") else None
                if response.status_code == 405 or (response.status_code == 404 and detail in {None, "Not Found"}):
                    missed.append((method.upper(), path, response.status_code, detail))
    assert not missed, missed


def test_the_events_document_is_beside_it_and_the_reference_page_lists_every_operation_and_is_linked(
        gateway_url: str, document: dict[str, Any]) -> None:
    events = httpx.get(f"{gateway_url}/api/asyncapi.json", timeout=30)
    assert events.status_code == 200 and events.json()["asyncapi"].startswith("3.")
    page = httpx.get(f"{gateway_url}/api/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    operations = sum(len(item) for item in document["paths"].values())
    assert f"({operations} handelingen)" in page.text
    assert "GET /{tenant}/api/partners/public/catalogue" in page.text
    assert 'href="/api/"' in httpx.get(f"{gateway_url}/", timeout=30).text  # found from the front page
