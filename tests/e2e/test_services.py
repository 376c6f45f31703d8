"""The services as real processes on the real components: health, metrics, guards per role and tenant, and
the event path from partners to grants."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from shared.ids import uuid7
from shared.problems import TYPE_PREFIX
from tests.support import bearer, stream_events
from tests.support import random_enterprise_number as enterprise_number

SERVICES = ("partners", "grants", "foodsavers")


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_live_ready_and_exposes_metrics(platform, service: str) -> None:
    base = platform.url(service)
    assert httpx.get(f"{base}/health/live").json() == {"status": "ok"}
    ready = httpx.get(f"{base}/health/ready").json()
    assert ready["status"] == "ok" and ready["checks"]["database"] == "ok" and ready["checks"]["nats"] == "ok"
    httpx.get(f"{base}/antwerpen/nothing-here")  # counted, though refused before any handler
    metrics = httpx.get(f"{base}/metrics").text
    assert f'regie_http_requests_total{{method="GET",route="unmatched",service="{service}",status="404"}}' in metrics
    bucket = f'le="0.005",method="GET",route="unmatched",service="{service}"'
    assert f"regie_http_request_duration_seconds_bucket{{{bucket}}}" in metrics


def test_a_juror_cannot_reach_a_call_manager_endpoint(platform, tokens) -> None:
    grants = platform.url("grants")
    refused = httpx.post(f"{grants}/antwerpen/calls", json={"title": "Sociale innovatie 2027"},
                         headers=bearer(tokens("antwerpen", "juror")))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == TYPE_PREFIX + "forbidden"
    assert refused.json()["title"] == "U hebt geen toegang tot deze handeling"
    allowed = httpx.post(f"{grants}/antwerpen/calls", json={"title": "Sociale innovatie 2027"},
                         headers=bearer(tokens("antwerpen", "call-manager")))
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["status"] == "draft"
    # the juror sees no drafts; the call manager does
    juror_view = httpx.get(f"{grants}/antwerpen/calls", headers=bearer(tokens("antwerpen", "juror"))).json()
    manager_view = httpx.get(f"{grants}/antwerpen/calls", headers=bearer(tokens("antwerpen", "call-manager"))).json()
    assert allowed.json()["id"] not in {c["id"] for c in juror_view}
    assert allowed.json()["id"] in {c["id"] for c in manager_view}


def test_services_refuse_a_token_of_another_province_and_requests_without_one(platform, tokens) -> None:
    partners = platform.url("partners")
    wrong = httpx.get(f"{partners}/limburg/organisations", headers=bearer(tokens("antwerpen", "coordinator")))
    assert wrong.status_code == 401
    assert wrong.json()["type"] == TYPE_PREFIX + "wrong-tenant"
    assert wrong.headers["x-request-id"]
    assert wrong.json()["request_id"] == wrong.headers["x-request-id"]
    missing = httpx.get(f"{partners}/limburg/organisations", headers={"Accept-Language": "en"})
    assert missing.status_code == 401 and missing.json()["title"] == "Authentication required"
    garbage = httpx.get(f"{partners}/limburg/organisations", headers=bearer("not.a.token"))
    assert garbage.status_code == 401 and garbage.json()["type"] == TYPE_PREFIX + "invalid-token"


def test_bad_input_gets_a_problem_with_the_reason_and_nothing_is_stored(platform, tokens) -> None:
    partners = platform.url("partners")
    headers = bearer(tokens("oost-vlaanderen", "coordinator"))
    bad = httpx.post(f"{partners}/oost-vlaanderen/organisations", headers=headers, json={
        "enterprise_number": "0123.456.748", "name": "Compaan", "kind": "maatwerkbedrijf", "municipality": "Gent"})
    assert bad.status_code == 422
    assert "controlegetal" in bad.json()["detail"]
    listed = httpx.get(f"{partners}/oost-vlaanderen/organisations", headers=headers, params={"limit": 200}).json()
    assert "0123456748" not in {o["enterprise_number"] for o in listed["items"]}
    malformed = httpx.post(f"{partners}/oost-vlaanderen/organisations", headers=headers, json={"name": 3})
    assert malformed.status_code == 400
    assert malformed.headers["content-type"].startswith("application/problem+json")


async def test_an_organisation_registered_in_partners_reaches_grants_read_model_within_a_second(
        platform, tokens) -> None:
    number = enterprise_number()
    async with httpx.AsyncClient() as http:
        registered = await http.post(
            f"{platform.url('partners')}/west-vlaanderen/organisations",
            headers=bearer(tokens("west-vlaanderen", "coordinator")),
            json={"enterprise_number": number, "name": "De Kringwinkel Brugge", "kind": "maatwerkbedrijf",
                  "municipality": "Brugge"})
        assert registered.status_code == 201, registered.text
        started = time.monotonic()
        found = None
        while time.monotonic() - started < 1.0 and found is None:
            known = await http.get(f"{platform.url('grants')}/west-vlaanderen/registry/organisations",
                                   headers=bearer(tokens("west-vlaanderen", "call-manager")), params={"limit": 500})
            found = next((o for o in known.json() if o["enterprise_number"] == number), None)
            if found is None:
                await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        assert found is not None, f"not in grants' read model after {elapsed:.2f}s"
        assert found["social_economy"] is True and found["name"] == "De Kringwinkel Brugge"
        # …and only in that province's read model
        other = await http.get(f"{platform.url('grants')}/limburg/registry/organisations",
                               headers=bearer(tokens("limburg", "call-manager")), params={"limit": 500})
        assert number not in {o["enterprise_number"] for o in other.json()}


async def test_the_trace_context_of_a_request_through_the_gateway_travels_on_in_its_event(platform, tokens) -> None:
    trace_id = uuid7().hex
    number = enterprise_number()
    registered = httpx.post(f"{platform.gateway_url}/limburg/api/partners/organisations",
                            headers={**bearer(tokens("limburg", "coordinator")),
                                     "traceparent": f"00-{trace_id}-{uuid7().hex[:16]}-01"},
                            json={"enterprise_number": number, "name": "Traceerbaar bedrijf", "kind": "cooperative",
                                  "municipality": "Genk"})
    assert registered.status_code == 201, registered.text
    (event,) = await stream_events(platform.config.nats_url, "partners.limburg.organisation.registered",
                                   "enterprise_number", number)
    assert event["traceparent"] is not None and event["traceparent"].split("-")[1] == trace_id
